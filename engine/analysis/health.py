"""Runs that went wrong without a NaN: a loss that blew up, or one that never moved.

A diverged run (inf or NaN) is flagged by the training loop itself. This module names the
two quieter failures from the training-set loss the run recorded, and a likely cause:

- blow-up: the last training loss is more than BLOWUP_FACTOR times the first. Gradient
  descent with a sensible step never ends far above where it started; a step that
  overshoots the valley every time does (the usual cause: the learning rate is too high).
- stall: after at least MIN_STEPS steps the last training loss is still within STALL_DROP
  (10 %) of the first, or of the loss of guessing (chance: ln k for k classes). Cause:
  "rising" when the loss ended more than STALL_DROP above where it started (steps that
  overshoot: the learning rate again); vanishing gradients for a plain (no residual, no
  LayerNorm) sigmoid or tanh net with at least DEEP_LAYERS hidden layers; dead units when
  at least DEAD_SHARE of the ReLU units output zero on every sample; otherwise "slow", a
  step too small to move far in the steps given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.training.records import Run

BLOWUP_FACTOR = 3.0
STALL_DROP = 0.10
MIN_STEPS = 50
DEEP_LAYERS = 6
DEAD_SHARE = 0.5
SATURATING = ("sigmoid", "tanh")
RECTIFIED = ("relu",)


@dataclass(frozen=True)
class Health:
    """What went wrong with a run, if anything, and the numbers that say so."""

    kind: str  # "ok", "blowup" or "stall"
    cause: str | None  # blowup: "lr"; stall: "rising", "vanishing", "dead", "slow"; ok: None
    start: float  # first finite training loss
    end: float  # last finite training loss
    chance: float | None  # loss of guessing, for classification with a probability output
    dead_share: float | None = None


def chance_loss(loss: str, n_classes: int) -> float | None:
    """The loss of a model that outputs the uniform guess: ln 2 for BCE, ln k for k classes."""
    if loss == "bce":
        return math.log(2.0)
    if loss == "cross_entropy":
        return math.log(max(n_classes, 2))
    return None


def assess(
    train_loss: np.ndarray,
    *,
    steps: int,
    loss: str,
    n_classes: int,
    activation: str,
    depth: int,
    plain: bool,
    dead_share: float | None = None,
) -> Health:
    """Classify a run from its training-loss curve and its network (see the module's rules)."""
    values = np.asarray(train_loss, dtype=np.float64)
    finite = values[np.isfinite(values)]
    chance = chance_loss(loss, n_classes)
    if finite.size < 2:
        return Health("ok", None, math.nan, math.nan, chance, dead_share)
    start, end = float(finite[0]), float(finite[-1])
    if end > BLOWUP_FACTOR * start:
        return Health("blowup", "lr", start, end, chance, dead_share)
    near_start = end >= (1.0 - STALL_DROP) * start
    near_chance = chance is not None and end >= (1.0 - STALL_DROP) * chance
    if steps >= MIN_STEPS and (near_start or near_chance):
        if end > (1.0 + STALL_DROP) * start:
            cause = "rising"
        elif plain and activation in SATURATING and depth >= DEEP_LAYERS:
            cause = "vanishing"
        elif activation in RECTIFIED and dead_share is not None and dead_share >= DEAD_SHARE:
            cause = "dead"
        else:
            cause = "slow"
        return Health("stall", cause, start, end, chance, dead_share)
    return Health("ok", None, start, end, chance, dead_share)


def suggested_lr(lr: float, grid: tuple[float, ...], default: float) -> float:
    """A learning rate to try after a blow-up: the default if lr is above it, else a tenth.

    Taken from `grid` (the values the control offers): the largest at most lr / 10, or the
    smallest one.
    """
    if lr > default:
        return default
    below = [v for v in grid if v <= lr / 10]
    return max(below) if below else min(grid)


def assess_run(run: Run) -> Health:
    """assess() on a trained run: its training loss, network and share of dead units."""
    cfg = run.config
    dead = run.metric("dead")
    dead_share = None
    if dead.size and np.isfinite(dead[-1]).any():
        dead_share = float(np.nanmean(dead[-1]))
    return assess(
        run.train_loss,
        steps=run.steps_run,
        loss=cfg.loss,
        n_classes=run.data.n_classes,
        activation=cfg.activation,
        depth=cfg.depth,
        plain=not (cfg.residual or cfg.layer_norm),
        dead_share=dead_share,
    )
