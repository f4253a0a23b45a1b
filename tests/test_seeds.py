"""Several seeds of one network: the budget, the runs, and the same-place rule both ways."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.seeds import (
    SAME_FLOOR,
    SAME_SHARE,
    STEP_BUDGET,
    final_grid,
    step_cost,
    steps_per_run,
    train_seeds,
    verdict,
)
from engine.training.loop import dataset_for
from viz.seeds import boundaries_figure, final_losses_figure, loss_curves_figure, verdict_text

SAME = [
    Config(dataset="plane", loss="mse", output="identity", steps=100, samples=100),
    Config(dataset="blobs", steps=60, samples=100),
    Config(steps=100, samples=100, width=16, lr=0.1),
]
DIFFERENT = [
    Config(steps=100, samples=100, width=3, activation="relu"),
    Config(dataset="moons", steps=100, samples=100),
]


def test_the_budget_keeps_small_networks_whole_and_refuses_huge_ones():
    cfg = Config()
    data = dataset_for(cfg)
    assert steps_per_run(cfg, data, 8) == cfg.steps
    assert steps_per_run(cfg, data, 16) < cfg.steps
    big = Config(depth=8, width=64)
    steps = steps_per_run(big, dataset_for(big), 8)
    assert 0 < steps < big.steps
    assert steps * 8 * step_cost(big, dataset_for(big)) <= STEP_BUDGET
    huge = Config(depth=64, width=256)
    assert steps_per_run(huge, dataset_for(huge), 8) == 0
    with pytest.raises(ValueError):
        train_seeds(huge, 8)


def test_runs_share_the_data_and_differ_only_in_the_seed():
    cfg = Config(steps=30, samples=80, seed=4)
    result = train_seeds(cfg, 8)
    assert result.seeds == tuple(range(4, 12))
    for run in result.runs:
        np.testing.assert_array_equal(run.data.X_train, result.runs[0].data.X_train)
    assert len({float(f) for f in result.final}) == 8
    again = train(cfg.replace(seed=6), data=result.runs[0].data, record=False)
    assert result.final[2] == again.train_loss[-1]
    np.testing.assert_array_equal(result.curves[2], again.train_loss)
    assert result.final[result.best] == result.final.min()
    assert result.final[result.worst] == result.final.max()
    grid = final_grid(result.runs[0], 12)
    assert grid.shape == (12, 12)


@pytest.mark.parametrize("cfg", SAME + DIFFERENT, ids=lambda c: f"{c.dataset}-{c.width}")
def test_the_rule_on_real_runs_and_the_text_says_it(cfg):
    result = train_seeds(cfg, 8)
    v = verdict(result.final, result.curves[result.worst])
    gap = result.final.max() - result.final.min()
    median = float(np.median(result.final))
    assert v.same == (gap < SAME_SHARE * median or gap < SAME_FLOOR)
    assert v.same == (cfg in SAME)  # each configuration triggers the side it is listed on
    text = verdict_text(v, result)
    assert ("ended in about the same place" in text) == v.same
    assert ("did not end in the same place" in text) == (not v.same)
    assert f"final loss {result.final.min():.3g}" in text
    specs = [
        final_losses_figure(result, v.median),
        loss_curves_figure(result),
        boundaries_figure(result, final_grid(result.runs[result.best], 10),
                          final_grid(result.runs[result.worst], 10)),
    ]  # fmt: skip
    np.testing.assert_allclose(np.asarray(specs[0].data[0].y, dtype=float), result.final)
    assert str(result.seeds[result.best]) in specs[2].layout.annotations[0].text


def test_the_rule_on_made_up_losses():
    flat = np.linspace(1.0, 0.5, 40)
    assert verdict(np.array([0.30, 0.32, 0.35, 0.31]), flat).same
    assert not verdict(np.array([0.05, 0.06, 0.69, 0.07]), flat).same
    assert verdict(np.array([0.001, 0.004, 0.002]), flat).same  # all near zero: the floor
    diverged = verdict(np.array([0.1, np.inf, 0.1]), flat)
    assert not diverged.same and diverged.diverged == 1
    falling = verdict(np.array([0.1, 0.5]), np.linspace(1.0, 0.5, 40))
    assert falling.worst_still_falling and falling.worst_drop > 0.05
    stuck = verdict(np.array([0.1, 0.5]), np.full(40, 0.5))
    assert not stuck.worst_still_falling and stuck.worst_drop == 0.0
