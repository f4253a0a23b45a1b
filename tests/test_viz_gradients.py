"""Figures of the Gradient norms page show the engine's numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from engine import LAYER_METRICS, Config, train
from engine.analysis.experiments import PERCENTILES, gradient_flow, percentile_bands
from viz.gradients import (
    MAX_COLUMNS,
    MAX_POINTS,
    UPDATE_RATIO_GUIDE,
    distribution_bands,
    grad_norm_heatmap,
    grad_norm_lines,
    gradient_flow_figure,
    layer_ticks,
    log_axis,
    log_colorbar,
    positive,
    sampled_steps,
    update_ratio_figure,
)
from viz.style import power_of_ten


@pytest.fixture(scope="module")
def run():
    return train(Config(depth=3, width=6, activation="sigmoid", steps=40))


def test_heatmap_shows_log10_of_the_gradient_norms(run):
    fig = grad_norm_heatmap(run, step=10)
    heat = fig.data[0]
    values = run.metric("grad_norm").T
    np.testing.assert_allclose(heat.z, np.log10(values))
    np.testing.assert_allclose(heat.customdata, values)
    np.testing.assert_array_equal(heat.x, np.arange(40))
    assert list(heat.y) == ["h1", "h2", "h3", "out"]
    assert "%{customdata:.4g}" in heat.hovertemplate
    ticks = heat.colorbar.tickvals
    assert heat.zmin <= np.log10(values).min() and heat.zmax >= np.log10(values).max()
    assert list(heat.colorbar.ticktext) == [power_of_ten(k) for k in ticks]
    assert any(s.x0 == 10 for s in fig.layout.shapes)  # the chosen step


def test_heatmap_of_a_long_deep_run_stays_small(run):
    steps, layers = 3000, 65
    rng = np.random.default_rng(0)
    scalars = rng.lognormal(-3, 2, (steps, layers, len(LAYER_METRICS)))
    big = dataclasses.replace(
        run,
        steps_run=steps,
        layer_scalars=scalars,
        layer_names=[f"h{i}" for i in range(1, layers)] + ["out"],
    )
    fig = grad_norm_heatmap(big)
    assert len(fig.data[0].x) <= MAX_COLUMNS + 1
    assert fig.data[0].x[-1] == steps - 1
    np.testing.assert_allclose(fig.data[0].customdata[:, -1], scalars[-1, :, 0])
    assert "every 10 steps" in fig.layout.title.text
    for figure in (fig, grad_norm_lines(big), update_ratio_figure(big)):
        assert len(figure.to_json()) < 2_000_000
    lines = grad_norm_lines(big)
    assert sum(len(t.x) for t in lines.data) <= MAX_POINTS + layers
    assert not lines.layout.showlegend


def test_lines_show_every_layer_on_a_log_axis(run):
    fig = grad_norm_lines(run)
    assert [t.name for t in fig.data] == run.layer_names
    for j, trace in enumerate(fig.data):
        np.testing.assert_allclose(trace.y, run.metric("grad_norm")[:, j])
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.showlegend


def test_update_ratio_has_the_guide_line(run):
    fig = update_ratio_figure(run, step=5)
    for j, trace in enumerate(fig.data):
        np.testing.assert_allclose(trace.y, run.metric("update_ratio")[:, j])
    guides = [s for s in fig.layout.shapes if s.y0 == UPDATE_RATIO_GUIDE == s.y1]
    assert guides and guides[0].line.dash == "dash"
    assert fig.layout.annotations[0].y == pytest.approx(-3)  # log10(1e-3) on a log axis
    assert fig.layout.yaxis.type == "log"


def test_gradient_flow_bars(run):
    record = run.records[20]
    names, mean_abs, max_abs = gradient_flow(record)
    fig = gradient_flow_figure(names, mean_abs, max_abs, 20)
    bars = {t.name: t for t in fig.data}
    np.testing.assert_allclose(
        bars["mean |dL/dW|"].y, [np.abs(record.layers[n].dW).mean() for n in names]
    )
    np.testing.assert_allclose(
        bars["max |dL/dW|"].y, [np.abs(record.layers[n].dW).max() for n in names]
    )
    assert list(bars["mean |dL/dW|"].x) == names
    assert fig.layout.yaxis.type == "log"
    assert "step 20" in fig.layout.title.text


def test_distribution_bands_show_the_percentiles(run):
    steps, bands = percentile_bands(run, "h2", "dW")
    fig = distribution_bands(steps, bands, "|dL/dW|", "h2", step=7)
    assert len(fig.data) == len(PERCENTILES)
    median = fig.data[-1]
    np.testing.assert_allclose(median.y, bands[:, 2])
    np.testing.assert_array_equal(median.x, steps)
    lows = [t.y for t in fig.data[:-1]]
    for trace, column in zip(lows, (0, 4, 1, 3), strict=True):
        np.testing.assert_allclose(trace, bands[:, column])
    assert fig.layout.yaxis.type == "log"
    assert "h2" in fig.layout.title.text


def test_helpers():
    np.testing.assert_array_equal(sampled_steps(10, 100), np.arange(10))
    s = sampled_steps(1001, 100)
    assert s[0] == 0 and s[-1] == 1000 and len(s) <= 101
    np.testing.assert_array_equal(
        positive(np.array([1.0, 0.0, -1.0, np.inf])), [1, np.nan, np.nan, np.nan]
    )
    assert log_axis(np.array([1e-9, 1.0]))["dtick"] == 2
    assert log_axis(np.array([1e-3, 1.0]))["dtick"] == 1
    assert log_axis(np.array([0.2, 0.5]))["range"] == [-1, 0]
    assert "range" not in log_axis(np.array([np.nan]))
    names = [f"h{i}" for i in range(1, 65)] + ["out"]
    ticks = layer_ticks(names)
    assert ticks["tickvals"][0] == "h1" and ticks["tickvals"][-1] == "out"
    assert len(ticks["tickvals"]) <= 13
    assert layer_ticks(["h1", "h2", "out"])["tickvals"] == ["h1", "h2", "out"]
    lo, hi, bar = log_colorbar(np.array([-2.5, 0.3]), "x")
    assert (lo, hi) == (-3, 1)
    assert bar["ticktext"] == ["10⁻³", "10⁻²", "10⁻¹", "1", "10"]
