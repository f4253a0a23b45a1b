"""Gradient experiments, including the known results on vanishing gradients at initialisation.

Orders of magnitude, not exact values: Glorot & Bengio (2010) for sigmoid/tanh with small or
"standard" weights and for Xavier init, He et al. (2015) for ReLU with He init, He et al.
(2016) for identity shortcuts.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine import Config, train
from engine.analysis import experiments
from engine.analysis.experiments import (
    MEASURES,
    PERCENTILES,
    SWEEP_DEPTHS,
    VARIANTS,
    compare_variants,
    depth_sweep,
    first_last_ratio,
    grad_norms_at_init,
    gradient_flow,
    init_pass,
    layer_gradient_profile,
    mean_slopes,
    per_layer_factor,
    percentile_bands,
    sweep_width,
    variant_configs,
    variant_steps,
)
from engine.core.activations import ACTIVATIONS


def wide(**changes) -> Config:
    """A network wide enough, and a batch large enough, for the statistics to show."""
    return Config(width=64, batch_size=64, steps=1, **changes)


# -- known results ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activation", "init", "std", "depth", "width"),
    [
        ("sigmoid", "standard", 0.1, 16, 64),
        ("sigmoid", "normal", 0.1, 16, 64),
        ("sigmoid", "normal", 0.01, 20, 64),
        ("tanh", "standard", 0.1, 16, 64),
        ("tanh", "normal", 0.01, 16, 64),
        # std 0.1 is "small" only below the Xavier scale sqrt(1/width): 0.18 at width 32.
        ("tanh", "normal", 0.1, 20, 32),
    ],
)
def test_plain_deep_network_vanishes(activation, init, std, depth, width):
    cfg = Config(
        activation=activation, init=init, init_std=std, depth=depth, width=width, batch_size=64
    )
    delta = grad_norms_at_init(cfg)["delta"]
    assert first_last_ratio(delta) < 1e-2, delta
    # The error shrinks layer after layer on the way back, not just overall.
    assert np.all(np.diff(np.log10(delta[:-1])) > 0)


@pytest.mark.parametrize("init", ["standard", "normal"])
def test_sigmoid_weight_gradients_vanish_too(init):
    # Sigmoid outputs stay near 0.5, so the inputs of deep layers do not shrink and
    # ||dL/dW|| = ||h^T delta|| vanishes with the error.
    cfg = wide(activation="sigmoid", init=init, depth=16)
    assert first_last_ratio(grad_norms_at_init(cfg)["dW"]) < 1e-2


def test_tanh_weight_gradients_stay_level_while_errors_vanish():
    # Glorot & Bengio 2010, eq. 14: with small weights the forward signal shrinks as fast
    # as the error does going back, so the weight gradients are about equal across layers.
    norms = grad_norms_at_init(wide(activation="tanh", init="standard", depth=20))
    assert first_last_ratio(norms["delta"]) < 1e-3
    assert 0.1 <= first_last_ratio(norms["dW"]) <= 10


@pytest.mark.parametrize(
    ("activation", "init"),
    [
        ("tanh", "xavier_normal"),
        ("tanh", "xavier_uniform"),
        ("relu", "he_normal"),
        ("relu", "he_uniform"),
    ],
)
@pytest.mark.parametrize("depth", [16, 20])
def test_variance_preserving_init_keeps_errors_level(activation, init, depth):
    delta = grad_norms_at_init(wide(activation=activation, init=init, depth=depth))["delta"]
    hidden = delta[:-1]
    assert hidden.max() / hidden.min() < 10, hidden


@pytest.mark.parametrize(
    ("activation", "init", "std"),
    [("sigmoid", "standard", 0.1), ("sigmoid", "normal", 0.1), ("tanh", "normal", 0.01)],
)
def test_residual_connections_keep_the_first_layer_gradient(activation, init, std):
    cfg = wide(activation=activation, init=init, init_std=std, depth=32)
    plain = first_last_ratio(grad_norms_at_init(cfg)["delta"])
    residual = first_last_ratio(grad_norms_at_init(cfg.replace(residual=True))["delta"])
    assert plain < 1e-6
    assert 0.1 <= residual <= 10


def test_sigmoid_slope_is_at_most_a_quarter():
    run = train(Config(activation="sigmoid", depth=3, steps=1))
    slopes = mean_slopes(run.records[0], "sigmoid")
    assert slopes.shape == (3,)
    assert np.all(slopes <= ACTIVATIONS["sigmoid"].max_slope + 1e-12)
    assert np.all(slopes > 0.1)


# -- consistency with the training engine --------------------------------------------


def test_init_pass_is_training_step_zero():
    cfg = Config(depth=3, width=6, dropout=0.2, steps=3, batch_size=16)
    run = train(cfg)
    norms = grad_norms_at_init(cfg)
    np.testing.assert_allclose(norms["dW"], run.metric("grad_norm")[0], rtol=1e-12)
    np.testing.assert_allclose(norms["delta"], layer_gradient_profile(run, 0, "delta"))
    np.testing.assert_allclose(norms["dW"], layer_gradient_profile(run, 0, "dW"))


def test_init_pass_at_another_depth():
    trace = init_pass(Config(depth=2), depth=5)
    assert len(trace.layers) == 5
    assert np.isfinite(trace.loss)


def test_profile_rejects_unknown_measure():
    run = train(Config(steps=1))
    with pytest.raises(ValueError, match="measure"):
        layer_gradient_profile(run, 0, "bogus")


def test_variant_configs_differ_only_in_residual_and_layer_norm():
    # At the weight budget's edge, Config.replace would shrink the LayerNorm variants' width.
    cfg = Config(depth=64, width=62, steps=5)
    configs = variant_configs(cfg)
    assert list(configs) == list(VARIANTS)
    for name, c in configs.items():
        assert (c.residual, c.layer_norm) == VARIANTS[name]
        assert dataclasses.replace(c, residual=False, layer_norm=False) == cfg


def test_compare_variants_trains_four_ways():
    cfg = Config(depth=3, width=6, steps=12, activation="sigmoid")
    calls: list[list[float]] = []
    results = compare_variants(cfg, on_progress=calls.append)
    assert list(results) == list(VARIANTS)
    # Each variant's fraction rises to 1 in turn, the others at 0 before and 1 after.
    assert calls[-1] == [1.0] * 4
    assert all(0.0 <= f <= 1.0 for c in calls for f in c)
    for k in range(4):
        assert [c[k] for c in calls] == sorted(c[k] for c in calls)
    reference = train(cfg.replace(residual=True))
    r = results["residual"]
    assert r.config == cfg.replace(residual=True)
    assert r.last_step == 11
    assert r.layer_names == ("h1", "h2", "h3", "out")
    np.testing.assert_allclose(r.start["dW"], reference.metric("grad_norm")[0])
    np.testing.assert_allclose(r.end["dW"], reference.metric("grad_norm")[11])
    np.testing.assert_allclose(r.train_loss, reference.train_loss)
    np.testing.assert_array_equal(r.eval_steps, reference.eval_steps)
    assert r.ratio("delta") == pytest.approx(r.start["delta"][0] / r.start["delta"][2])
    assert all(v.diverged_at is None for v in results.values())


def test_comparison_steps_keep_four_runs_about_as_quick_as_one(monkeypatch):
    assert variant_steps(Config()) == 300
    assert variant_steps(Config(depth=20)) == 300
    deep = Config(depth=64, width=1, steps=3000)
    assert variant_steps(deep) == experiments.COMPARE_LAYER_STEPS // 65
    assert variant_steps(Config(width=256, depth=3, batch_size=1024)) < 300
    monkeypatch.setattr(experiments, "COMPARE_LAYER_STEPS", 100)
    results = compare_variants(Config(depth=3, width=4, steps=500))
    for r in results.values():
        assert r.config.steps == 25
        assert r.last_step == 24


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow that ends the run
def test_compare_variants_on_a_diverging_config():
    results = compare_variants(
        Config(dataset="plane", loss="mse", output="identity", optimizer="sgd", lr=100.0, steps=60)
    )
    plain = results["plain"]
    assert plain.diverged_at is not None
    assert plain.last_step == plain.diverged_at


# -- depth sweep ------------------------------------------------------------------------


def test_depth_sweep_matches_init_passes():
    cfg = Config(activation="sigmoid", init="standard", width=16)
    sweep = depth_sweep(cfg, depths=(1, 4, 12))
    np.testing.assert_array_equal(sweep.depths, [1, 4, 12])
    np.testing.assert_array_equal(sweep.widths, [16, 16, 16])
    assert set(sweep.first_layer) == set(MEASURES)
    for name, c in variant_configs(cfg).items():
        for j, depth in enumerate(sweep.depths):
            expected = grad_norms_at_init(c, depth=int(depth))
            for m in MEASURES:
                assert sweep.first_layer[m][name][j] == pytest.approx(expected[m][0], rel=1e-12)
    plain = sweep.first_layer["delta"]["plain"]
    assert plain[0] > plain[1] > plain[2]
    assert plain[2] < 1e-5 * plain[0]
    residual = sweep.first_layer["delta"]["residual"]
    assert residual[2] > 1e-2 * residual[0]


def test_depth_sweep_default_depths_and_weight_budget():
    assert SWEEP_DEPTHS[0] == 1 and SWEEP_DEPTHS[-1] == 64
    assert sweep_width(Config(width=256), 64) < 256
    assert sweep_width(Config(width=256, layer_norm=True), 2) == 256
    sweep = depth_sweep(Config(width=8))
    for measure in MEASURES:
        for values in sweep.first_layer[measure].values():
            assert values.shape == (len(SWEEP_DEPTHS),)
            assert np.all(np.isfinite(values)) and np.all(values > 0)


# -- small helpers ----------------------------------------------------------------------


def test_ratio_and_per_layer_factor():
    profile = np.array([1e-6, 1e-4, 1e-2, 5.0])  # h1, h2, h3, out
    assert first_last_ratio(profile) == pytest.approx(1e-4)
    assert per_layer_factor(profile) == pytest.approx(1e-2)
    assert first_last_ratio(np.array([2.0, 3.0])) == 1.0  # one hidden layer
    assert per_layer_factor(np.array([2.0, 3.0])) == 1.0
    assert np.isnan(per_layer_factor(np.array([0.0, 1.0, 3.0])))


def test_gradient_flow_and_percentile_bands():
    run = train(Config(depth=2, width=5, steps=30))
    rec = run.records[10]
    names, mean_abs, max_abs = gradient_flow(rec)
    assert names == ["h1", "h2", "out"]
    assert mean_abs[1] == pytest.approx(np.abs(rec.layers["h2"].dW).mean())
    assert max_abs[2] == pytest.approx(np.abs(rec.layers["out"].dW).max())
    assert np.all(max_abs >= mean_abs)

    steps, bands = percentile_bands(run, "h2", "dW")
    np.testing.assert_array_equal(steps, run.recorded_steps)
    assert bands.shape == (len(steps), len(PERCENTILES))
    assert np.all(np.diff(bands, axis=1) >= 0)
    i = list(steps).index(10)
    np.testing.assert_allclose(bands[i], np.percentile(np.abs(rec.layers["h2"].dW), PERCENTILES))
    _, w_bands = percentile_bands(run, "h1", "W")
    np.testing.assert_allclose(w_bands[0, 2], np.median(np.abs(run.records[0].layers["h1"].W)))
    with pytest.raises(ValueError):
        percentile_bands(run, "h1", "delta")
