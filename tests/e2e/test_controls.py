"""Moving a control updates the URL and the charts; switching pages keeps every setting."""

from __future__ import annotations

from tests.e2e.conftest import luminance

START = "/?dataset=xor&seed=3&steps=80"


def _settings(app) -> dict[str, str]:
    """What the sidebar shows for the settings this test touches."""
    return {
        "depth": app.slider_value("Hidden layers"),
        "width": app.slider_value("Units per layer"),
        "steps": app.slider_value("Steps"),
        "dataset": app.select_value("Data set"),
        "seed": app.number_value("Seed"),
    }


def _params(app) -> dict[str, str]:
    # The shared step picker may add ?step= on pages that have one; the settings must stay.
    return {k: v for k, v in app.params().items() if k != "step"}


def test_a_slider_changes_the_url_and_the_chart(app):
    app.open(START)
    app.charts_drawn()
    before = app.chart_data()
    assert app.slider_value("Hidden layers") == "2"
    app.press_slider("Hidden layers", "ArrowRight")
    assert app.params()["depth"] == "3"
    assert app.slider_value("Hidden layers") == "3"
    app.charts_drawn()
    app.until(lambda: app.chart_data() != before, 20, "a chart to change with the depth")
    assert app.exceptions() == []


# Marks each chart box (and the figure drawn in it) and records every Plotly.react call:
# in which box, at what width.
_RECORD_DRAWS = """() => {
    window.__draws = [];
    const boxes = Array.from(document.querySelectorAll('.bp-chart'));
    boxes.forEach((box, k) => { box.__mark = k; box.querySelector('.bp-plot').__first = k; });
    const react = window.Plotly.react;
    window.Plotly.react = function (gd, figure, ...rest) {
        const width = ((figure && figure.layout) || {}).width;
        const box = gd.closest('.bp-chart');
        window.__draws.push({mark: box ? box.__mark ?? null : null, width: width ?? null});
        return react.call(this, gd, figure, ...rest);
    };
    return boxes.length;
}"""
# Per chart box: its mark, how many figures it shows (hidden ones included), the mark of
# the figure drawn first in it if that is the one shown, and the width it is drawn at and
# its box's.
_BOXES = """() => Array.from(document.querySelectorAll('.bp-chart')).map(box => {
    const plots = box.querySelectorAll('.bp-plot');
    const gd = plots[0];
    return {mark: box.__mark ?? null, plots: plots.length, first: gd.__first ?? null,
            width: gd._fullLayout.width, box: box.clientWidth,
            paper: getComputedStyle(gd.querySelector('.main-svg')).backgroundColor};
})"""


def test_a_retrain_draws_each_chart_once_in_its_place(app):
    """A new run goes into the chart boxes on screen (ui/chart_view.js): the same boxes,
    each new figure drawn once, at its width. Streamlit's own chart mounted new ones and drew
    each twice."""
    app.open(START)
    app.charts_drawn(3)
    before = app.chart_data()
    assert app.page.evaluate(_RECORD_DRAWS) == 3
    app.press_slider("Hidden layers", "ArrowRight")
    app.until(lambda: app.chart_data() != before, 20, "the charts to show the new run")
    app.charts_drawn(3)
    app.wait()
    boxes = app.page.evaluate(_BOXES)
    assert [(b["mark"], b["plots"]) for b in boxes] == [(0, 1), (1, 1), (2, 1)], boxes
    draws = app.page.evaluate("window.__draws")
    assert sorted(d["mark"] for d in draws) == [0, 1, 2], draws
    assert all(d["width"] and d["width"] > 100 for d in draws), draws
    assert app.exceptions() == []


def _paper_dark(colour: str) -> bool:
    return luminance(colour) < 60


def test_a_setting_changed_back_shows_the_charts_drawn_before(app):
    """Back at the setting before (depth 2, 3, 2), each chart shows the figure it drew for
    it, without drawing it again: at the chart's width, in the page's theme and at the
    transport's step of now."""
    app.open(START + "&step=40")
    app.charts_drawn(3)
    first = app.chart_data()
    app.until(lambda: _at_step(app, 40), 10, "every chart at step 40")
    assert app.page.evaluate(_RECORD_DRAWS) == 3
    app.press_slider("Hidden layers", "ArrowRight")
    app.until(lambda: app.chart_data() != first, 20, "the charts to show the new run")
    app.charts_drawn(3)
    app.wait()
    # Meanwhile the window narrows and turns dark: the figures put aside were drawn wide
    # and light.
    app.page.set_viewport_size({"width": 1100, "height": 900})
    app.page.emulate_media(color_scheme="dark")
    app.until(
        lambda: all(_paper_dark(b["paper"]) for b in app.page.evaluate(_BOXES)),
        10,
        "the charts dark",
    )
    # And the step moves on: the figures put aside show step 40.
    app.page.locator(".bp-transport .bp-next").click()
    app.until(lambda: app.params().get("step") == "41", 10, "the step in the link")
    app.wait()
    app.page.evaluate("() => { window.__draws = []; }")
    app.press_slider("Hidden layers", "ArrowLeft")
    app.until(
        lambda: [b["first"] for b in app.page.evaluate(_BOXES)] == [0, 1, 2],
        20,
        "the figures of the first run again",
    )
    app.wait()
    boxes = app.page.evaluate(_BOXES)
    assert [b["plots"] for b in boxes] == [1, 1, 1], boxes
    assert app.page.evaluate("window.__draws") == []  # none drawn again
    assert all(b["width"] == b["box"] for b in boxes), boxes
    assert all(_paper_dark(b["paper"]) for b in boxes), boxes
    app.until(lambda: _at_step(app, 41), 10, "every chart at step 41")
    assert app.exceptions() == []


# Per chart: the step it shows, and its frame for `step` (the step, else the one before).
_FRAME_AT = """step => Array.from(document.querySelectorAll('.bp-chart .bp-plot')).map(gd => {
    const names = gd._transitionData._frames.map(f => Number(f.name)).filter(n => n <= step);
    return [gd.dataset.bpStep || null, String(Math.max(...names))];
})"""


def _at_step(app, step: int) -> bool:
    """Whether each of the three charts shows its frame for `step`."""
    charts = app.page.evaluate(_FRAME_AT, step)
    return len(charts) == 3 and all(shown == frame for shown, frame in charts)


_SIZES = """() => Array.from(document.querySelectorAll('.bp-chart .js-plotly-plot'))
    .map(gd => [gd._fullLayout.width, gd._fullLayout.height])"""


def test_a_chart_goes_full_screen_and_back(app):
    """The chart toolbar's full-screen button (Streamlit's chart had one) fills the screen
    with the chart, drawn at the screen's size; leaving full screen draws it as before."""
    app.open(START)
    app.charts_drawn(3)
    before = app.page.evaluate(_SIZES)
    loss = app.page.locator(".bp-chart .js-plotly-plot").nth(1)
    loss.hover()
    loss.locator('.modebar-btn[data-title="Full screen"]').click()
    screen = app.page.evaluate("() => [window.innerWidth, window.innerHeight]")
    app.until(
        lambda: app.page.evaluate(_SIZES)[1] == screen, 10, "the loss chart at the screen's size"
    )
    assert app.page.evaluate("() => document.fullscreenElement.classList.contains('bp-plot')")
    assert app.page.evaluate(_SIZES)[0] == before[0]  # the other charts stay as they were
    app.page.evaluate("() => document.exitFullscreen()")
    app.until(lambda: app.page.evaluate(_SIZES) == before, 10, "the loss chart back in its column")
    assert app.exceptions() == []


def test_switching_pages_keeps_every_setting(app):
    app.open(START)
    app.press_slider("Hidden layers", "ArrowRight")
    params, settings = _params(app), _settings(app)
    assert params == {"dataset": "xor", "seed": "3", "steps": "80", "depth": "3"}
    for title, path in (("Backward pass", "/backward"), ("Gradient norms", "/gradient_norms")):
        app.go_to_page(title)
        assert app.path == path
        assert _params(app) == params
        assert _settings(app) == settings
        assert app.charts_drawn() >= 1
        assert app.exceptions() == []
    # A change made on another page travels back too.
    app.press_slider("Units per layer", "ArrowLeft")
    params, settings = _params(app), _settings(app)
    assert params["width"] == settings["width"] == "7"
    app.go_to_page("Overview")
    assert app.path == "/"
    assert _params(app) == params
    assert _settings(app) == settings
    assert app.exceptions() == []


def test_the_worked_examples_switch_redraws_only_its_network(app):
    """The switch is in a fragment of its own: the server sends the network, not the page's
    tables and equations again (a full rerun of the page sends about 40 KB)."""
    app.open("/worked_example")
    app.charts_drawn()
    received = app.count_received_bytes()
    title = (
        "() => document.querySelector('[data-testid=\"stMain\"] .js-plotly-plot')"
        "?.layout?.title?.text ?? null"
    )
    before = app.page.evaluate(title)
    app.page.get_by_text("Show the network after the update").click()
    app.until(
        lambda: app.page.evaluate(title) not in (before, None), 20, "the network after the update"
    )
    app.wait()
    assert "0.291027774" in app.page.evaluate(title)  # Mazur's error after one update
    assert 0 < sum(received) < 25_000, f"{sum(received)} bytes for the switch"
    assert app.exceptions() == []
