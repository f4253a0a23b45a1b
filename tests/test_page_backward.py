"""The Backward pass page through AppTest: defaults, other configs, hostile links, real numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.chain_rule import chain_rule_terms
from tests.apptest_utils import (
    HOSTILE_PARAMS,
    assert_ok,
    decode,
    formulas_latex,
    html_blocks,
    html_tables,
    page_text,
    page_warnings,
    plotly_specs,
    run_hostile_link,
    run_page,
)
from ui.settings import config_from_params
from viz.backward import tex_num

PAGE = "app_pages/backward.py"


@pytest.fixture(scope="module")
def default_page():
    return run_page(PAGE)


def _shown_step(at) -> int:
    # The step the page drew, as its chain rule states it.
    return int(re.search(r"\*\* at step (\d+)", page_text(at)).group(1))


def _layer_frames(spec: dict) -> list[str]:
    # The flow figure's own animation, output back to h1 (the others are the steps').
    return [f["name"] for f in spec["frames"] if not f["name"].isdigit()]


def _assert_chain_rule_matches(at, run, layer: str, i: int, j: int) -> None:
    t = chain_rule_terms(run, _shown_step(at), layer, i, j)
    tex = formulas_latex(at)
    assert tex_num(t.dW_terms) in tex
    assert tex_num(t.w) in tex
    if t.w_new is not None:
        assert tex_num(t.w_new) in tex
    assert f"of {layer}** at step {t.step}" in page_text(at)


def test_defaults_draw_the_flow_the_bars_and_the_chain_rule(default_page):
    at = default_page
    assert_ok(at, charts=2)
    assert not page_warnings(at)
    specs = plotly_specs(at)
    assert specs[0]["layout"]["title"]["text"].startswith("Error flowing back, step")
    assert specs[1]["layout"]["title"]["text"].startswith("Size of the error ||δ|| per layer")
    assert _layer_frames(specs[0]) == ["out", "h2", "h1"]
    text = page_text(at)
    assert "**Try this:** Set **Hidden layers** to 8" in text
    assert "Central differences" in text
    # The chain rule is one block whose formulas the browser lays out (MathML, no KaTeX),
    # the gradient check a second one.
    chain, check = html_blocks(at)
    assert chain.count("<math") >= 3 and not at.latex
    assert check.startswith('<div class="bp-table">') and not at.table
    _assert_chain_rule_matches(at, train(Config()), "h1", 0, 0)


def test_figures_are_the_engines_values(default_page):
    at = default_page
    run = train(Config())
    rec = run.record_at(_shown_step(at))
    flow, bars = plotly_specs(at)[:2]
    traces = {t["name"]: t for t in flow["data"]}
    for name in run.layer_names:
        np.testing.assert_array_equal(
            decode(traces[f"{name} dW"]["z"]).reshape(rec.layers[name].dW.shape),
            rec.layers[name].dW,
        )
        np.testing.assert_array_equal(
            decode(traces[f"{name} delta"]["z"]).reshape(rec.layers[name].delta.shape),
            rec.layers[name].delta,
        )
    norms = [np.linalg.norm(rec.layers[n].delta) for n in run.layer_names]
    np.testing.assert_allclose(decode(bars["data"][0]["y"]), norms)


def test_gradient_check_table_agrees(default_page):
    at = default_page
    (table,) = html_tables(at)
    assert list(dict.fromkeys(table["layer"])) == ["h1", "h2", "out"]
    relative = table["relative error"].str.replace("\u2212", "-").astype(float)
    assert (relative < 1e-6).all() and (table["agrees"] == "yes").all()
    assert any("checked entries agree" in str(s.value) for s in at.success)


def test_picking_another_weight_updates_the_numbers(default_page):
    at = default_page
    at.selectbox(key="cr_layer").set_value("out").run()
    at.number_input(key="cr_i").set_value(5).run()
    at.number_input(key="sample").set_value(7).run()
    assert_ok(at, charts=2)
    run = train(Config())
    _assert_chain_rule_matches(at, run, "out", 5, 0)
    t = chain_rule_terms(run, _shown_step(at), "out", 5, 0)
    assert tex_num(t.delta[7]) in formulas_latex(at)
    assert "sample 7 of the batch" in page_text(at)
    # h1 has 2 inputs: the chosen i = 5 does not exist there and falls back to 0.
    at.selectbox(key="cr_layer").set_value("h1").run()
    assert_ok(at, charts=2)
    assert at.number_input(key="cr_i").value == 0
    _assert_chain_rule_matches(at, run, "h1", 0, 0)


def test_log_scale_option_redraws_the_flow(default_page):
    at = default_page
    at.radio(key="bw_scale").set_value("log").run()
    assert_ok(at, charts=2)
    flow = plotly_specs(at)[0]
    assert "coloraxis" in flow["layout"] and "customdata" in flow["data"][0]


@pytest.mark.parametrize(
    ("params", "layer", "extra"),
    [
        ({"depth": "10", "activation": "sigmoid", "steps": "60"}, "h9", None),
        (
            {"depth": "3", "residual": "true", "layer_norm": "true", "steps": "60"},
            "h2",
            "**LayerNorm**",
        ),
        (
            {"dataset": "spiral3", "output": "softmax", "loss": "cross_entropy", "steps": "60"},
            "out",
            "**cross_entropy** loss",
        ),
    ],
)
def test_other_configs(params, layer, extra):
    at = run_page(PAGE, params)
    assert_ok(at, charts=2)
    assert not page_warnings(at)
    run = train(config_from_params(params)[0])
    assert _layer_frames(plotly_specs(at)[0]) == run.layer_names[::-1]
    at.selectbox(key="cr_layer").set_value(layer).run()
    at.number_input(key="cr_j").set_value(1).run()
    assert_ok(at, charts=2)
    _assert_chain_rule_matches(at, run, layer, 0, 1)
    if extra:
        assert extra in page_text(at)
    assert (html_tables(at)[0]["agrees"] == "yes").all()


def test_a_larger_batch_says_what_the_sum_covers():
    params = {"batch_size": "64", "optimizer": "sgd", "lr": "0.1", "steps": "20"}
    at = run_page(PAGE, params)
    assert_ok(at, charts=2)
    text = page_text(at)
    assert "first 32 of the batch's 64 samples" in text
    assert "the 32 recorded samples" in text
    run = train(config_from_params(params)[0])
    t = chain_rule_terms(run, _shown_step(at), "h1", 0, 0)
    assert tex_num(t.dW) in formulas_latex(at) and tex_num(t.dW_terms) in formulas_latex(at)
    assert "SGD steps against the gradient" in text


def test_hostile_link_warns_and_still_draws():
    at = run_hostile_link(PAGE, charts=2, params=HOSTILE_PARAMS)
    specs = plotly_specs(at)
    assert len(_layer_frames(specs[0])) == 12  # 64 layers (clamped): an even selection
    assert formulas_latex(at).count("aligned") >= 2
