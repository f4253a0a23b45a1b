"""Loss values worked by hand, at moderate logits where every term of the formula matters."""

from __future__ import annotations

import numpy as np
import pytest

from engine.core.losses import apply_output, loss_and_dlogits

# Worked by hand. Sample 1: logits (1, 2, 3), class 2; log-sum-exp = 3 + ln(1 + e^-1 + e^-2),
# so its cross-entropy is ln(1.50321472) = 0.40760596. Sample 2: logits (0, 0, 0), class 0:
# ln 3 = 1.09861229. The batch mean is 0.75310913.
CE_LOGITS = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
CE_TARGETS = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
CE_VALUE = 0.7531091266
SOFTMAX_1 = [0.0900305732, 0.2447284711, 0.6652409558]  # e^(z - 3) / 1.50321472


def test_cross_entropy_by_hand():
    y_hat = apply_output("softmax", CE_LOGITS)
    np.testing.assert_allclose(y_hat[0], SOFTMAX_1, rtol=1e-9)
    value, d = loss_and_dlogits("cross_entropy", "softmax", CE_LOGITS, y_hat, CE_TARGETS)
    assert value == pytest.approx(CE_VALUE, rel=1e-9)
    # dL/dz = (softmax - one-hot) / N, N = 2 samples.
    np.testing.assert_allclose(d[0], (np.array(SOFTMAX_1) - [0, 0, 1]) / 2, rtol=1e-9)
    np.testing.assert_allclose(d[1], (np.full(3, 1 / 3) - [1, 0, 0]) / 2, rtol=1e-9)


# Binary cross-entropy at z = (-2, 0.5, 3) with targets (1, 0, 1), one output each:
# ln(1 + e^2) = 2.12692801, ln(1 + e^0.5) = 0.97407698, ln(1 + e^-3) = 0.04858735.
BCE_LOGITS = np.array([[-2.0], [0.5], [3.0]])
BCE_TARGETS = np.array([[1.0], [0.0], [1.0]])
BCE_VALUE = (2.1269280110 + 0.9740769842 + 0.0485873516) / 3


def test_binary_cross_entropy_by_hand():
    y_hat = apply_output("sigmoid", BCE_LOGITS)
    value, d = loss_and_dlogits("bce", "sigmoid", BCE_LOGITS, y_hat, BCE_TARGETS)
    assert value == pytest.approx(BCE_VALUE, rel=1e-9)
    sig = 1 / (1 + np.exp(-BCE_LOGITS))
    np.testing.assert_allclose(d, (sig - BCE_TARGETS) / 3, rtol=1e-12)


def test_mse_is_the_mean_over_samples_and_outputs():
    y_hat = np.array([[1.0, 2.0], [3.0, 5.0]])
    Y = np.array([[0.0, 2.0], [3.0, 3.0]])
    value, d = loss_and_dlogits("mse", "identity", y_hat, y_hat, Y)
    assert value == pytest.approx((1 + 0 + 0 + 4) / 4)
    np.testing.assert_allclose(d, 2 * (y_hat - Y) / 4)
