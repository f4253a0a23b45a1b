"""Sequence models: gradients against finite differences, the known results, tasks, training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.sequence import KINDS, SequenceModel
from engine.sequence.layers import positional_encoding
from engine.sequence.tasks import BASELINE_LOSS, TASKS, early_positions, make_batch
from engine.sequence.training import (
    LIMITS,
    MAX_WORK,
    SequenceConfig,
    compare_kinds,
    length_sweep,
    max_steps,
    memory_kept,
    record_points,
    step_cost,
    train_sequence,
)


def numerical(model: SequenceModel, X: np.ndarray, Y: np.ndarray, eps: float = 1e-6):
    """dL/d(every parameter) and dL/dX by central differences, one entry at a time."""

    def central(arr: np.ndarray) -> np.ndarray:
        grad = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = model.loss(X, Y)
            arr[idx] = old - eps
            minus = model.loss(X, Y)
            arr[idx] = old
            grad[idx] = (plus - minus) / (2 * eps)
        return grad

    return {k: central(v) for k, v in model.params.items()}, central(X)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("T", "hidden", "n_in", "n_out"), [(1, 3, 1, 1), (4, 5, 2, 2), (7, 2, 3, 1)]
)
def test_every_gradient_matches_central_differences(kind, T, hidden, n_in, n_out):
    rng = np.random.default_rng(T * 10 + hidden)
    model = SequenceModel(kind, n_in, hidden, n_out, seed=T, forget_bias=0.5)
    # Move every parameter off its initial value, so zero biases and gamma = 1 are tested too.
    for v in model.params.values():
        v += rng.normal(0.0, 0.3, v.shape)
    X = rng.normal(size=(3, T, n_in))
    Y = rng.normal(size=(3, n_out))
    trace = model.trace(X, Y)
    assert set(trace.grads) == set(model.params)
    num_params, num_X = numerical(model, X, Y)
    for name, g in num_params.items():
        assert trace.grads[name].shape == model.params[name].shape
        assert relative_error(trace.grads[name], g) < 1e-5, name
    assert relative_error(trace.dX, num_X) < 1e-5
    assert np.linalg.norm(num_X) > 0


def test_loss_is_torchs_mse_and_norms_average_over_the_batch():
    model = SequenceModel("rnn", 1, 4, 2, seed=1)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 6, 1)), rng.normal(size=(5, 2))
    y_hat, _ = model.forward(X)
    loss, _ = model.loss_and_grads(X, Y)
    assert loss == pytest.approx(np.mean((y_hat - Y) ** 2))
    dX = model.trace(X, Y).dX
    expected = np.mean([[np.linalg.norm(dX[b, t]) for t in range(6)] for b in range(5)], axis=0)
    np.testing.assert_allclose(model.input_gradient_norms(X, Y), expected)


def test_forget_bias_sets_only_the_forget_gate_and_float32_works():
    model = SequenceModel("lstm", 1, 3, 1, forget_bias=2.0, dtype=np.float32)
    np.testing.assert_array_equal(model.params["lstm.b"], [0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0])
    X = np.zeros((2, 4, 1))
    loss, grads = model.loss_and_grads(X, np.zeros((2, 1)))
    assert all(g.dtype == np.float32 for g in grads.values())
    assert math.isfinite(loss)


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(ValueError, match="unknown kind"):
        SequenceModel("gru", 1, 4, 1)
    with pytest.raises(ValueError, match="n_hidden"):
        SequenceModel("rnn", 1, 0, 1)
    with pytest.raises(ValueError, match=r"X must have shape \(batch, T, 2\)"):
        SequenceModel("rnn", 2, 4, 1).loss_and_grads(np.zeros((3, 5, 1)), np.zeros((3, 1)))


def test_positional_encoding_is_sin_and_cos():
    pe = positional_encoding(6, 5)
    assert pe.shape == (6, 5)
    np.testing.assert_allclose(pe[:, 0], np.sin(np.arange(6)))
    np.testing.assert_allclose(pe[:, 1], np.cos(np.arange(6)))
    np.testing.assert_allclose(pe[3, 2], np.sin(3 / 10000 ** (2 / 5)))


def test_attention_is_causal():
    model = SequenceModel("attention", 1, 4, 1, seed=0)
    X = np.random.default_rng(0).normal(size=(2, 6, 1))
    trace = model.trace(X, np.zeros((2, 1)))
    A = trace.attention
    np.testing.assert_allclose(A.sum(axis=-1), 1.0)
    assert np.all(A[:, np.triu_indices(6, 1)[0], np.triu_indices(6, 1)[1]] == 0)


# --- the known results at initialisation: T = 50, default settings --------------------------


@pytest.fixture(scope="module")
def ratios_at_init():
    """||dL/dx_0|| / ||dL/dx_49|| of each kind, and the attention profile, on copy_first."""
    X, Y = make_batch("copy_first", 32, 50, np.random.default_rng(0))
    out = {}
    for kind in KINDS:
        g = SequenceModel(kind, 1, 16, 1, seed=0).input_gradient_norms(X, Y)
        out[kind] = (g[0] / g[-1], g)
    return out


def test_tanh_rnn_gradient_vanishes_over_50_steps(ratios_at_init):
    ratio, g = ratios_at_init["rnn"]
    assert ratio < 1e-6  # many orders of magnitude
    assert g[0] / g[25] < 1e-2 and g[25] / g[-1] < 1e-2  # it shrinks all the way back


def test_attention_reaches_every_position_alike(ratios_at_init):
    ratio, g = ratios_at_init["attention"]
    earlier = g[:-1]  # positions the last one reads through attention only
    assert earlier.max() / earlier.min() < 10  # within an order of magnitude of each other
    # x_{T-1} also reaches the read-out through the residual; each earlier position gets its
    # share of the softmax, about 1/T at initialisation: no decay with distance.
    assert ratio > 0.5 / 50
    assert ratio > 1e6 * ratios_at_init["rnn"][0]


def test_lstm_with_forget_bias_1_sits_between(ratios_at_init):
    rnn, lstm, att = (ratios_at_init[k][0] for k in KINDS)
    assert rnn * 1e3 < lstm < att * 10


def test_lstm_forget_bias_controls_the_decay():
    X, Y = make_batch("copy_first", 16, 50, np.random.default_rng(1))
    ratio = {}
    for bias in (-1.0, 1.0, 3.0):
        g = SequenceModel("lstm", 1, 16, 1, forget_bias=bias).input_gradient_norms(X, Y)
        ratio[bias] = g[0] / g[-1]
    assert ratio[-1.0] < ratio[1.0] < ratio[3.0]


# --- tasks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("length", [2, 3, 50, 100])
def test_tasks_have_their_shapes_and_are_seeded(task, length):
    X, Y = make_batch(task, 64, length, np.random.default_rng(3))
    X2, Y2 = make_batch(task, 64, length, np.random.default_rng(3))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    assert Y.shape == (64, 1) and X.shape[:2] == (64, length)
    assert np.all(np.abs(X[:, :, 0]) <= 1)


def test_copy_answer_is_the_first_value_only():
    X, Y = make_batch("copy_first", 100, 30, np.random.default_rng(0))
    np.testing.assert_array_equal(Y[:, 0], X[:, 0, 0])
    assert np.all(early_positions("copy_first", X) == 0)


def test_adding_answer_is_the_sum_of_the_marked_values_one_early():
    X, Y = make_batch("adding", 500, 40, np.random.default_rng(0))
    markers = X[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2)
    assert np.all(markers[:, :20].sum(axis=1) == 1)  # one marker in the first half
    np.testing.assert_allclose(Y[:, 0], (X[:, :, 0] * markers).sum(axis=1))
    first = early_positions("adding", X)
    assert np.all(first < 20)
    # Changing the early marked value changes the answer by exactly that much.
    rows = np.arange(500)
    assert np.all(np.abs(X[rows, first, 0] - Y[:, 0]) <= 1.0 + 1e-12)
    # The answer is uncorrelated with the unmarked values.
    unmarked = np.where(markers[:, 1:2] == 0, X[:, 1:2, 0], np.nan)[:, 0]
    keep = ~np.isnan(unmarked)
    assert abs(np.corrcoef(unmarked[keep], Y[keep, 0])[0, 1]) < 0.15


def test_baseline_is_the_variance_of_the_target():
    for task in TASKS:
        _, Y = make_batch(task, 20000, 10, np.random.default_rng(0))
        assert np.mean(Y**2) == pytest.approx(BASELINE_LOSS[task], rel=0.03)


def test_unknown_task_and_short_sequences_are_refused():
    with pytest.raises(ValueError, match="unknown task"):
        make_batch("sort", 4, 10, np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least 2"):
        make_batch("adding", 4, 1, np.random.default_rng(0))


# --- training -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_runs():
    return compare_kinds(SequenceConfig(task="copy_first", length=5, hidden=8, steps=60, lr=0.02))


@pytest.mark.parametrize("kind", KINDS)
def test_training_reduces_the_loss_on_a_short_sequence(short_runs, kind):
    run = short_runs[kind]
    assert run.diverged_at is None
    assert run.loss[-10:].mean() < 0.5 * run.loss[:10].mean()
    assert run.test_loss_end < 0.5 * run.test_loss_start


def test_runs_record_what_the_page_shows(short_runs):
    rnn, lstm, att = (short_runs[k] for k in KINDS)
    for run in short_runs.values():
        assert run.loss.shape == (60,) and run.grad_x.shape == (60, 5)
        assert run.steps_run == 60
        assert np.all(run.grad_x > 0)
        assert run.ratio() == run.grad_x[0, 0] / run.grad_x[0, -1]
    assert rnn.grad_h.shape == (60, 5) and lstm.grad_h.shape == (60, 5) and att.grad_h is None
    assert lstm.forget.shape == (60, 5) and np.all((lstm.forget > 0) & (lstm.forget < 1))
    assert rnn.forget is None and att.forget is None
    np.testing.assert_allclose(att.attention_last.sum(axis=1), 1.0)
    np.testing.assert_array_equal(att.record_steps, record_points(60))
    assert att.probe_attention.shape == (len(att.record_steps), 5, 5)
    assert lstm.probe_forget.shape == (len(lstm.record_steps), 5, 8)
    assert rnn.probe_attention is None and rnn.probe_forget is None


def test_step_zero_records_the_gradient_of_the_initial_model():
    c = SequenceConfig(task="adding", length=6, hidden=4, steps=3, batch=8, seed=5)
    run = train_sequence("lstm", c)
    model = SequenceModel("lstm", 2, 4, 1, seed=5)
    from engine.sequence.training import _data_streams

    X, Y = make_batch("adding", 8, 6, _data_streams(5)[0])
    np.testing.assert_allclose(run.grad_x[0], model.input_gradient_norms(X, Y))
    assert run.loss[0] == pytest.approx(model.loss(X, Y))


def test_divergence_stops_and_is_recorded(monkeypatch):
    import engine.sequence.training as training

    calls = []

    def huge_from_step_2(task, batch, length, rng, dtype=np.float64):
        # Calls 1 and 2 draw the probe and the test batch; training step k draws call k + 3.
        calls.append(1)
        X, Y = make_batch(task, batch, length, rng, dtype)
        return (X * 1e200 if len(calls) >= 5 else X), Y

    monkeypatch.setattr(training, "make_batch", huge_from_step_2)
    run = train_sequence("attention", SequenceConfig(length=4, hidden=4, steps=20))
    assert run.diverged_at == 2  # the scores overflow, the loss is not finite
    assert not math.isfinite(run.loss[-1]) and np.all(np.isfinite(run.loss[:2]))
    assert run.steps_run == 2 and len(run.loss) == 3 and run.grad_x.shape == (2, 4)
    assert math.isnan(run.test_loss_end)
    assert run.record_steps[0] == 0 and len(run.record_steps) == len(run.probe_attention)


def test_budget_is_enforced_with_clear_errors():
    with pytest.raises(ValueError, match="length = 500 is outside this server's limits"):
        SequenceConfig(length=500)
    with pytest.raises(ValueError, match="hidden = 1000"):
        SequenceConfig(hidden=1000)
    with pytest.raises(ValueError, match="batch = 4096"):
        SequenceConfig(batch=4096)
    with pytest.raises(ValueError, match="over this server's budget: at most 80 steps"):
        SequenceConfig(length=100, hidden=64, steps=500)
    with pytest.raises(ValueError, match="unknown task"):
        SequenceConfig(task="<script>")
    with pytest.raises(ValueError, match="finite"):
        SequenceConfig(lr=float("nan"))
    assert max_steps(20, 16, 32) == LIMITS["steps"][1]
    for length in (2, 50, 100):
        for hidden in (1, 64):
            most = max_steps(length, hidden, 32)
            assert most * step_cost(length, hidden, 32) <= MAX_WORK
            SequenceConfig(length=length, hidden=hidden, steps=most)  # allowed


def test_length_sweep_shows_who_solves_copy_as_T_grows():
    sweep = length_sweep("copy_first", 0.02, lengths=(4, 40))
    assert sweep.lengths == (4, 40)
    assert sweep.solved("attention").all()  # attention reads x_0 directly at any length
    assert not sweep.solved("rnn")[-1]  # 40 tanh steps: the first value is lost
    assert sweep.solved("rnn")[0]


def test_memory_kept_is_the_product_of_later_forget_gates():
    f = np.array([[0.5, 1.0], [0.5, 0.2], [0.1, 0.5]])
    np.testing.assert_allclose(memory_kept(f), [(0.05 + 0.1) / 2, (0.1 + 0.5) / 2, 1.0])
