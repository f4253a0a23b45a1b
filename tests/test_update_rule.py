"""One weight's update, term by term: pinned to the engine's recorded weights and updates."""

from __future__ import annotations

import numpy as np
import pytest

from engine import OPTIMIZERS, Config, train
from engine.analysis.chain_rule import chain_rule_terms
from engine.analysis.update_rule import batch_rows, has_update, step_effect, update_terms
from tests.test_engine_training import DIVERGES

SMALL = {"steps": 12, "samples": 60, "batch_size": 16, "width": 4}


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_w_after_is_the_next_recorded_weight_and_the_rule_gives_the_update(optimizer, weight_decay):
    run = train(Config(optimizer=optimizer, weight_decay=weight_decay, **SMALL))
    assert run.stride == 1
    for step in (0, 1, 6, 10):
        for layer, i, j in (("h1", 1, 2), ("out", 3, 0)):
            t = update_terms(run, step, layer, i, j)
            nxt = run.records[step + 1].params[f"{layer}.W"][i, j]
            assert t.w_after == nxt
            assert t.w_after == t.w_before - t.update
            assert t.w_before == run.records[step].params[f"{layer}.W"][i, j]
            # w_after - w_before is the update up to the rounding of w itself.
            assert abs((t.w_after - t.w_before) + t.update) <= np.spacing(abs(t.w_before))
            assert t.recomputed == pytest.approx(t.update, rel=1e-12, abs=1e-300)
            assert t.grad == chain_rule_terms(run, step, layer, i, j).dW
            if t.state_after:
                assert t.state_source == ("initial" if step == 0 else "recorded")


def test_weight_decay_enters_the_gradient_for_l2_and_the_decay_term_for_adamw():
    l2 = update_terms(train(Config(optimizer="sgd", weight_decay=0.1, **SMALL)), 3, "h1", 0, 0)
    assert l2.g == l2.grad + 0.1 * l2.w_before
    assert l2.update == pytest.approx(l2.lr * l2.g, rel=1e-15)
    plain = update_terms(train(Config(optimizer="sgd", **SMALL)), 3, "h1", 0, 0)
    assert plain.g == plain.grad
    adamw = update_terms(train(Config(optimizer="adamw", weight_decay=0.1, **SMALL)), 3, "h1", 0, 0)
    assert adamw.g == adamw.grad
    assert adamw.decay == adamw.lr * 0.1 * adamw.w_before


@pytest.mark.parametrize("optimizer", ["momentum", "rmsprop", "adam"])
def test_state_before_an_unrecorded_step_is_derived_to_the_recorded_value(optimizer):
    strided = train(Config(optimizer=optimizer, **{**SMALL, "steps": 150}))
    assert strided.stride == 2  # at most 100 records
    step = strided.recorded_steps[5]
    # The same training stopped after `step`: short enough to record every step.
    full = train(Config(optimizer=optimizer, **{**SMALL, "steps": step + 1}))
    t = update_terms(strided, step, "h1", 1, 1)
    assert t.state_source == "derived"
    expected = update_terms(full, step, "h1", 1, 1).state_before
    assert t.state_before == pytest.approx(expected, rel=1e-9)
    assert t.update == update_terms(full, step, "h1", 1, 1).update


def test_batch_rows_replay_the_loops_order_across_epochs():
    run = train(Config(steps=12, samples=60, batch_size=16))  # 42 training rows: 2 per epoch
    for step in run.recorded_steps:
        rows = batch_rows(run, step)
        assert len(rows) == 16
        np.testing.assert_array_equal(
            rows[: len(run.records[step].batch_index)], run.records[step].batch_index
        )


def test_step_effect_starts_from_the_recorded_loss_and_matches_the_recorded_ratios():
    run = train(Config(**SMALL))
    for step in (0, 5):
        effect = step_effect(run, step)
        assert effect.loss_before == pytest.approx(run.records[step].loss, rel=1e-12)
        after = train(Config(**SMALL)).records[step + 1]
        assert effect.loss_after == pytest.approx(step_effect_loss(run, step + 1, after), rel=1e-12)
        recorded = run.metric("update_ratio")[step]
        assert list(effect.ratios.values()) == pytest.approx(recorded, rel=1e-12)


def step_effect_loss(run, step, record):
    """The loss of the batch of `step - 1` under `record`'s weights, computed independently."""
    rows = batch_rows(run, step - 1)
    net = run.network(record.params)
    return net.evaluate(run.data.X_train[rows], net.targets(run.data.y_train[rows]), "bce")[0]


def test_a_diverged_step_has_no_update_to_show():
    run = train(DIVERGES)
    assert run.diverged_at is not None
    assert not has_update(run, run.diverged_at)
    with pytest.raises(ValueError):
        update_terms(run, run.diverged_at, "h1", 0, 0)


def test_a_run_too_large_to_keep_updates_has_none_to_show():
    run = train(Config(**SMALL), budget=1)  # not even two records with optimizer state fit
    assert all(run.records[s].update is None for s in run.recorded_steps)
    assert not has_update(run, 0)
    with pytest.raises(ValueError):
        step_effect(run, 0)
