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


# Once the page is drawn (the app's chart sizer has wrapped Plotly.react by then), record
# each call that draws a chart: whether the chart was new, whether the call gave its width,
# and how many traces Plotly had drawn once the call was done.
_RECORD_DRAWS = """() => {
    window.__draws = [];
    const react = window.Plotly.react;
    window.Plotly.react = function (gd, figure, ...rest) {
        const fresh = !gd._fullLayout;
        const sized = ((figure && figure.layout) || {}).width !== undefined;
        const out = react.call(this, gd, figure, ...rest);
        const traces = () => gd._fullData.length;  // the traces Plotly drew
        Promise.resolve(out).then(() => window.__draws.push({fresh, sized, traces: traces()}));
        return out;
    };
}"""


def test_a_retrain_draws_each_new_chart_once_at_its_width(app):
    """Streamlit mounts the run's charts anew and calls Plotly before it knows their width,
    then again with it: the first call leaves the chart empty, the second draws it."""
    app.open(START)
    app.charts_drawn(3)
    app.page.evaluate(_RECORD_DRAWS)
    app.press_slider("Hidden layers", "ArrowRight")
    app.charts_drawn(3)
    app.wait()
    draws = app.page.evaluate("window.__draws")
    early = [d for d in draws if d["fresh"] and not d["sized"]]
    assert len(early) >= 3, draws  # the boundary, the loss and the network were new
    assert all(d["traces"] == 0 for d in early), draws
    assert all(d["traces"] > 0 for d in draws if d["sized"]), draws
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
    # The chart is mounted anew: for a moment it is missing, or drawn empty (ui/chart_sizer.js).
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
