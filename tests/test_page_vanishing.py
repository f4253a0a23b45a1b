"""The Vanishing gradients page through AppTest: real numbers, caching, other and hostile links."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config
from engine.analysis.experiments import VARIANT_LABELS, VARIANTS, compare_variants, depth_sweep
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
from ui import vanishing_runs
from ui.settings import config_from_params
from ui.vanishing_runs import sci

PAGE = "app_pages/vanishing.py"


@pytest.fixture(scope="module")
def default_page():
    vanishing_runs.comparison.clear()
    vanishing_runs.sweep_at_init.clear()
    before = dict(vanishing_runs.CALLS)
    at = run_page(PAGE)
    at.calls_before = before
    return at


def _traces(spec: dict, axis: str = "x") -> list[dict]:
    return [t for t in spec["data"] if t.get("xaxis", "x") == axis]


def test_defaults_draw_profiles_losses_and_sweep(default_page):
    at = default_page
    assert_ok(at, charts=3)
    assert not at.warning and not at.error
    titles = [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    assert titles[0].startswith("Gradient reaching each layer")
    assert titles[1].startswith("Training loss")
    assert titles[2].startswith("First layer's")
    assert [m.label for m in at.metric] == [VARIANT_LABELS[v] for v in VARIANTS]
    assert at.radio(key="vanishing_measure").value == "delta"
    assert "Try this" in page_text(at)


def test_charts_and_text_show_the_engines_numbers(default_page):
    results = compare_variants(Config())
    sweep = depth_sweep(Config())
    profiles, losses, sweep_spec = plotly_specs(default_page)
    for trace, name in zip(_traces(profiles, "x"), VARIANTS, strict=True):
        np.testing.assert_allclose(decode(trace["y"]), results[name].start["delta"])
    for trace, name in zip(_traces(profiles, "x2"), VARIANTS, strict=True):
        np.testing.assert_allclose(decode(trace["y"]), results[name].end["delta"])
    for trace, name in zip(losses["data"], VARIANTS, strict=True):
        np.testing.assert_allclose(decode(trace["y"]), results[name].train_loss)
    for trace, name in zip(sweep_spec["data"], VARIANTS, strict=True):
        np.testing.assert_allclose(decode(trace["y"]), sweep.first_layer["delta"][name])
    tiles = {m.label: m.value for m in default_page.metric}
    for name in VARIANTS:
        assert tiles[VARIANT_LABELS[name]] == sci(results[name].ratio("delta"))
    text = page_text(default_page)
    assert f"**{sci(results['plain'].ratio('delta'))} times** the last hidden layer's" in text
    assert "at most **0.25**" in text


def test_comparison_is_computed_once_per_config(default_page):
    at = default_page
    before = at.calls_before
    assert vanishing_runs.CALLS["comparison"] == before["comparison"] + 1
    assert vanishing_runs.CALLS["sweep"] == before["sweep"] + 1
    at.run()
    at.radio(key="vanishing_measure").set_value("dW").run()
    assert_ok(at, charts=3)
    assert vanishing_runs.CALLS["comparison"] == before["comparison"] + 1
    assert vanishing_runs.CALLS["sweep"] == before["sweep"] + 1
    results = compare_variants(Config())
    profiles = plotly_specs(at)[0]
    assert profiles["layout"]["title"]["text"].endswith("||dL/dW||")
    np.testing.assert_allclose(decode(_traces(profiles)[0]["y"]), results["plain"].start["dW"])
    at.sidebar.slider(key="depth").set_value(3).run()
    assert_ok(at, charts=3)
    assert vanishing_runs.CALLS["comparison"] == before["comparison"] + 2
    # The sweep tries every depth itself: another depth retrains, but does not sweep again.
    assert vanishing_runs.CALLS["sweep"] == before["sweep"] + 1
    sweep_spec = plotly_specs(at)[2]
    np.testing.assert_allclose(
        decode(sweep_spec["data"][0]["y"]),
        depth_sweep(Config(depth=3)).first_layer["dW"]["plain"],
    )
    at.sidebar.slider(key="depth").set_value(2).run()
    assert vanishing_runs.CALLS["comparison"] == before["comparison"] + 2
    at.sidebar.selectbox(key="activation").set_value("sigmoid").run()
    assert vanishing_runs.CALLS["sweep"] == before["sweep"] + 2


@pytest.mark.parametrize("params", OTHER_CONFIGS)
def test_other_configs(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=3)
    assert not page_warnings(at)
    cfg = config_from_params(params)[0]
    profiles = plotly_specs(at)[0]
    assert len(decode(_traces(profiles)[0]["y"])) == cfg.depth + 1
    if params.get("activation") == "sigmoid":
        tiles = {m.label: float(m.value) for m in at.metric}
        assert tiles["plain"] < 1e-3  # the sigmoid network's first layer gets almost nothing
        assert tiles["+ residual"] > 1e-1


def test_one_hidden_layer_says_there_is_no_chain():
    at = run_page(PAGE, {"depth": "1", "steps": "50"})
    assert_ok(at, charts=3)
    assert "there is no chain" in page_text(at)
    assert all(m.value == "1" for m in at.metric)


def test_one_unit_per_layer_blocks_layer_norm():
    at = run_page(PAGE, {"depth": "3", "width": "1", "steps": "50"})
    assert_ok(at, charts=3)
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["+ LayerNorm"] == "n/a"
    assert "LayerNorm outputs β whatever its input" in page_text(at)


def test_hostile_link_warns_and_still_draws():
    run_hostile_link(PAGE, charts=3)
