"""Blow-up and stall detection: the documented thresholds, on curves and on real runs."""

import math

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.health import (
    BLOWUP_FACTOR,
    DEAD_SHARE,
    DEEP_LAYERS,
    MIN_STEPS,
    STALL_DROP,
    assess,
    assess_run,
    chance_loss,
)

NET = dict(steps=300, loss="mse", n_classes=1, activation="tanh", depth=3, plain=True)


def curve(start: float, end: float) -> np.ndarray:
    return np.linspace(start, end, 11)


@pytest.mark.parametrize("ratio", [0.01, 0.5, 0.89, 1.0, 2.9, 3.1, 10.0, 1e4])
@pytest.mark.parametrize("start", [0.05, 0.7, 5.0])
def test_blowup_iff_loss_ends_past_factor_times_start(ratio: float, start: float) -> None:
    health = assess(curve(start, start * ratio), **NET)
    assert (health.kind == "blowup") == (ratio > BLOWUP_FACTOR)
    if health.kind == "blowup":
        assert health.cause == "lr"


@pytest.mark.parametrize("drop", [0.0, 0.05, 0.09, 0.11, 0.5, 0.95])
def test_stall_iff_loss_fell_less_than_stall_drop(drop: float) -> None:
    health = assess(curve(2.0, 2.0 * (1 - drop)), **NET)
    assert (health.kind == "stall") == (drop < STALL_DROP)


def test_stall_near_chance_even_when_the_start_was_higher() -> None:
    chance = math.log(2)
    net = NET | {"loss": "bce"}
    assert assess(curve(3.0, chance * 1.01), **net).kind == "stall"
    assert assess(curve(3.0, chance * 0.5), **net).kind == "ok"


def test_no_stall_before_min_steps() -> None:
    assert assess(curve(1.0, 1.0), **(NET | {"steps": MIN_STEPS - 1})).kind == "ok"
    assert assess(curve(1.0, 1.0), **(NET | {"steps": MIN_STEPS})).kind == "stall"


@pytest.mark.parametrize(
    ("activation", "depth", "plain", "dead", "cause"),
    [
        ("sigmoid", DEEP_LAYERS, True, None, "vanishing"),
        ("tanh", 20, True, None, "vanishing"),
        ("sigmoid", DEEP_LAYERS - 1, True, None, "slow"),
        ("sigmoid", 20, False, None, "slow"),
        ("relu", 20, True, DEAD_SHARE, "dead"),
        ("relu", 20, True, DEAD_SHARE - 0.01, "slow"),
        ("relu", 20, True, None, "slow"),
    ],
)
def test_stall_cause(activation: str, depth: int, plain: bool, dead, cause: str) -> None:
    net = NET | {"activation": activation, "depth": depth, "plain": plain}
    assert assess(curve(0.7, 0.7), **net, dead_share=dead).cause == cause


@pytest.mark.parametrize("rise", [1.0, 1.09, 1.11, 2.9])
def test_a_loss_that_ended_above_its_start_is_blamed_on_the_learning_rate(rise: float) -> None:
    health = assess(curve(1.0, rise), **(NET | {"activation": "sigmoid", "depth": 20}))
    assert health.kind == "stall"
    assert (health.cause == "rising") == (rise > 1 + STALL_DROP)


def test_chance_loss() -> None:
    assert chance_loss("bce", 1) == pytest.approx(math.log(2))
    assert chance_loss("cross_entropy", 3) == pytest.approx(math.log(3))
    assert chance_loss("mse", 1) is None


@pytest.mark.parametrize(
    ("params", "kind", "cause"),
    [
        ({}, "ok", None),
        ({"optimizer": "sgd", "lr": 100.0}, "blowup", "lr"),
        ({"depth": 20, "activation": "sigmoid"}, "stall", "vanishing"),
        ({"dataset": "sine"}, "ok", None),
        ({"dataset": "spiral3"}, "ok", None),
    ],
)
def test_real_runs(params: dict, kind: str, cause: str | None) -> None:
    cfg, _ = Config.from_dict(params)
    health = assess_run(train(cfg))
    assert (health.kind, health.cause) == (kind, cause)
