"""Activations and losses: derivatives, and no overflow for large inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from engine import ACTIVATIONS, LOSSES
from engine.core.losses import (
    VALID_OUTPUTS,
    apply_output,
    check_pair,
    loss_and_dlogits,
    loss_value,
    softmax,
)

# Points away from 0, where ReLU, leaky ReLU and ELU have their kink.
Z = np.concatenate([np.linspace(-6, -0.05, 40), np.linspace(0.05, 6, 40)])
BIG = np.array([-1e3, -500.0, -50.0, -1.0, 0.0, 1.0, 50.0, 500.0, 1e3])
# Overflow, 0/0 and division by zero raise; underflow to 0 (exp(-2000) in softmax) is the
# correct answer, and NumPy's default ignores it too.
STRICT = {"over": "raise", "invalid": "raise", "divide": "raise", "under": "ignore"}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_matches_finite_differences(name):
    act = ACTIVATIONS[name]
    eps = 1e-6
    numeric = (act.f(Z + eps) - act.f(Z - eps)) / (2 * eps)
    np.testing.assert_allclose(act.df(Z, act.f(Z)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_max_slope_bounds_the_derivative(name):
    act = ACTIVATIONS[name]
    z = np.linspace(-10, 10, 20001)
    slope = np.abs(act.df(z, act.f(z)))
    assert slope.max() <= act.max_slope + 1e-9
    assert slope.max() >= act.max_slope - 0.01  # and is attained (nearly)


def test_reference_values():
    f = {n: a.f for n, a in ACTIVATIONS.items()}
    assert f["sigmoid"](np.array(0.0)) == 0.5
    assert f["sigmoid"](np.array(2.0)) == pytest.approx(1 / (1 + math.exp(-2)), rel=1e-15)
    assert f["relu"](np.array(-2.0)) == 0 and f["relu"](np.array(3.0)) == 3
    assert f["leaky_relu"](np.array(-2.0)) == pytest.approx(-0.02)
    assert f["elu"](np.array(-1.0)) == pytest.approx(math.exp(-1) - 1)
    assert f["softsign"](np.array(3.0)) == 0.75
    # GELU, tanh approximation, at 1: 0.5 (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.8411920.
    assert f["gelu"](np.array(1.0)) == pytest.approx(0.8411920, abs=1e-7)
    assert f["linear"](np.array(-7.5)) == -7.5


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu"])
def test_derivative_at_the_kink_is_the_left_one(name):
    act = ACTIVATIONS[name]
    zero = np.zeros(1)
    expected = {"relu": 0.0, "leaky_relu": 0.01, "elu": 1.0}[name]
    assert act.df(zero, act.f(zero))[0] == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_no_overflow_for_large_inputs(name, dtype):
    act = ACTIVATIONS[name]
    z = BIG.astype(dtype)
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        a = act.f(z)
        d = act.df(z, a)
    assert a.dtype == dtype and d.dtype == dtype  # float32 stays float32
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    # Every activation but GELU is non-decreasing; GELU dips (slope about -0.13 at most).
    assert np.all(d >= (-0.13 if name == "gelu" else 0))


def test_saturating_limits():
    s, t = ACTIVATIONS["sigmoid"], ACTIVATIONS["tanh"]
    assert s.f(np.array(1e3)) == 1.0 and s.f(np.array(-1e3)) == 0.0
    assert t.f(np.array(-1e3)) == -1.0
    assert ACTIVATIONS["elu"].f(np.array(-1e3)) == -1.0
    assert ACTIVATIONS["gelu"].f(np.array(-1e3)) == 0.0


def test_outputs():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    s = softmax(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0)
    np.testing.assert_allclose(s[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_array_equal(s[1], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(apply_output("identity", z), z)
    with pytest.raises(ValueError, match="unknown output"):
        apply_output("relu", z)


def pairs():
    return [(loss, out) for loss in LOSSES for out in VALID_OUTPUTS[loss]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("loss", "output"), pairs())
def test_losses_are_finite_for_huge_logits(loss, output, dtype):
    logits = np.array([[1e3, -1e3, 0.0], [-1e3, 1e3, 1e3], [0.0, 0.0, 0.0]], dtype=dtype)
    Y = np.eye(3, dtype=dtype)  # the first two rows are confidently wrong
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error")
        y_hat = apply_output(output, logits)
        value, d = loss_and_dlogits(loss, output, logits, y_hat, Y)
    assert math.isfinite(value) and np.all(np.isfinite(d))
    assert d.dtype == dtype


def test_bce_and_cross_entropy_values_for_huge_logits():
    # Confidently wrong by a logit of 1000: the loss is 1000, not inf.
    z = np.array([[-1e3]])
    assert loss_value("bce", "sigmoid", z, np.array([[1.0]])) == pytest.approx(1e3)
    assert loss_value("bce", "sigmoid", -z, np.array([[1.0]])) == pytest.approx(0.0, abs=1e-300)
    logits = np.array([[1e3, 0.0, -1e3]])
    ce = loss_value("cross_entropy", "softmax", logits, np.array([[0.0, 0.0, 1.0]]))
    assert ce == pytest.approx(2e3)


def test_loss_values_by_hand():
    y_hat = np.array([[0.2, 0.8]])
    Y = np.array([[0.0, 1.0]])
    # MSE averages over outputs too: ((0.2)^2 + (0.2)^2) / 2 = 0.04.
    assert loss_value("mse", "identity", y_hat, Y) == pytest.approx(0.04)
    # BCE from logits log(0.25) and log(4) (sigmoid 0.2 and 0.8): -log(0.8) on each unit.
    logits = np.log(np.array([[0.25, 4.0]]))
    assert loss_value("bce", "sigmoid", logits, Y) == pytest.approx(-math.log(0.8))
    # Cosine: 1 - (0.8) / (|(0.2, 0.8)| * 1).
    assert loss_value("cosine", "identity", y_hat, Y) == pytest.approx(
        1 - 0.8 / math.hypot(0.2, 0.8)
    )


@pytest.mark.parametrize(("loss", "output"), [("bce", "softmax"), ("cross_entropy", "sigmoid")])
def test_mismatched_pairs_are_refused(loss, output):
    with pytest.raises(ValueError, match="needs output"):
        check_pair(loss, output)
    with pytest.raises(ValueError, match="unknown loss"):
        check_pair("hinge", "identity")
