"""Moving a control updates the URL and the charts; switching pages keeps every setting."""

from __future__ import annotations

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


# Marks the page's charts and records every Plotly.react call: which chart, at what width.
_RECORD_DRAWS = """() => {
    window.__draws = [];
    const plots = Array.from(document.querySelectorAll('.bp-chart .js-plotly-plot'));
    plots.forEach((gd, k) => { gd.__mark = k; });
    const react = window.Plotly.react;
    window.Plotly.react = function (gd, figure, ...rest) {
        const width = ((figure && figure.layout) || {}).width;
        window.__draws.push({mark: gd.__mark ?? null, width: width ?? null});
        return react.call(this, gd, figure, ...rest);
    };
    return plots.length;
}"""
_MARKED = """() => Array.from(document.querySelectorAll('.bp-chart .js-plotly-plot'))
    .map(gd => gd.__mark ?? null)"""


def test_a_retrain_redraws_each_chart_in_place_once(app):
    """A new run goes into the charts on screen (ui/chart_view.js): the same chart elements,
    each drawn once, at its width. Streamlit's own chart mounted new ones and drew each
    twice."""
    app.open(START)
    app.charts_drawn(3)
    before = app.chart_data()
    assert app.page.evaluate(_RECORD_DRAWS) == 3
    app.press_slider("Hidden layers", "ArrowRight")
    app.until(lambda: app.chart_data() != before, 20, "the charts to show the new run")
    app.charts_drawn(3)
    app.wait()
    assert app.page.evaluate(_MARKED) == [0, 1, 2]
    draws = app.page.evaluate("window.__draws")
    assert sorted(d["mark"] for d in draws) == [0, 1, 2], draws
    assert all(d["width"] and d["width"] > 100 for d in draws), draws
    assert app.exceptions() == []


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
