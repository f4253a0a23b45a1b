"""The chain-rule terms rebuilt from a step's records multiply out to the engine's gradients."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine import train
from engine.analysis.chain_rule import (
    CHECK_TOL,
    chain_rule_terms,
    delta_norms,
    gradient_check,
    layer_input,
    output_grads,
)
from engine.core.activations import ACTIVATIONS
from ui.settings import config_from_params

SMALL = {"steps": "12", "width": "5", "samples": "120"}
CONFIGS = {
    "plain": {"depth": "3"},
    "residual": {"depth": "4", "residual": "true"},
    "layer_norm": {"depth": "3", "layer_norm": "true"},
    "dropout": {"depth": "3", "dropout": "0.3"},
    "all": {"depth": "3", "residual": "true", "layer_norm": "true", "dropout": "0.2"},
    "spiral3": {"dataset": "spiral3", "loss": "cross_entropy", "output": "softmax"},
    "mse_sigmoid": {"loss": "mse", "output": "sigmoid", "activation": "sigmoid"},
    "regression": {"dataset": "sine", "loss": "mse", "activation": "relu"},
    "cosine": {"dataset": "spiral3", "loss": "cosine", "output": "softmax", "activation": "gelu"},
}


def _run(params: dict[str, str]):
    cfg, warnings = config_from_params({**SMALL, "batch_size": "16", **params})
    assert not warnings
    return train(cfg)


@pytest.fixture(scope="module", params=list(CONFIGS))
def run(request):
    return _run(CONFIGS[request.param])


def test_terms_sum_to_the_recorded_gradient_for_every_weight(run):
    step = run.recorded_steps[-1]
    rec = run.records[step]
    for layer in run.layer_names:
        W = rec.layers[layer].W
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                t = chain_rule_terms(run, step, layer, i, j)
                assert t.exact and t.rows == 16
                np.testing.assert_allclose(t.delta, rec.layers[layer].delta[:, j], rtol=1e-9)
                np.testing.assert_allclose(t.products.sum(), t.dW_terms)
                np.testing.assert_allclose(t.dW_terms, rec.layers[layer].dW[i, j], rtol=1e-9)
                assert t.dW == rec.layers[layer].dW[i, j]
                assert t.w == rec.layers[layer].W[i, j]


def test_hidden_terms_follow_the_chain_rule(run):
    step = run.recorded_steps[0]
    rec = run.records[step]
    for layer in run.layer_names[:-1]:
        t = chain_rule_terms(run, step, layer, 0, 1)
        incoming = t.back_sum + (t.identity if t.identity is not None else 0.0)
        if t.mask is not None:
            incoming = incoming * t.mask
        np.testing.assert_allclose(t.d_a, incoming)
        np.testing.assert_allclose(t.plain_delta, t.fprime * t.d_a)
        if t.ln_term is None:
            np.testing.assert_array_equal(t.delta, t.plain_delta)
        else:
            np.testing.assert_allclose(t.plain_delta + t.ln_term, t.delta)
            np.testing.assert_allclose(t.zn, rec.layers[layer].zn[:, 1])
        nxt = rec.layers[t.next_layer]
        np.testing.assert_allclose(t.back_sum, nxt.delta @ nxt.W[1])


def test_output_delta_matches_the_loss_formula(run):
    step = run.recorded_steps[-1]
    t = chain_rule_terms(run, step, "out", 1, 0)
    assert t.fprime is None and t.back_sum is None and t.next_layer is None
    np.testing.assert_array_equal(t.y_hat, run.records[step].layers["out"].a[:, 0])
    if run.config.loss == "cosine":
        assert t.loss_delta is None
    else:
        np.testing.assert_allclose(t.loss_delta, t.delta, rtol=1e-12)


def test_residual_identity_term_is_the_next_layers_output_gradient():
    run = _run(CONFIGS["residual"])
    rec = run.records[0]
    grads = output_grads(rec, run.layer_names)
    # h1 maps 2 inputs to 5 units, so it has no identity path; h2..h4 do.
    assert rec.layers["h1"].h_out is None and rec.layers["h2"].h_out is not None
    t = chain_rule_terms(run, 0, "h2", 3, 2)
    np.testing.assert_array_equal(t.identity, grads["h3"][:, 2])
    assert chain_rule_terms(run, 0, "h4", 0, 0).identity is None  # out is never residual
    assert chain_rule_terms(run, 0, "h1", 0, 0).identity is not None
    a, source = layer_input(rec, run.layer_names, "h3")
    assert source == "h2"
    np.testing.assert_array_equal(a, rec.layers["h2"].h_out)


def test_dropout_input_is_the_masked_activation():
    run = _run(CONFIGS["dropout"])
    rec = run.records[0]
    a, _ = layer_input(rec, run.layer_names, "h2")
    np.testing.assert_array_equal(a, rec.layers["h1"].a * rec.layers["h1"].mask)
    t = chain_rule_terms(run, 0, "h2", 0, 0)
    np.testing.assert_array_equal(t.mask, rec.layers["h2"].mask[:, 0])
    assert set(np.unique(t.mask)) <= {0.0, 1 / 0.7}


@pytest.mark.parametrize("weight_decay", ["0.0", "0.01"])
def test_sgd_update_is_lr_times_the_gradient(weight_decay):
    run = _run({"optimizer": "sgd", "lr": "0.1", "weight_decay": weight_decay})
    t = chain_rule_terms(run, 5, "h2", 3, 4)
    lr, wd = 0.1, float(weight_decay)
    assert t.sgd_update == pytest.approx(lr * (t.dW + wd * t.w), rel=1e-12)
    assert t.update == pytest.approx(t.sgd_update, rel=1e-12)
    assert t.w_new == pytest.approx(run.records[6].layers["h2"].W[3, 4], rel=1e-12)


def test_other_optimizers_report_the_applied_update():
    run = _run({"optimizer": "rmsprop", "lr": "0.01"})
    t = chain_rule_terms(run, 3, "out", 2, 0)
    assert t.sgd_update is None
    assert t.update == run.records[3].layers["out"].update_W[2, 0]
    assert t.w_new == pytest.approx(run.records[4].layers["out"].W[2, 0], rel=1e-12)


def test_a_larger_batch_sums_only_the_recorded_rows():
    run = _run({"batch_size": "64"})
    t = chain_rule_terms(run, 0, "h1", 1, 2)
    assert not t.exact and t.rows == 32 and t.batch == 64
    rec = run.records[0]
    np.testing.assert_allclose(t.delta, rec.layers["h1"].delta[:, 2], rtol=1e-9)
    np.testing.assert_allclose(t.dW_terms, (rec.x[:, 1] * rec.layers["h1"].delta[:, 2]).sum())
    assert t.dW == rec.layers["h1"].dW[1, 2]
    assert abs(t.dW_terms - t.dW) > 1e-6 * abs(t.dW)  # the other 32 samples are missing


def test_bad_layer_or_index_is_refused():
    run = _run(CONFIGS["plain"])
    with pytest.raises(ValueError, match="unknown layer"):
        chain_rule_terms(run, 0, "h9", 0, 0)
    with pytest.raises(ValueError, match="no entry"):
        chain_rule_terms(run, 0, "h1", 2, 0)


def test_frame_has_one_row_per_sample_with_the_products():
    run = _run(CONFIGS["all"])
    t = chain_rule_terms(run, 0, "h2", 1, 1)
    frame = t.frame()
    assert len(frame) == t.rows
    assert {"identity dL/dh'_j", "mask_j", "LayerNorm term"} <= set(frame.columns)
    np.testing.assert_array_equal(frame["a_i * delta_j"], t.products)


@pytest.mark.parametrize("name", ["plain", "residual", "layer_norm", "dropout", "all", "spiral3"])
def test_gradient_check_agrees(name):
    run = _run(CONFIGS[name])
    step = run.recorded_steps[-1]
    table = gradient_check(run, step)
    layers = run.layer_names
    assert list(dict.fromkeys(table["layer"])) == layers
    assert (table["rel_error"] < CHECK_TOL).all(), table
    assert table["agrees"].all()
    # The batch is fully recorded, so backprop on it reproduces the engine's gradients,
    # and the first entry checked of each weight matrix is its largest.
    grads = run.records[step].grads
    for _, row in table.iterrows():
        idx = tuple(int(v) for v in row["entry"].strip("[]").split(","))
        assert row["analytic"] == pytest.approx(grads[row["parameter"]][idx], rel=1e-10)
    firsts = table.drop_duplicates("parameter")
    for _, row in firsts[firsts["parameter"].str.endswith(".W")].iterrows():
        assert abs(row["analytic"]) == pytest.approx(np.abs(grads[row["parameter"]]).max())


def test_gradient_check_flags_a_wrong_backward_pass(monkeypatch):
    run = _run(CONFIGS["plain"])
    tanh = ACTIVATIONS["tanh"]
    # A derivative off by 10 %: backprop's gradients are wrong, central differences are not.
    monkeypatch.setitem(ACTIVATIONS, "tanh", replace(tanh, df=lambda z, a: 1.1 * tanh.df(z, a)))
    table = gradient_check(run, 0)
    hidden = table[table["layer"] != "out"]
    assert (hidden["rel_error"] > 1e-3).all()
    assert not hidden["agrees"].any()


def test_gradient_check_covers_every_layer_of_the_largest_network():
    cfg, _ = config_from_params({"depth": "64", "width": "256", "steps": "2"})
    run = train(cfg)
    table = gradient_check(run, 1)
    assert len(table) == 65 * 3  # W twice and b once per layer
    assert table["agrees"].all()


def test_delta_norms():
    run = _run(CONFIGS["plain"])
    rec = run.records[0]
    norms = delta_norms(rec, run.layer_names)
    expected = [np.sqrt((rec.layers[n].delta ** 2).sum()) for n in run.layer_names]
    np.testing.assert_allclose(norms, expected)
