"""The Forward pass page through AppTest: defaults, other configs, hostile links, real numbers."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine import Config, train
from tests.apptest_utils import (
    APP,
    OTHER_CONFIGS,
    assert_ok,
    decode,
    page_warnings,
    plotly_specs,
    run_hostile_link,
    run_page,
)
from ui.settings import ACTIVATION_LATEX, config_from_params

PAGE = "app_pages/forward.py"
STEP = 152  # a recorded step of the default run (stride 4), set through the step slider


def _nodes(spec: dict) -> dict:
    return next(t for t in spec["data"] if t.get("name") == "units")


def _graph_at(spec: dict, step: int) -> dict:
    """The graph's frame of `step`, its traces named like the figure's (units, weights)."""
    frame = next(f for f in spec["frames"] if f["name"] == str(step))
    names = [spec["data"][i].get("name") for i in frame["traces"]]
    return {
        "title": frame["layout"]["title"]["text"],
        "data": [dict(t, name=n) for t, n in zip(frame["data"], names, strict=True)],
    }


@pytest.fixture(scope="module")
def default_run():
    return train(Config())


@pytest.fixture(scope="module")
def default_page(default_run):
    at = run_page(PAGE)
    at.select_slider(key="step").set_value(STEP).run()
    return at


def test_defaults_draw_graph_boxes_and_lines(default_page):
    at = default_page
    assert_ok(at, charts=3)
    assert not page_warnings(at)
    specs = plotly_specs(at)
    titles = [spec["layout"]["title"]["text"] for spec in specs]
    # The graph and the boxes show the chosen step through their frame of that name.
    assert _graph_at(specs[0], STEP)["title"].startswith(f"Sample 0, step {STEP}")
    frame = next(f for f in specs[1]["frames"] if f["name"] == str(STEP))
    assert frame["layout"]["title"]["text"].startswith(f"Activations a per layer, step {STEP}")
    assert titles[2].startswith("Activations over training")
    assert f"f(z) = {ACTIVATION_LATEX['tanh']}" in at.latex[1].value


def test_nodes_and_edges_are_the_engines_values(default_page, default_run):
    rec = default_run.records[STEP]
    graph = _graph_at(plotly_specs(default_page)[0], STEP)
    colours = decode(_nodes(graph)["marker"]["color"])
    np.testing.assert_array_equal(colours[2:10], rec.layers["h1"].a[0])
    weights = next(t for t in graph["data"] if t.get("name") == "weights")
    np.testing.assert_array_equal(
        decode(weights["marker"]["color"])[:16], rec.layers["h1"].W.ravel()
    )


def test_changing_the_sample_recolours_the_nodes(default_page, default_run):
    at = default_page
    at.slider(key="sample").set_value(5).run()
    assert_ok(at, charts=3)
    rec = default_run.records[STEP]
    graph = _graph_at(plotly_specs(at)[0], STEP)
    assert graph["title"].startswith(f"Sample 5, step {STEP}")
    assert f"Sample 5 (row {rec.batch_index[5]} of the training set)" in " ".join(
        c.value for c in at.caption
    )
    colours = decode(_nodes(graph)["marker"]["color"])
    np.testing.assert_array_equal(colours[:2], rec.x[5])
    np.testing.assert_array_equal(colours[10:18], rec.layers["h2"].a[5])


def test_a_graph_too_large_to_send_every_step_is_drawn_step_by_step():
    params = {"depth": "4", "width": "16", "steps": "100"}
    run = train(config_from_params(params)[0])
    at = run_page(PAGE, params)
    assert_ok(at, charts=3)
    step = run.recorded_steps[7]
    at.select_slider(key="step").set_value(step).run()
    graph = plotly_specs(at)[0]
    assert "frames" not in graph  # drawn at the chosen step by the step's fragment
    assert graph["layout"]["title"]["text"].startswith(f"Sample 0, step {step}")
    colours = decode(_nodes(graph)["marker"]["color"])
    np.testing.assert_array_equal(colours[2:18], run.records[step].layers["h1"].a[0])


def test_beyond_the_thresholds_layers_become_heatmaps():
    params = {"depth": "13", "width": "4", "steps": "20"}
    at = run_page(PAGE, params)
    assert_ok(at, charts=3)
    assert any("too many to draw" in str(i.value) for i in at.info)
    at.select_slider(key="step").set_value(12).run()
    at.select_slider(key="forward_layer").set_value("h13").run()
    heat = plotly_specs(at)[0]
    assert heat["layout"]["title"]["text"].startswith("Layer h13, step 12")
    run = train(config_from_params(params)[0])
    rec = run.records[12]
    z = decode(heat["data"][0]["z"]).reshape(4, -1)
    np.testing.assert_array_equal(z, rec.layers["h13"].a.T)


@pytest.mark.parametrize("params", OTHER_CONFIGS)
def test_other_configs(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=3)
    assert not page_warnings(at)
    graph = plotly_specs(at)[0]
    depth = int(params["depth"]) if "depth" in params else 2
    n_out = 3 if params.get("dataset") == "spiral3" else 1
    assert len(decode(_nodes(graph)["marker"]["color"])) == 2 + depth * 8 + n_out
    if params.get("activation") == "sigmoid":
        titles = [a["text"] for a in plotly_specs(at)[2]["layout"]["annotations"]]
        assert "saturated share" in titles


def test_hostile_link_warns_and_still_draws():
    run_hostile_link(PAGE, charts=3)


def test_deep_link_opens_at_the_last_step(default_run):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(PAGE)
    at.run()
    assert_ok(at, charts=3)
    title = plotly_specs(at)[0]["layout"]["title"]["text"]
    assert title.startswith(f"Sample 0, step {default_run.recorded_steps[-1]}")
