"""The random parts of training, pinned: dropout masks and the order batches are drawn in."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, Network, train
from engine.analysis.experiments import first_batch
from engine.training.loop import BatchOrder, dataset_for


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_masks_keep_1_minus_p_and_scale_by_its_inverse(p):
    # p != 0.5, where 1/p and 1/(1-p) would be the same number.
    net = Network([2, 200, 200, 1], "tanh", dropout=p, seed=3)
    masks = net.sample_masks(500)
    for mask in masks:
        assert mask.shape == (500, 200)
        np.testing.assert_allclose(np.unique(mask), [0.0, 1 / (1 - p)], rtol=1e-15)
        assert np.mean(mask > 0) == pytest.approx(1 - p, abs=0.01)
        assert mask.mean() == pytest.approx(1.0, abs=0.02)  # E[a * mask] = a


def test_dropout_multiplies_each_layers_output_by_its_mask():
    net = Network([3, 6, 6, 2], "tanh", dropout=0.3, seed=4)
    X = np.random.default_rng(0).normal(size=(5, 3))
    masks = net.sample_masks(5)
    trace = net.forward(X, masks)
    for c, mask in zip(trace.layers, masks, strict=True):
        np.testing.assert_array_equal(c.h_out, c.a * mask)


def test_batch_order_is_pinned_and_reshuffles_each_epoch():
    order = BatchOrder(10, 4, seed=0)
    batches = [order.next().tolist() for _ in range(4)]
    # Permutations from default_rng(seed + 1): two batches of 4 per epoch of 10 (the
    # remainder of 2 is skipped), then a fresh permutation.
    assert batches == [[8, 4, 7, 0], [1, 2, 5, 9], [0, 1, 8, 6], [5, 7, 9, 2]]
    epoch = batches[0] + batches[1]
    assert len(set(epoch)) == 8  # no sample twice within an epoch


def test_training_draws_its_batches_in_that_order():
    cfg = Config(samples=60, batch_size=16, steps=12, depth=1, width=3)
    data = dataset_for(cfg)
    run = train(cfg, data=data)
    order = BatchOrder(cfg.n_train, cfg.effective_batch, cfg.seed)
    expected = [order.next() for _ in range(cfg.steps)]
    for step, rec in run.records.items():
        np.testing.assert_array_equal(rec.batch_index, expected[step][:16])
        np.testing.assert_array_equal(rec.x, data.X_train[expected[step]])
    X0, _ = first_batch(cfg, data)
    np.testing.assert_array_equal(X0, data.X_train[expected[0]])
