"""The Overview page through AppTest: defaults, other configs, hostile links, real numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.grid import predictions_on_grid
from tests.apptest_utils import (
    OTHER_CONFIGS,
    assert_ok,
    decode,
    page_warnings,
    plotly_specs,
    run_hostile_link,
    run_page,
)

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


def test_step_from_the_link_drives_every_view():
    at = run_page(PAGE, {"step": "12"})
    assert_ok(at, charts=3)
    boundary, loss, network = plotly_specs(at)
    assert network["layout"]["title"]["text"].startswith("The network at step 12")
    names = [t.get("name") for t in loss["data"]]
    assert "step 12: batch loss" in names
    labels = [s["label"] for s in boundary["layout"]["sliders"][0]["steps"]]
    assert labels[boundary["layout"]["sliders"][0]["active"]] == "12"


@pytest.mark.parametrize("params", OTHER_CONFIGS)
def test_other_configs(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=3)
    assert not page_warnings(at)
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
