"""The Overview page through AppTest: defaults, other configs, hostile links, real numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.grid import predictions_on_grid
from tests.apptest_utils import (
    OTHER_CONFIGS,
    assert_ok,
    component_nodes,
    decode,
    page_text,
    page_warnings,
    plotly_specs,
    run_hostile_link,
    run_page,
)
from ui import transport

PAGE = "app_pages/overview.py"


def _titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]


@pytest.fixture(scope="module")
def default_page():
    return run_page(PAGE)


def test_defaults_draw_boundary_loss_and_network(default_page):
    at = default_page
    assert_ok(at, charts=3)
    assert not page_warnings(at)
    titles = _titles(at)
    assert titles[0].startswith("Decision boundary")
    assert titles[1] == "Loss over training (bce)"
    assert titles[2].startswith("The network at step 299")
    labels = [m.label for m in at.metric]
    assert labels == ["Steps", "Train loss", "Test loss", "Train accuracy", "Test accuracy"]
    assert len(at.get("page_link")) >= 8


def _count_data_figures(monkeypatch) -> list[int]:
    """Count the page's calls of the data preview (the page imports it on every run)."""
    import viz.preview

    calls: list[int] = []
    original = viz.preview.data_figure

    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(viz.preview, "data_figure", counted)
    return calls


def _depth_plus_one(at) -> None:
    slider = next(s for s in at.slider if s.key == "depth")
    slider.set_value(slider.value + 1)
    at.run()
    assert_ok(at, charts=3)


def test_a_new_page_shows_the_data_while_its_network_trains(monkeypatch):
    calls = _count_data_figures(monkeypatch)
    at = run_page(PAGE, {"seed": "4242"})  # a run no other test trained
    assert_ok(at, charts=3)
    assert len(calls) == 1


def test_a_quick_retrain_keeps_the_charts_instead_of_drawing_the_data(monkeypatch):
    import ui.progress

    calls = _count_data_figures(monkeypatch)
    at = run_page(PAGE, {"seed": "4243"})
    assert len(calls) == 1
    monkeypatch.setattr(ui.progress, "SHOW_AFTER_S", 600.0)  # however busy the machine
    _depth_plus_one(at)  # not cached: it trains
    assert len(calls) == 1


def test_a_slow_retrain_shows_the_data_with_its_progress(monkeypatch):
    import ui.progress

    calls = _count_data_figures(monkeypatch)
    at = run_page(PAGE, {"seed": "4244"})
    assert len(calls) == 1
    monkeypatch.setattr(ui.progress, "SHOW_AFTER_S", 0.0)  # every training counts as slow
    _depth_plus_one(at)
    assert len(calls) == 2
    assert [spec["layout"]["title"]["text"] for spec in plotly_specs(at)][0].startswith(
        "Decision boundary"
    )


def test_tiles_and_charts_show_the_engines_numbers(default_page):
    run = train(Config())
    tiles = {m.label: m.value for m in default_page.metric}
    assert tiles["Test accuracy"] == f"{run.test_acc[-1]:.1%}"
    assert tiles["Train loss"] == f"{run.train_loss[-1]:.4g}"
    assert tiles["Steps"] == str(run.steps_run)
    boundary, loss, _ = plotly_specs(default_page)
    z = decode(boundary["data"][0]["z"]).reshape(40, 40)
    expected = predictions_on_grid(run, [run.recorded_steps[-1]], 40)[0]
    np.testing.assert_allclose(z, expected, rtol=1e-6)
    assert len(boundary["frames"]) == 40
    np.testing.assert_allclose(decode(loss["data"][0]["y"]), run.loss)


def _transport_data(at) -> dict:
    """The data the page hands its transport (the step to show, the run's steps)."""
    found = component_nodes(at, transport.NAME)
    assert len(found) == 1, "one transport on the page"
    return json.loads(found[0].proto.json)


def _frame(spec: dict, step: int) -> dict:
    """The figure's frame for `step`: the step itself, else the latest one before it."""
    names = [int(f["name"]) for f in spec["frames"]]
    shown = max(n for n in names if n <= step)
    return next(f for f in spec["frames"] if int(f["name"]) == shown)


def test_step_from_the_link_drives_every_view():
    # The figures carry a frame per recorded step and the browser's transport shows the
    # link's step in all of them (tests/e2e/test_transport.py): check the step it is handed
    # and the engine's numbers in each figure's frame for that step.
    run = train(Config())
    at = run_page(PAGE, {"step": "12"})
    assert_ok(at, charts=3)
    data = _transport_data(at)
    assert data["step"] == 12 and data["steps"] == run.recorded_steps
    boundary, loss, network = plotly_specs(at)
    assert network["layout"]["title"]["text"].startswith("The network at step 299")
    # The boundary and the network have a frame at most recorded steps (a budget), each
    # naming its own step; the loss marker has them all.
    frame = _frame(network, 12)
    assert frame["name"] == _frame(boundary, 12)["name"] and int(frame["name"]) in (8, 12)
    assert frame["layout"]["title"]["text"].startswith(f"The network at step {frame['name']}")
    record = run.records[int(frame["name"])]
    weights = np.concatenate([record.layers[n].W.reshape(-1) for n in run.layer_names])
    np.testing.assert_array_equal(decode(frame["data"][-2]["marker"]["color"]), weights)
    marker = _frame(loss, 12)["data"][0]
    assert marker["name"] == "step 12: batch loss" and marker["y"] == [float(run.loss[12])]
    frame = _frame(boundary, 12)
    z = decode(frame["data"][0]["z"]).reshape(40, 40)
    expected = predictions_on_grid(run, [int(frame["name"])], 40)[0]
    np.testing.assert_allclose(z, expected, rtol=1e-6)
    assert "step 12 of 299" in data["readout"][run.recorded_steps.index(12)]
    # Play shows the steps every chart holds, so each view changes on every tick.
    held = [int(f["name"]) for f in boundary["frames"]]
    assert data["play"] == held == [int(f["name"]) for f in network["frames"]]
    assert "(40 of 76 recorded steps; ▶ Play shows these)" in page_text(at)


@pytest.mark.parametrize("params", OTHER_CONFIGS)
def test_other_configs(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=3)
    assert not page_warnings(at)
    # The caption says Play shows the boundary's frames only when it does.
    frames = [int(f["name"]) for f in plotly_specs(at)[0]["frames"]]
    claims = "▶ Play shows these" in page_text(at)
    assert claims == (_transport_data(at)["play"] == frames)
    if params.get("dataset") == "spiral3":
        boundary = plotly_specs(at)[0]
        assert boundary["layout"]["title"]["text"].startswith("Decision regions")
        assert set(np.unique(decode(boundary["data"][0]["z"]))) <= {0, 1, 2}


def test_large_network_draws_blocks():
    at = run_page(PAGE, {"depth": "20", "width": "30", "steps": "20"})
    assert_ok(at, charts=3)
    network = plotly_specs(at)[2]
    assert network["layout"]["title"]["text"] == "The network: 20 hidden layers"


def test_hostile_link_warns_and_still_draws():
    run_hostile_link(PAGE, charts=3)
