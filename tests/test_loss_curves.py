"""Loss curves and per-sample losses against closed forms and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.loss_curves import (
    CURVE_OUTPUTS,
    loss_curve,
    loss_curves,
    per_sample_loss,
    z_grid,
)
from engine.core.losses import loss_value

Z = z_grid(-8.0, 8.0, 161)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def test_mse_matches_closed_form() -> None:
    c = loss_curve("mse", Z)
    p = sigmoid(Z)
    np.testing.assert_allclose(c.y_hat, p, rtol=1e-12)
    np.testing.assert_allclose(c.value, (p - 1.0) ** 2, rtol=1e-12)
    np.testing.assert_allclose(c.dz, 2.0 * (p - 1.0) * p * (1.0 - p), rtol=1e-10, atol=1e-15)


def test_bce_matches_closed_form() -> None:
    c = loss_curve("bce", Z)
    p = sigmoid(Z)
    np.testing.assert_allclose(c.value, np.log1p(np.exp(-Z)), rtol=1e-12)
    np.testing.assert_allclose(c.dz, p - 1.0, rtol=1e-10, atol=1e-15)


def test_cosine_matches_closed_form() -> None:
    # Two units (1 - p, p) against (0, 1): cos = p / r with r = sqrt(p^2 + (1 - p)^2),
    # dcos/dp = (1 - p) / r^3 and dp/dz = p (1 - p).
    c = loss_curve("cosine", Z)
    p = sigmoid(Z)
    r = np.sqrt(p**2 + (1.0 - p) ** 2)
    np.testing.assert_allclose(c.value, 1.0 - p / r, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(c.dz, -(1.0 - p) / r**3 * p * (1.0 - p), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("loss", list(CURVE_OUTPUTS))
@pytest.mark.parametrize("target", [1.0, 0.0])
def test_gradient_matches_finite_differences(loss: str, target: float) -> None:
    z = z_grid(-6.0, 6.0, 49)
    h = 1e-6
    up = loss_curve(loss, z + h, target).value
    down = loss_curve(loss, z - h, target).value
    numeric = (up - down) / (2 * h)
    np.testing.assert_allclose(loss_curve(loss, z, target).dz, numeric, rtol=1e-6, atol=1e-9)


def test_teaching_point_saturated_sigmoid() -> None:
    # Confidently wrong (z = -8 for target 1): squared error barely moves, cross-entropy
    # still pushes with almost the full unit gradient.
    curves = loss_curves(np.array([-8.0]))
    assert abs(curves["mse"].dz[0]) < 1e-3
    assert abs(curves["cosine"].dz[0]) < 1e-3
    assert curves["bce"].dz[0] == pytest.approx(-1.0, abs=1e-3)


def test_unknown_loss_raises() -> None:
    with pytest.raises(ValueError, match="no curve"):
        loss_curve("cross_entropy", Z)


@pytest.mark.parametrize(
    ("dataset", "loss", "output"),
    [
        ("circle", "bce", "sigmoid"),
        ("circle", "mse", "sigmoid"),
        ("spiral3", "cross_entropy", "softmax"),
        ("spiral3", "cosine", "softmax"),
    ],
)
def test_per_sample_loss_averages_to_batch_loss(dataset: str, loss: str, output: str) -> None:
    cfg = Config(dataset=dataset, loss=loss, output=output, steps=3, batch_size=16, samples=60)
    run = train(cfg)
    rec = run.records[0]
    per = per_sample_loss(loss, output, rec.layers["out"].z, rec.y)
    assert per.shape == (rec.y.shape[0],)
    assert np.all(per >= 0)
    # The record keeps the whole batch here (16 rows), so the mean is the step's loss.
    assert np.mean(per) == pytest.approx(rec.loss, rel=1e-12)
    assert np.mean(per) == pytest.approx(loss_value(loss, output, rec.layers["out"].z, rec.y))
