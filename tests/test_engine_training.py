"""Training learns the toy problems, stops at divergence, and is reproducible."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

from engine import LAYER_METRICS, Config, Network, make_dataset, make_optimizer, train

# Configurations that learn each problem in well under a second.
LEARNS = {
    "xor": dict(dataset="xor", depth=2, width=8, activation="tanh", lr=0.03, steps=600),
    "circle": dict(dataset="circle", depth=2, width=8, activation="tanh", lr=0.03, steps=600),
    "spiral": dict(
        dataset="spiral",
        noise=0.05,
        depth=3,
        width=32,
        activation="relu",
        init="he_normal",
        lr=0.01,
        steps=2000,
    ),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", list(LEARNS))
def test_binary_problems_are_learned(name, seed):
    cfg, warnings_ = Config.from_dict({**LEARNS[name], "seed": seed})
    assert warnings_ == [] and cfg.optimizer == "adam" and cfg.loss == "bce"
    run = train(cfg, record=False)
    assert run.diverged_at is None
    assert run.train_acc[-1] >= 0.95
    assert run.train_loss[-1] < 0.5 * run.train_loss[0]
    # The accuracy the run reports is the network's own: recompute it from the final weights.
    d = run.data
    predicted = run.predict(d.X_train)[:, 0] > 0.5
    assert np.mean(predicted == (d.y_train == 1)) == run.train_acc[-1]


def test_three_class_spiral_with_softmax_is_learned():
    cfg = Config(
        dataset="spiral3",
        noise=0.05,
        depth=3,
        width=32,
        activation="relu",
        init="he_normal",
        loss="cross_entropy",
        output="softmax",
        lr=0.01,
        steps=2000,
    )
    run = train(cfg, record=False)
    assert run.data.n_outputs == 3
    assert run.train_acc[-1] >= 0.90
    y_hat = run.predict(run.data.X_train)
    np.testing.assert_allclose(y_hat.sum(axis=1), 1.0)
    assert np.mean(y_hat.argmax(axis=1) == run.data.y_train) == run.train_acc[-1]


def test_regression_fits_the_plane():
    cfg = Config(dataset="plane", loss="mse", output="identity", lr=0.01, steps=500)
    run = train(cfg, record=False)
    assert np.all(np.isnan(run.train_acc))
    assert run.train_loss[-1] < 0.02  # noise 0.1 alone gives 0.01
    assert run.test_loss[-1] < 0.03


# Regression with plain SGD at a learning rate of 100 overflows. The batch is the whole
# training set, so the run can be repeated independently of the engine's sampling order.
DIVERGES = Config(
    dataset="plane",
    loss="mse",
    output="identity",
    optimizer="sgd",
    lr=100.0,
    batch_size=256,
    steps=300,
)


@pytest.fixture(scope="module")
def diverged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a diverging run is expected, not a RuntimeWarning
        return train(DIVERGES)


def manual_losses(cfg: Config) -> list[float]:
    """The batch losses of the same training, written as a plain loop up to the first non-finite."""
    d = make_dataset(cfg.dataset, cfg.samples, cfg.noise, cfg.train_share, cfg.seed)
    assert cfg.batch_size >= len(d.X_train)
    net = Network(cfg.sizes(), cfg.activation, cfg.output, init=cfg.init, seed=cfg.seed)
    opt = make_optimizer(cfg.optimizer, lr=cfg.lr)
    losses = []
    with np.errstate(all="ignore"):
        for _ in range(cfg.steps):
            loss, grads = net.loss_and_grads(d.X_train, d.y_train, cfg.loss)
            losses.append(loss)
            if not math.isfinite(loss):
                break
            opt.step(net.params, grads)
    return losses


def test_divergence_is_reported_at_the_first_non_finite_loss(diverged):
    k = diverged.diverged_at
    assert diverged.diverged
    assert 0 < k < DIVERGES.steps - 1
    manual = manual_losses(DIVERGES)
    assert not math.isfinite(manual[-1])
    assert k == len(manual) - 1
    assert diverged.steps_run == k + 1 and len(diverged.loss) == k + 1
    assert np.all(np.isfinite(diverged.loss[:k])) and not np.isfinite(diverged.loss[k])
    assert int(np.flatnonzero(~np.isfinite(diverged.loss))[0]) == k
    # Same numbers as the plain loop, up to the order of summation over the shuffled batch.
    np.testing.assert_allclose(diverged.loss[:k], manual[:k], rtol=1e-9)
    assert diverged.loss[k - 1] > 1e100  # it really blew up, it did not just stop


def test_everything_before_divergence_is_finite_and_usable(diverged):
    k = diverged.diverged_at
    scalars = diverged.layer_scalars[:k]
    for metric in ("grad_norm", "weight_norm", "update_ratio"):
        assert np.all(np.isfinite(diverged.metric(metric)[:k])), metric
    for metric in ("act_mean", "act_std"):  # defined for hidden layers
        assert np.all(np.isfinite(diverged.metric(metric)[:k, :-1])), metric
    assert scalars.shape == (k, len(diverged.layer_names), len(LAYER_METRICS))
    # Evaluation follows each step's update: with the whole training set as the batch, the
    # evaluation after step s is the batch loss of step s + 1, so the one after k - 1 is the
    # first to see the overflow.
    before = diverged.eval_steps < k - 1
    assert np.all(np.isfinite(diverged.train_loss[before]))
    np.testing.assert_allclose(
        diverged.train_loss[before], diverged.loss[diverged.eval_steps[before] + 1], rtol=1e-9
    )
    assert diverged.eval_steps[-1] == k - 1 and not np.isfinite(diverged.train_loss[-1])
    # The stride was planned for all 300 steps; the broken step k is recorded as well.
    assert diverged.recorded_steps == [*range(0, k, diverged.stride), k]
    for step in diverged.recorded_steps[:-1]:
        rec = diverged.records[step]
        assert math.isfinite(rec.loss)
        assert np.all(np.isfinite(rec.params.flat)) and np.all(np.isfinite(rec.grads.flat))
        assert np.all(np.isfinite(diverged.predict(diverged.data.X_test, step=step)))
    last = diverged.records[k]
    assert not math.isfinite(last.loss)
    np.testing.assert_array_equal(last.update, 0)  # nothing was applied at the broken step
    # Step k was off the stride, so it ran lean; its record still has the whole trace.
    assert k % diverged.stride != 0
    h1 = last.layers["h1"]
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(h1.z, last.x @ last.params["h1.W"] + last.params["h1.b"])
    assert all(last.layers[n].delta is not None for n in diverged.layer_names)
    frame = diverged.scalars_frame()
    assert frame["step"].max() == k
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        diverged.predict(diverged.data.X_test, step=k)  # inf or NaN, but no warning


def test_a_moderate_learning_rate_does_not_diverge():
    run = train(DIVERGES.replace(lr=0.1), record=False)
    assert run.diverged_at is None and run.steps_run == DIVERGES.steps


def test_same_config_same_run():
    cfg = Config(dropout=0.2, steps=50, batch_size=16)
    a, b = train(cfg), train(cfg)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.final_params.flat, b.final_params.flat)
    c = train(cfg.replace(seed=1))
    assert not np.array_equal(a.loss, c.loss)


def test_progress_reports_reach_the_end():
    calls = []
    train(Config(steps=250), on_progress=lambda done, total, loss: calls.append((done, total)))
    assert calls[-1] == (250, 250)
    assert all(total == 250 for _, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert 50 <= len(calls) <= 200  # about 100 reports, not one per step


def test_given_data_and_initial_params_are_used():
    cfg = Config(steps=5)
    data = make_dataset("xor", 100, 0.0, 0.5, seed=9)
    first = train(cfg, data=data)
    assert first.data is data
    again = train(cfg, data=data, initial_params=first.final_params)
    np.testing.assert_array_equal(again.records[0].params.flat, first.final_params.flat)


def test_float32_training_stays_float32():
    run = train(Config(steps=20), dtype=np.float32)
    rec = run.records[0]
    assert rec.params.flat.dtype == np.float32 and rec.layers["h1"].a.dtype == np.float32
    assert np.all(np.isfinite(run.loss))


def test_eval_steps_cover_first_and_last_step():
    run = train(Config(steps=1200), record=False)
    assert run.eval_steps[0] == 0 and run.eval_steps[-1] == 1199
    assert len(run.eval_steps) <= 501
    assert len(run.train_loss) == len(run.test_loss) == len(run.eval_steps)


EVALUATED = [
    dict(activation="tanh"),
    dict(activation="relu", residual=True, layer_norm=True, dropout=0.3),
    dict(activation="sigmoid", loss="mse", output="identity", depth=3),
    dict(dataset="spiral3", activation="leaky_relu", loss="cross_entropy", output="softmax"),
    dict(dataset="spiral3", loss="cosine", output="sigmoid", residual=True),
    dict(dataset="plane", loss="mse", output="identity", layer_norm=True),
]


@pytest.mark.parametrize("overrides", EVALUATED)
def test_every_evaluation_is_net_evaluate_on_each_set(overrides):
    # The loop evaluates both sets in one stacked forward pass; each number must be what
    # Network.evaluate gives on that set with the weights after the step's update, which
    # are the weights recorded before the next step. Swapping the sets, slicing the wrong
    # rows or evaluating with dropout masks all fail here.
    cfg, warned = Config.from_dict({"steps": 12, **overrides})
    assert warned == []
    run = train(cfg)
    d = run.data
    for k, step in enumerate(run.eval_steps):
        params = run.records[step + 1].params if step + 1 < run.steps_run else run.final_params
        net = run.network(params)
        train_loss, train_acc = net.evaluate(d.X_train, d.y_train, cfg.loss)
        test_loss, test_acc = net.evaluate(d.X_test, d.y_test, cfg.loss)
        got = (run.train_loss[k], run.test_loss[k], run.train_acc[k], run.test_acc[k])
        expected = (train_loss, test_loss, train_acc, test_acc)
        if d.task == "regression":
            expected = (train_loss, test_loss, np.nan, np.nan)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_an_empty_test_set_evaluates_to_nan():
    data = make_dataset("circle", 100, 0.1, 0.5, seed=3)
    empty = dataclasses.replace(data, X_test=data.X_test[:0], y_test=data.y_test[:0])
    run = train(Config(steps=4), data=empty)
    assert np.all(np.isnan(run.test_loss)) and np.all(np.isnan(run.test_acc))
    assert np.all(np.isfinite(run.train_loss)) and np.all(np.isfinite(run.train_acc))
