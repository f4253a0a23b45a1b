"""The page's transport in a real browser: Play moves every chart together, Pause and Step
hand the step to the server and the link, all without a server rerun per frame."""

from __future__ import annotations

import re
import time

import pytest

from engine import Config, train
from tests.e2e.conftest import script_states, watch_script_states

# The step each chart of the main area shows (set by the transport after each animation),
# and its frame names.
_PLOTS = """document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')"""
_CHARTS_JS = (
    f"() => Array.from({_PLOTS})"
    + """.map(gd => ({gd, steps: ((gd._transitionData || {})._frames || [])
                      .filter(f => /^[0-9]+$/.test(f.name)).map(f => Number(f.name))}))
    .filter(c => c.steps.length)
    .map(c => ({shown: c.gd.dataset.bpStep || null, frames: c.steps}))"""
)


_TITLES_JS = (
    f"() => Array.from({_PLOTS})"
    + """.filter(gd => ((gd._transitionData || {})._frames || [])
                      .some(f => /^[0-9]+$/.test(f.name)))
    .map(gd => (gd.layout.title || {}).text || '')"""
)


def _titles_name(app, step: int) -> bool:
    """Every moving chart whose title names a step names `step` (its frame's title)."""
    named = [re.search(r"step (\d+)", t) for t in app.page.evaluate(_TITLES_JS)]
    return all(int(m.group(1)) == step for m in named if m)


_TITLE_PLACES_JS = (
    f"() => Array.from({_PLOTS})"
    + """.filter(gd => ((gd._transitionData || {})._frames || []).length)
    .map(gd => [(gd.layout.title || {}).xanchor, (gd.layout.title || {}).x])"""
)


def _titles_in_place(app) -> bool:
    """Every moving chart's title is where base_layout puts it: moving to a frame changes
    its text only (a scatter chart's title is relaid out, which could reset the rest)."""
    return all(place == ["left", 0.01] for place in app.page.evaluate(_TITLE_PLACES_JS))


def _transport(app):
    return app.page.locator(".bp-transport")


def _step(app) -> int:
    return int(_transport(app).get_attribute("data-step"))


def _expected(frames: list[int], step: int) -> str:
    """The frame a chart shows at `step`: the step, else the latest frame before it."""
    return str(max([f for f in frames if f <= step], default=min(frames)))


def _all_at(app, step: int, charts_with_frames: int = 3) -> bool:
    charts = app.page.evaluate(_CHARTS_JS)
    return len(charts) >= charts_with_frames and all(
        c["shown"] == _expected(c["frames"], step) for c in charts
    )


def _click(app, cls: str) -> None:
    app.page.locator(f".bp-transport {cls}").click()


# Legend entries that name a step, on every chart of the main area.
_LEGEND_STEPS_JS = f"""() => Array.from({_PLOTS})
    .flatMap(gd => Array.from(gd.querySelectorAll('.legendtext')).map(e => e.textContent))
    .filter(text => /step [0-9]+/.test(text))"""


# The step at the press of Play, then every step the transport shows.
_WATCH_PLAY = """el => {
    window.__played = [];
    const note = () => window.__played.push([performance.now(), Number(el.dataset.step)]);
    el.querySelector('.bp-play').addEventListener('click', note, {capture: true, once: true});
    new MutationObserver(note).observe(el, {attributes: true, attributeFilter: ['data-step']});
}"""
_WATCH_CHARTS = f"""() => {{
    window.__frames = [];
    const watch = () => {{
        window.__frames.push(Array.from({_PLOTS}).map(gd => gd.dataset.bpStep || null));
        window.__chartWatch = requestAnimationFrame(watch);
    }};
    watch();
}}"""


def test_play_moves_every_view_together_and_pause_keeps_the_step(app):
    steps = train(Config(steps=120)).recorded_steps
    app.open("/?steps=120&step=0")
    app.charts_drawn(3)
    app.until(lambda: _all_at(app, 0), 20, "every chart to show step 0")
    watch_script_states(app.page)
    _transport(app).evaluate(_WATCH_PLAY)
    app.page.evaluate(_WATCH_CHARTS)
    _click(app, ".bp-play")
    time.sleep(2.5)
    reruns = script_states(app.page)
    _click(app, ".bp-play")  # pause
    paused = _step(app)
    played = app.page.evaluate("window.__played")
    frames = app.page.evaluate("cancelAnimationFrame(window.__chartWatch); window.__frames")
    played = [p for k, p in enumerate(played) if k == 0 or p[1] != played[k - 1][1]]
    shown = [s for _, s in played]
    assert shown == sorted(shown) and set(shown) <= set(steps), played
    assert shown[0] == steps[0] and shown[-1] == paused > steps[5]
    # Every step Play showed is a frame of every chart: no view waits on every other tick.
    held = [set(c["frames"]) for c in app.page.evaluate(_CHARTS_JS)]
    assert len(held) == 3 and set(shown) <= set.intersection(*held), shown
    # Play keeps the speed's clock: it went through 10 of its steps a second, however many of
    # them a busy machine drew (a late tick goes to the clock's step; the latency benchmark
    # counts the steps shown).
    order = sorted(set.intersection(*held))
    passed = order.index(shown[-1]) - order.index(shown[0])
    rate = passed / ((played[-1][0] - played[0][0]) / 1000)
    assert 8 <= rate <= 12, f"played {rate:.1f} steps per second (10 asked): {played}"
    for chart in range(3):  # every chart went through several frames while it played
        assert len({f[chart] for f in frames}) >= 4, [f[chart] for f in frames]
    assert "running" not in reruns  # no server rerun while playing
    app.until(lambda: _all_at(app, paused), 10, "every chart to show the paused step")
    # The loss chart's legend names the step its marker shows, not the step it was drawn at.
    named = app.page.evaluate(_LEGEND_STEPS_JS)
    assert named == [f"step {paused}: batch loss"], named
    time.sleep(0.5)
    assert _step(app) == paused  # pause stops
    app.until(lambda: app.params().get("step") == str(paused), 15, "the step in the URL")
    app.wait()
    assert app.page.locator('[data-testid="stMain"] [data-testid="stSliderThumbValue"]')
    assert app.exceptions() == []


def test_step_advances_one_recorded_step_and_the_link_opens_there(app, page):
    run = train(Config(steps=120))
    steps = run.recorded_steps
    app.open(f"/?steps=120&step={steps[2]}")
    app.charts_drawn(3)
    app.until(lambda: _all_at(app, steps[2]), 20, f"every chart at step {steps[2]}")
    _click(app, ".bp-next")
    assert _step(app) == steps[3]
    app.until(lambda: _all_at(app, steps[3]), 10, "every chart one recorded step on")
    assert _titles_in_place(app)
    app.until(lambda: app.params().get("step") == str(steps[3]), 15, "the step in the URL")
    app.wait()
    link = app.page.url
    app.page.goto("about:blank")
    app.page.goto(link)
    app.wait()
    app.charts_drawn(3)
    assert _step(app) == steps[3]
    app.until(lambda: _all_at(app, steps[3]), 20, "the link to open every chart at that step")
    _click(app, ".bp-start")
    app.until(lambda: _all_at(app, 0), 10, "every chart back at step 0")
    assert app.exceptions() == []


@pytest.mark.parametrize(
    ("path", "moving"),
    [("/gradient_norms", 6), ("/forward", 3), ("/backward", 2), ("/error", 4), ("/update", 1)],
)
def test_the_charts_of_other_pages_follow_the_transport(app, path, moving):
    steps = train(Config(steps=120)).recorded_steps
    app.open(f"{path}?steps=120&step={steps[-1]}")
    app.charts_drawn(moving)
    _click(app, ".bp-start")
    app.until(lambda: _all_at(app, 0, moving), 20, f"{moving} charts at step 0")
    _click(app, ".bp-next")
    app.until(lambda: _all_at(app, steps[1], moving), 20, "the charts one recorded step on")
    app.until(lambda: _titles_name(app, steps[1]), 10, "the chart titles to name that step")
    assert _titles_in_place(app)
    app.until(lambda: app.params().get("step") == str(steps[1]), 15, "the step in the URL")
    app.wait()
    assert app.exceptions() == []


# Per bar chart: the full redraws counted since _COUNT_REDRAWS, and for each bar the top of
# its drawn rectangle and where the shown frame's value lies on the y axis (pixels).
_COUNT_REDRAWS = f"""() => Array.from({_PLOTS})
    .filter(gd => gd.data.length && gd.data.every(t => t.type === 'bar'))
    .forEach(gd => {{ gd.__redraws = 0; gd.on('plotly_redraw', () => gd.__redraws++); }})"""
_BARS_JS = f"""() => Array.from({_PLOTS})
    .filter(gd => gd.data.length && gd.data.every(t => t.type === 'bar'))
    .map(gd => {{
      const frame = gd._transitionData._frameHash[gd.dataset.bpStep];
      const values = (y) => {{
        if (!y.bdata) return Array.from(y);
        const raw = Uint8Array.from(atob(y.bdata), c => c.charCodeAt(0));
        return Array.from(y.dtype === 'f4' ? new Float32Array(raw.buffer)
                                           : new Float64Array(raw.buffer));
      }};
      const bars = Array.from(gd.querySelectorAll('.barlayer .trace')).map((layer, k) => {{
        const axis = gd._fullLayout['yaxis' + gd._fullData[k].yaxis.slice(1)];
        const want = values(frame.data[k].y);
        return Array.from(layer.querySelectorAll('.point path'))
          .map((path, i) => [path.getBBox().y, axis.c2p(want[i])]);
      }});
      return {{redraws: gd.__redraws, bars: bars.flat()}};
    }})"""


@pytest.mark.parametrize(("path", "moving"), [("/gradient_norms", 6), ("/backward", 2)])
def test_bar_charts_move_to_the_step_without_a_full_redraw(app, path, moving):
    """Plotly animates bar traces: a bar chart takes the step's values without being laid out
    and drawn again whole (a redraw cost Backward's step about 18 ms), and every bar stands
    at its new value."""
    steps = train(Config(steps=120)).recorded_steps
    app.open(f"{path}?steps=120&step={steps[-1]}")
    app.charts_drawn(moving)
    app.until(lambda: _all_at(app, steps[-1], moving), 20, "every chart at the last step")
    app.page.evaluate(_COUNT_REDRAWS)
    _click(app, ".bp-start")
    app.until(lambda: _all_at(app, 0, moving), 20, "every chart at step 0")
    charts = app.page.evaluate(_BARS_JS)
    assert len(charts) == 1
    for chart in charts:
        assert chart["redraws"] == 0
        assert chart["bars"] and all(abs(top - want) < 1 for top, want in chart["bars"]), chart
    app.wait()
    assert app.exceptions() == []


@pytest.mark.parametrize(
    ("path", "moving"),
    [
        ("/", 3),
        ("/gradient_norms", 6),
        ("/error", 4),
        ("/update", 1),
        ("/backward", 2),
        ("/forward", 3),
    ],
)
def test_moving_the_step_slider_resends_no_chart(app, path, moving):
    """The Step slider reruns only the page's step fragment: the charts that carry a frame
    per step stay in the browser and move there; the server sends a few KB, not the charts."""
    steps = train(Config(steps=120)).recorded_steps
    app.open(f"{path}?steps=120&step={steps[5]}")
    app.charts_drawn(moving)
    app.until(lambda: _all_at(app, steps[5], moving), 20, f"every chart at step {steps[5]}")
    received = app.count_received_bytes()
    thumb = app.step_slider()
    thumb.focus()
    thumb.press("ArrowLeft")
    app.until(lambda: _all_at(app, steps[4], moving), 20, f"every chart at step {steps[4]}")
    # The charts move before the server hears of the step; wait for its answer by polling
    # the page (headless Chromium defers the slider's message while no one talks to it).
    app.wait()
    app.until(lambda: app.params().get("step") == str(steps[4]), 15, "the step in the URL")
    # A full rerun resends every chart: 87 KB on Gradient norms, up to 900 KB on the others
    # (benchmarks/latency.py); the fragment sends the step's text and tables (Backward's
    # chain rule and gradient check: 40 KB).
    assert 0 < sum(received) < 60_000, f"{sum(received)} bytes for one step"
    assert app.exceptions() == []


@pytest.mark.parametrize(("path", "moving"), [("/", 3), ("/backward", 2)])
def test_the_charts_follow_the_step_slider_before_the_server_answers(app, path, moving):
    """The charts move to the slider's step in the browser at once: here the server never
    hears of the move (the browser's messages to it are held back), and they move all the
    same."""
    steps = train(Config(steps=120)).recorded_steps
    hold = {"on": False}

    def route(ws) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: None if hold["on"] else server.send(message))

    app.page.route_web_socket(re.compile(r".*/_stcore/stream"), route)
    app.open(f"{path}?steps=120&step={steps[5]}")
    app.charts_drawn(moving)
    app.until(lambda: _all_at(app, steps[5], moving), 20, f"every chart at step {steps[5]}")
    hold["on"] = True
    thumb = app.step_slider()
    thumb.focus()
    thumb.press("ArrowLeft")
    thumb.press("ArrowLeft")
    app.until(lambda: _all_at(app, steps[3], moving), 10, f"every chart at step {steps[3]}")
    assert _step(app) == steps[3]
    assert (
        app.page.evaluate(
            "() => document.querySelector('[data-testid=\"stApp\"]')"
            ".getAttribute('data-test-script-state')"
        )
        != "running"
    )


def _style_and_layout_passes(app, seconds: float) -> int:
    """How many style and layout passes the page made in `seconds` with no input."""
    cdp = app.page.context.new_cdp_session(app.page)
    cdp.send("Performance.enable")

    def count() -> float:
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        return metrics["LayoutCount"] + metrics["RecalcStyleCount"]

    before = count()
    time.sleep(seconds)
    passes = int(count() - before)
    cdp.detach()
    return passes


def test_the_page_rests_when_nothing_plays(app):
    # A transport that ticked while idle cost the page a style and layout pass per tick
    # (40 in two seconds): on a projector's laptop or a phone, that is battery, and every
    # key press shared the main thread with it.
    app.open("/?steps=120")
    app.charts_drawn(3)
    app.until(lambda: _all_at(app, _step(app)), 20, "every chart to show the step")
    time.sleep(1)
    assert _style_and_layout_passes(app, 2) <= 2
    _click(app, ".bp-play")
    time.sleep(1)
    _click(app, ".bp-play")  # pause
    paused = _step(app)
    app.until(lambda: _all_at(app, paused), 10, "every chart to show the paused step")
    app.wait()
    time.sleep(1)
    assert _style_and_layout_passes(app, 2) <= 2
