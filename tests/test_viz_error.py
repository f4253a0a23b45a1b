"""The Error page's figures hold exactly the engine's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.loss_curves import loss_curve, loss_curves, per_sample_loss, z_grid
from viz.error import (
    accuracy_figure,
    curve_grid,
    loss_figure,
    loss_functions_figure,
    prediction_table,
    predictions_figure,
    target_one_logits,
)


@pytest.fixture(scope="module")
def binary_run():
    return train(Config(loss="mse", activation="sigmoid", steps=40, samples=120))


@pytest.fixture(scope="module")
def multi_run():
    return train(Config(dataset="spiral3", loss="cross_entropy", output="softmax", steps=30))


@pytest.fixture(scope="module")
def diverged_run():
    run = train(Config(optimizer="sgd", lr=100.0, loss="mse", output="identity", steps=60))
    assert run.diverged_at is not None
    return run


def by_name(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_loss_figure_holds_batch_train_and_test_loss(binary_run) -> None:
    fig = loss_figure(binary_run, step=20)
    batch = by_name(fig, "batch loss")
    np.testing.assert_array_equal(batch.x, np.arange(binary_run.steps_run))
    np.testing.assert_array_equal(batch.y, binary_run.loss)
    np.testing.assert_array_equal(by_name(fig, "train loss").y, binary_run.train_loss)
    np.testing.assert_array_equal(by_name(fig, "test loss").x, binary_run.eval_steps)
    np.testing.assert_array_equal(by_name(fig, "test loss").y, binary_run.test_loss)
    assert fig.layout.yaxis.type == "linear"
    assert [s.x0 for s in fig.layout.shapes] == [20]
    assert loss_figure(binary_run, log_y=True).layout.yaxis.type == "log"


def test_loss_figure_marks_divergence(diverged_run) -> None:
    fig = loss_figure(diverged_run, log_y=True)
    y = np.asarray(by_name(fig, "batch loss").y, dtype=float)
    assert len(y) == diverged_run.steps_run
    assert np.isnan(y[diverged_run.diverged_at])
    assert any(s.x0 == diverged_run.diverged_at for s in fig.layout.shapes)
    assert any("diverged" in (a.text or "") for a in fig.layout.annotations)


def test_accuracy_figure(binary_run, multi_run) -> None:
    fig = accuracy_figure(binary_run)
    np.testing.assert_array_equal(by_name(fig, "train accuracy").y, binary_run.train_acc)
    np.testing.assert_array_equal(by_name(fig, "test accuracy").y, binary_run.test_acc)
    assert fig.layout.shapes[0].y0 == pytest.approx(0.5)
    assert accuracy_figure(multi_run).layout.shapes[0].y0 == pytest.approx(1 / 3)


def test_predictions_binary(binary_run) -> None:
    rec = binary_run.record_at(20)
    fig = predictions_figure(binary_run, rec)
    np.testing.assert_array_equal(by_name(fig, "prediction ŷ").y, rec.y_hat[:, 0])
    np.testing.assert_array_equal(by_name(fig, "target y").y, rec.y[:, 0])
    per = per_sample_loss("mse", "sigmoid", rec.layers["out"].z, rec.y)
    np.testing.assert_allclose(by_name(fig, "sample loss").y, per)
    np.testing.assert_allclose(per, (rec.y_hat[:, 0] - rec.y[:, 0]) ** 2)
    table = prediction_table(binary_run, rec)
    assert len(table) == rec.y.shape[0]
    np.testing.assert_array_equal(table["training row"], rec.batch_index)
    np.testing.assert_array_equal(table["x1"], rec.x[:, 0])
    np.testing.assert_array_equal(table["prediction ŷ"], rec.y_hat[:, 0])
    np.testing.assert_allclose(table["loss"], per)


def test_predictions_multiclass(multi_run) -> None:
    rec = multi_run.record_at(10)
    fig = predictions_figure(multi_run, rec)
    for k in range(3):
        np.testing.assert_array_equal(by_name(fig, f"ŷ class {k}").y, rec.y_hat[:, k])
    np.testing.assert_array_equal(by_name(fig, "target class").customdata, rec.y.argmax(axis=1))
    table = prediction_table(multi_run, rec)
    np.testing.assert_array_equal(table["target class"], rec.y.argmax(axis=1))
    # Cross-entropy of one sample is -log of the probability given to its class.
    p_true = rec.y_hat[np.arange(len(rec.y)), rec.y.argmax(axis=1)]
    np.testing.assert_allclose(table["loss"], -np.log(p_true), rtol=1e-10)
    assert target_one_logits(multi_run, rec) is None


def test_loss_functions_figure_curves_and_samples(binary_run) -> None:
    rec = binary_run.record_at(20)
    sample_z = target_one_logits(binary_run, rec)
    ones = rec.y[:, 0] > 0.5
    np.testing.assert_array_equal(sample_z, rec.layers["out"].z[ones, 0])
    z = curve_grid(sample_z)
    curves = loss_curves(z)
    fig = loss_functions_figure(sample_z, current="mse")
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 6
    mse_left = next(t for t in lines if t.name == "MSE (this run)" and t.xaxis == "x")
    np.testing.assert_array_equal(mse_left.x, curves["mse"].y_hat)
    np.testing.assert_array_equal(mse_left.y, curves["mse"].value)
    bce_right = next(t for t in lines if t.legendgroup == "bce" and t.xaxis == "x2")
    np.testing.assert_array_equal(bce_right.x, z)
    np.testing.assert_array_equal(bce_right.y, curves["bce"].dz)
    marks = [t for t in fig.data if t.mode == "markers"]
    assert len(marks) == 6
    right = [t for t in marks if t.xaxis == "x2"]
    np.testing.assert_array_equal(right[0].x, sample_z)
    np.testing.assert_allclose(right[1].y, loss_curve("bce", sample_z).dz)
    # The samples' predictions are the recorded outputs themselves.
    left = [t for t in marks if t.xaxis == "x"]
    np.testing.assert_allclose(left[0].x, rec.y_hat[ones, 0], rtol=1e-12)


def test_curve_grid_reaches_the_samples() -> None:
    np.testing.assert_array_equal(curve_grid(), z_grid(-8.0, 8.0, 401))
    z = curve_grid(np.array([-3.0, 11.4]))
    assert z[0] == -8.0 and z[-1] == 12.0
    z = curve_grid(np.array([-1e9]))
    assert z[0] == -30.0 and z[-1] == 8.0


def test_loss_functions_figure_without_samples() -> None:
    fig = loss_functions_figure()
    assert all(t.mode == "lines" for t in fig.data)
    assert not any("this run" in t.name for t in fig.data)
    assert list(fig.layout.xaxis2.range) == [-8.0, 8.0]
