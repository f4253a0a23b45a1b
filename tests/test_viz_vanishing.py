"""Figures of the Vanishing gradients page show the engine's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config
from engine.analysis.experiments import VARIANT_LABELS, VARIANTS, compare_variants, depth_sweep
from viz.vanishing import depth_sweep_figure, loss_figure, profile_figure

CONFIG = Config(depth=6, width=8, activation="sigmoid", init="normal", steps=30)


@pytest.fixture(scope="module")
def results():
    return compare_variants(CONFIG)


@pytest.fixture(scope="module")
def sweep():
    return depth_sweep(CONFIG, depths=(1, 3, 6, 12))


@pytest.mark.parametrize("measure", ["delta", "dW"])
def test_profiles_side_by_side_on_a_shared_log_axis(results, measure):
    fig = profile_figure(results, measure)
    assert len(fig.data) == 2 * len(VARIANTS)
    by_axis = {"x": [], "x2": []}
    for trace in fig.data:
        by_axis[trace.xaxis].append(trace)
    for name, start, end in zip(VARIANTS, by_axis["x"], by_axis["x2"], strict=True):
        r = results[name]
        assert start.name == end.name == VARIANT_LABELS[name]
        np.testing.assert_allclose(start.y, r.start[measure])
        np.testing.assert_allclose(end.y, r.end[measure])
        assert list(start.x) == ["h1", "h2", "h3", "h4", "h5", "h6", "out"]
        assert start.showlegend and not end.showlegend
    assert fig.layout.yaxis.type == fig.layout.yaxis2.type == "log"
    assert fig.layout.yaxis2.matches == "y"  # shared y axis
    titles = [a.text for a in fig.layout.annotations]
    assert "Step 0" in titles
    assert "Step 29 (trained)" in titles


def test_plain_sigmoid_profile_falls_towards_the_input(results):
    y = profile_figure(results, "delta").data[0].y
    assert y[0] < 1e-2 * y[5]


def test_loss_curves_overlaid(results):
    assert loss_figure(results).layout.yaxis.type == "linear"
    fig = loss_figure(results, log_y=True)
    assert [t.name for t in fig.data] == [VARIANT_LABELS[v] for v in VARIANTS]
    for trace, r in zip(fig.data, results.values(), strict=True):
        np.testing.assert_allclose(trace.y, r.train_loss)
        np.testing.assert_array_equal(trace.x, r.eval_steps)
    assert fig.layout.yaxis.type == "log"
    assert "bce" in fig.layout.yaxis.title.text


@pytest.mark.parametrize("measure", ["delta", "dW"])
def test_depth_sweep_lines(sweep, measure):
    fig = depth_sweep_figure(sweep, measure, depth=6)
    assert len(fig.data) == len(VARIANTS)
    for trace, name in zip(fig.data, VARIANTS, strict=True):
        np.testing.assert_allclose(trace.y, sweep.first_layer[measure][name])
        np.testing.assert_array_equal(trace.x, [1, 3, 6, 12])
        np.testing.assert_array_equal(trace.customdata, [8, 8, 8, 8])
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.shapes[0].x0 == 6
    assert "yours: 6" in fig.layout.annotations[0].text
