"""The Error page through AppTest: defaults, other configs, hostile links, the engine's numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.loss_curves import per_sample_loss
from tests.apptest_utils import (
    assert_ok,
    decode,
    page_text,
    plotly_specs,
    run_hostile_link,
    run_page,
)

PAGE = "app_pages/error.py"


def shown_step(at) -> int:
    """The step whose predictions the page shows, from its subheader."""
    heads = [h.value for h in at.subheader if h.value.startswith("Predictions against targets")]
    return int(re.search(r"step (\d+)", heads[0]).group(1))


def trace(spec: dict, name: str) -> dict:
    return next(t for t in spec["data"] if t.get("name") == name)


def by_title(specs: list[dict], start: str) -> dict:
    return next(s for s in specs if s["layout"]["title"]["text"].startswith(start))


def test_defaults_show_the_engines_numbers():
    at = run_page(PAGE)
    assert_ok(at, charts=4)
    run = train(Config())
    specs = plotly_specs(at)
    loss = by_title(specs, "Loss over training")
    np.testing.assert_allclose(decode(trace(loss, "batch loss")["y"]), run.loss)
    np.testing.assert_allclose(decode(trace(loss, "test loss")["y"]), run.test_loss)
    assert loss["layout"]["yaxis"]["type"] == "linear"
    acc = by_title(specs, "Accuracy")
    np.testing.assert_allclose(decode(trace(acc, "train accuracy")["y"]), run.train_acc)

    rec = run.record_at(shown_step(at))
    pred = by_title(specs, "Predictions against targets")
    np.testing.assert_allclose(decode(trace(pred, "prediction ŷ")["y"]), rec.y_hat[:, 0])
    per = per_sample_loss("bce", "sigmoid", rec.layers["out"].z, rec.y)
    np.testing.assert_allclose(decode(trace(pred, "sample loss")["y"]), per)
    table = at.dataframe[0].value
    np.testing.assert_allclose(table["loss"], per)

    curves = by_title(specs, "Loss functions")
    names = {t.get("name") for t in curves["data"]}
    assert {"MSE", "BCE (cross-entropy) (this run)", "cosine"} <= names
    assert "this run's target-1 samples" in names
    assert "target-1 samples" in page_text(at)


def test_log_toggle_switches_the_loss_axis():
    at = run_page(PAGE)
    at.toggle(key="log_loss").set_value(True).run()
    assert_ok(at)
    loss = by_title(plotly_specs(at), "Loss over training")
    assert loss["layout"]["yaxis"]["type"] == "log"


@pytest.mark.parametrize(
    "params",
    [
        {"depth": "10", "activation": "sigmoid", "loss": "mse"},
        {"residual": "true", "layer_norm": "true", "depth": "6"},
        {"dataset": "spiral3", "loss": "cross_entropy", "output": "softmax"},
    ],
    ids=["deep-sigmoid-mse", "residual-layernorm", "spiral3-softmax"],
)
def test_other_configs(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=4)
    specs = plotly_specs(at)
    curves = by_title(specs, "Loss functions")
    has_samples = any(t.get("mode") == "markers" for t in curves["data"])
    pred = by_title(specs, "Predictions against targets")
    if params.get("dataset") == "spiral3":
        assert not has_samples
        assert {f"ŷ class {k}" for k in range(3)} <= {t.get("name") for t in pred["data"]}
    else:
        assert has_samples
    if params.get("loss") == "mse":
        assert any(t.get("name") == "MSE (this run)" for t in curves["data"])


def test_hostile_link():
    run_hostile_link(PAGE, charts=4)


def test_diverged_run_shows_the_banner_and_still_draws():
    params = {"optimizer": "sgd", "lr": "100", "loss": "mse", "output": "identity", "steps": "60"}
    at = run_page(PAGE, params)
    assert_ok(at, charts=4)
    assert any("diverged at step" in e.value for e in at.error)
    loss = by_title(plotly_specs(at), "Loss over training")
    assert any("diverged" in a.get("text", "") for a in loss["layout"]["annotations"])
