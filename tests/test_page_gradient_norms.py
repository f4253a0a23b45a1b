"""The Gradient norms page through AppTest: defaults, other configs, hostile links, real numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.experiments import percentile_bands
from tests.apptest_utils import (
    OTHER_CONFIGS,
    assert_ok,
    decode,
    page_text,
    page_warnings,
    plotly_specs,
    run_hostile_link,
    run_page,
)
from ui.settings import config_from_params

PAGE = "app_pages/gradient_norms.py"
TITLES = (
    "Gradient norm ||dL/dW|| per layer and step",
    "Gradient norm per layer over training",
    "Gradient flow at step",
    "Update ratio",
    "|W| of layer",
    "|dL/dW| of layer",
)


def _titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]


@pytest.fixture(scope="module")
def default_page():
    at = run_page(PAGE)
    at.select_slider(key="step").set_value(100).run()
    return at


def test_defaults_draw_every_chart(default_page):
    at = default_page
    assert_ok(at, charts=6)
    assert not page_warnings(at)
    for title, expected in zip(_titles(at), TITLES, strict=True):
        assert title.startswith(expected), title
    assert at.selectbox(key="gn_layer").value == "h1"
    assert len(at.get("download_button")) == 2
    assert "Try this" in page_text(at)


def test_charts_show_the_engines_numbers(default_page):
    run = train(Config())
    heat, lines, flow, update, w_bands, dw_bands = plotly_specs(default_page)
    z = decode(heat["data"][0]["z"]).reshape(3, -1)
    np.testing.assert_allclose(z, np.log10(run.metric("grad_norm").T))
    np.testing.assert_allclose(decode(lines["data"][1]["y"]), run.metric("grad_norm")[:, 1])
    np.testing.assert_allclose(decode(update["data"][2]["y"]), run.metric("update_ratio")[:, 2])
    record = run.record_at(100)
    # The chosen step is shown through the flow chart's frame of that name.
    frame = next(f for f in flow["frames"] if f["name"] == "100")
    assert frame["layout"]["title"]["text"] == "Gradient flow at step 100: |dL/dW| per layer"
    names = [t["name"] for t in flow["data"]]
    means = decode(frame["data"][names.index("mean |dL/dW|")]["y"])
    np.testing.assert_allclose(means, [np.abs(record.layers[n].dW).mean() for n in run.layer_names])
    steps, bands = percentile_bands(run, "h1", "dW")
    np.testing.assert_allclose(decode(dw_bands["data"][-1]["y"]), bands[:, 2])
    text = page_text(default_page)
    norms = run.metric("grad_norm")[record.step]
    assert f"||dL/dW|| is {float(f'{norms[0]:.2g}'):g} in the first layer (h1)" in text


def test_choosing_a_layer_redraws_the_distributions(default_page):
    at = default_page
    at.selectbox(key="gn_layer").set_value("out").run()
    assert_ok(at, charts=6)
    run = train(Config())
    _, bands = percentile_bands(run, "out", "W")
    w_bands = plotly_specs(at)[4]
    assert w_bands["layout"]["title"]["text"] == "|W| of layer out over training"
    np.testing.assert_allclose(decode(w_bands["data"][-1]["y"]), bands[:, 2])


@pytest.mark.parametrize("params", OTHER_CONFIGS)
def test_other_configs(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=6)
    assert not page_warnings(at)
    heat = plotly_specs(at)[0]
    cfg = config_from_params(params)[0]
    assert len(heat["data"][0]["y"]) == cfg.depth + 1
    if params.get("activation") == "sigmoid":
        # The sigmoid network's first layer gets far less gradient than its last.
        z = decode(heat["data"][0]["z"]).reshape(cfg.depth + 1, -1)
        assert z[0, 0] < z[cfg.depth - 1, 0] - 2


def test_hostile_link_warns_and_still_draws():
    run_hostile_link(PAGE, charts=6)


def test_diverged_run_still_draws():
    params = {"dataset": "plane", "optimizer": "sgd", "lr": "100.0", "steps": "60"}
    at = run_page(PAGE, params)
    assert_ok(at, charts=6)
    assert any("diverged" in e.value for e in at.error)
