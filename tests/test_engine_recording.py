"""Recorded tensors stay within the memory budget, whatever the network."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.training.loop import DEFAULT_BUDGET, MAX_RECORDS
from ui.settings import config_from_params

LARGEST = {
    "depth": "64",
    "width": "256",
    "batch_size": "1024",
    "samples": "2000",
    "train_share": "0.9",
    "steps": "3000",
    "layer_norm": "true",
    "residual": "true",
    "dropout": "0.5",
}


def largest() -> Config:
    cfg, warnings = config_from_params(LARGEST)
    # The caps cut the width to fit the weight limit and the steps to fit the work limit.
    assert cfg.depth == 64 and cfg.width < 256 and cfg.steps < 3000
    assert {w.split(":")[0] for w in warnings} == {"width", "steps"}
    return cfg


def check_schedule(run, steps: int) -> None:
    """First and last step recorded, every stride-th in between, nothing else."""
    assert run.recorded_steps[0] == 0 and run.recorded_steps[-1] == steps - 1
    assert run.recorded_steps == sorted({*range(0, steps, run.stride), steps - 1})


def test_largest_network_fast_variant():
    # Fewer steps and samples (so cheaper evaluations); the network, and so the size of one
    # record, is the largest one.
    cfg = largest().replace(steps=4, samples=100)
    budget = 20 * 2**20
    run = train(cfg, budget=budget)
    assert run.records_nbytes() <= budget
    check_schedule(run, 4)
    # Two records with optimizer tensors (about 15 MB each) would not fit in 20 MB: the run
    # keeps weights and gradients but no updates or optimizer state.
    assert run.recorded_steps == [0, 3]
    assert all(r.update is None and r.state == {} for r in run.records.values())
    roomy = train(cfg, budget=2 * budget)
    assert roomy.records[0].update is not None and set(roomy.records[0].state) == {"m", "v"}
    assert roomy.records_nbytes() <= 2 * budget
    # Per-sample tensors keep at most 32 rows of the batch (90 samples here).
    rec = run.records[0]
    assert rec.x.shape == (32, 2) and rec.layers["h64"].z.shape == (32, cfg.width)
    assert cfg.effective_batch == 90
    assert rec.layers["h1"].mask is not None and rec.layers["h1"].zn is not None
    assert rec.layers["h2"].h_out is not None


@pytest.mark.timeout(120)
def test_largest_network_with_the_default_budget():
    cfg = largest()
    run = train(cfg)
    assert run.steps_run == cfg.steps
    assert run.records_nbytes() <= DEFAULT_BUDGET
    check_schedule(run, cfg.steps)


def test_default_config_with_a_small_budget():
    cfg = Config()
    one = train(cfg.replace(steps=1)).records[0].nbytes()
    budget = 10 * one
    run = train(cfg, budget=budget)
    assert run.records_nbytes() <= budget
    assert len(run.records) <= 10
    assert run.stride > 1
    check_schedule(run, cfg.steps)


def test_stride_grows_as_the_budget_shrinks():
    cfg = Config(steps=400, depth=3, width=16)
    one = train(cfg.replace(steps=1)).records[0].nbytes()
    strides, counts = [], []
    for records in (400, 100, 40, 10, 3, 2):
        budget = records * one
        run = train(cfg, budget=budget)
        assert run.records_nbytes() <= budget, records
        assert len(run.records) <= min(records, MAX_RECORDS)
        check_schedule(run, cfg.steps)
        strides.append(run.stride)
        counts.append(len(run.records))
    assert strides == sorted(strides) and strides[0] < strides[-1]
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] == 2


def test_record_count_is_capped_even_with_a_huge_budget():
    run = train(Config(steps=1000), budget=2**40)
    assert len(run.records) <= MAX_RECORDS
    check_schedule(run, 1000)


def test_a_budget_too_small_for_two_records_keeps_first_and_last_without_optimizer_tensors():
    cfg = Config(steps=50)
    run = train(cfg, budget=1)
    assert run.recorded_steps == [0, 49]
    for rec in run.records.values():
        assert rec.update is None and rec.state == {}
        assert rec.layers["h1"].update_W is None
        assert np.all(np.isfinite(rec.grads.flat))  # weights and gradients are still kept


def test_every_step_recorded_when_it_fits():
    run = train(Config(steps=30))
    assert run.stride == 1 and run.recorded_steps == list(range(30))


def test_no_recording():
    run = train(Config(steps=30), record=False)
    assert run.records == {} and run.records_nbytes() == 0
    assert len(run.loss) == 30 and np.all(np.isfinite(run.layer_scalars[:, :, 0]))
