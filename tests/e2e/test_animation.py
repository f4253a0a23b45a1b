"""The Overview's training animation plays in the browser: Plotly's Play button moves the step."""

from __future__ import annotations

# Collects, every 20 ms, the animated chart's slider position and its "current value" text.
_WATCH_JS = """el => {
    const gd = el.querySelector('.js-plotly-plot');
    const prefix = (gd.layout.sliders[0].currentvalue || {}).prefix || '';
    window.__seen = [];
    const read = () => {
        const texts = Array.from(el.querySelectorAll('.slider-container text'))
            .map(t => t.textContent)
            .filter(t => prefix && t.startsWith(prefix));
        window.__seen.push([gd._fullLayout.sliders[0].active, texts[0] || '']);
    };
    read();
    window.__watch = setInterval(read, 20);
}"""


def test_play_advances_the_overview_animation(app):
    app.open("/?steps=60&step=0")
    app.charts_drawn()
    animated = app.page.locator('[data-testid="stPlotlyChart"]').filter(
        has=app.page.locator(".updatemenu-button")
    )
    assert animated.count() >= 1, "no chart with a Play button on the Overview"
    chart = animated.first
    frames = chart.evaluate("el => el.querySelector('.js-plotly-plot')._transitionData._frames")
    assert len(frames) >= 3
    buttons = chart.locator(".updatemenu-button")
    labels = [buttons.nth(i).text_content() or "" for i in range(buttons.count())]
    play = next(i for i, label in enumerate(labels) if "▶" in label or "Play" in label)
    chart.evaluate(_WATCH_JS)
    buttons.nth(play).scroll_into_view_if_needed()
    buttons.nth(play).click()
    app.until(
        lambda: len({tuple(s) for s in app.page.evaluate("window.__seen")}) >= 4,
        20,
        "the animation to pass through several frames",
    )
    seen = app.page.evaluate("clearInterval(window.__watch); window.__seen")
    positions = [active for active, _ in seen]
    texts = [text for _, text in seen]
    assert positions[0] == 0 and max(positions) >= 3
    assert positions == sorted(positions)  # it plays forward
    assert len(set(texts)) >= 4  # the slider's label ("step k") follows the frames
    assert app.exceptions() == []
