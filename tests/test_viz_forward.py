"""Forward-pass figures show exactly the recorded activations and weights."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from ui.settings import config_from_params
from viz.forward import (
    activation_boxes_figure,
    activation_stats_figure,
    forward_graph_figure,
    layer_heatmap_figure,
    layer_inputs,
    strongest_inputs,
)
from viz.network_graph import MAX_GRAPH_LAYERS, MAX_GRAPH_UNITS, fits_graph, node_positions


@pytest.fixture(scope="module")
def run():
    return train(Config(steps=20))


@pytest.fixture(scope="module")
def big_run():
    cfg, _ = config_from_params({"depth": "64", "width": "256", "steps": "3"})
    return train(cfg)


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_nodes_are_the_samples_activations(run):
    rec = run.records[10]
    sample = 5
    fig = forward_graph_figure(run, rec, sample)
    nodes = _trace(fig, "units")
    expected = np.concatenate([rec.x[sample]] + [rec.layers[n].a[sample] for n in run.layer_names])
    np.testing.assert_array_equal(np.asarray(nodes.marker.color), expected)
    assert nodes.marker.cmin == -nodes.marker.cmax
    h1 = rec.layers["h1"]
    first_h1 = nodes.text[2]  # after the two inputs
    assert f"z = {h1.z[sample, 0]:.4g}" in first_h1 and f"a = {h1.a[sample, 0]:.4g}" in first_h1
    assert first_h1.startswith("h1 unit 0")


def test_edge_hover_shows_the_steps_weights(run):
    rec = run.records[10]
    fig = forward_graph_figure(run, rec, 0)
    hover = _trace(fig, "weights")
    W = rec.layers["h1"].W
    np.testing.assert_array_equal(np.asarray(hover.marker.color)[: W.size], W.reshape(-1))
    assert hover.text[1] == "h1.W[0, 1] (input unit 0 → h1 unit 1)"
    pos = node_positions(run.sizes)
    np.testing.assert_allclose([hover.x[1], hover.y[1]], (pos[0][0] + pos[1][1]) / 2)


def test_layer_inputs_reproduce_z(run):
    rec = run.records[19]
    inputs = layer_inputs(rec, run.layer_names)
    for h, name in zip(inputs, run.layer_names, strict=True):
        layer = rec.layers[name]
        np.testing.assert_allclose(h @ layer.W + layer.b, layer.z, rtol=1e-10, atol=1e-12)


def test_layer_inputs_with_residual_and_dropout():
    cfg, _ = config_from_params({"depth": "3", "residual": "true", "dropout": "0.3", "steps": "5"})
    run = train(cfg)
    rec = run.records[4]
    inputs = layer_inputs(rec, run.layer_names)
    assert rec.layers["h1"].h_out is None  # 2 -> 8 units: no identity path
    np.testing.assert_allclose(inputs[2], rec.layers["h2"].h_out)
    for h, name in zip(inputs, run.layer_names, strict=True):
        layer = rec.layers[name]
        np.testing.assert_allclose(h @ layer.W + layer.b, layer.z, rtol=1e-10, atol=1e-12)


def test_highlight_is_the_strongest_contribution(run):
    rng = np.random.default_rng(0)
    W, h = rng.normal(size=(5, 4)), rng.normal(size=5)
    brute = [max(range(5), key=lambda i, j=j: abs(h[i] * W[i, j])) for j in range(4)]
    np.testing.assert_array_equal(strongest_inputs(W, h), brute)
    rec = run.records[10]
    fig = forward_graph_figure(run, rec, 3)
    path = _trace(fig, "strongest input")
    pos = node_positions(run.sizes)
    src = strongest_inputs(rec.layers["h1"].W, rec.x[3])
    assert (path.x[0], path.y[0]) == tuple(pos[0][src[0]])
    assert (path.x[1], path.y[1]) == tuple(pos[1][0])
    assert path.line.color == "#f59e0b"


@pytest.mark.parametrize(
    "sizes, fits",
    [
        ([2] + [MAX_GRAPH_UNITS] * MAX_GRAPH_LAYERS + [3], True),
        ([2] + [MAX_GRAPH_UNITS + 1] + [1], False),
        ([2] + [4] * (MAX_GRAPH_LAYERS + 1) + [1], False),
    ],
)
def test_graph_switches_to_heatmaps_at_the_thresholds(sizes, fits):
    assert fits_graph(sizes) is fits


def test_layer_heatmap_is_units_by_samples(run):
    rec = run.records[10]
    fig = layer_heatmap_figure(rec, "h2", 7)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), rec.layers["h2"].a.T)
    np.testing.assert_array_equal(np.asarray(fig.data[0].customdata), rec.layers["h2"].z.T)
    box = fig.layout.shapes[0]
    assert (box.x0, box.x1) == (6.5, 7.5)


def test_activation_boxes_are_the_batch_quartiles(run):
    rec = run.records[19]
    fig = activation_boxes_figure(run, rec)
    assert [t.name for t in fig.data] == run.layer_names[:-1]
    a = rec.layers["h2"].a
    box = fig.data[1]
    np.testing.assert_allclose(
        [box.q1[0], box.median[0], box.q3[0]], np.percentile(a, [25, 50, 75])
    )
    assert box.lowerfence[0] == a.min() and box.upperfence[0] == a.max()


def test_activation_stats_are_the_runs_metrics(run):
    fig = activation_stats_figure(run, 5)
    lines = [t for t in fig.data if t.xaxis == "x"]
    assert len(lines) == len(run.layer_names) - 1
    np.testing.assert_array_equal(np.asarray(lines[1].y), run.metric("act_mean")[:, 1])
    titles = [a.text for a in fig.layout.annotations]
    assert "saturated share" in titles and "dead ReLU share" not in titles
    sat = [t for t in fig.data if t.xaxis == "x3"]
    np.testing.assert_array_equal(np.asarray(sat[0].y), run.metric("saturated")[:, 0])


def test_relu_shows_dead_units_and_linear_neither():
    relu = train(Config(steps=10, activation="relu"))
    titles = [a.text for a in activation_stats_figure(relu).layout.annotations]
    assert "dead ReLU share" in titles and "saturated share" not in titles
    linear = train(Config(steps=10, activation="linear"))
    assert len(activation_stats_figure(linear).layout.annotations) == 2


def test_largest_network_figures_stay_small(big_run):
    assert not fits_graph(big_run.sizes)
    rec = big_run.records[big_run.recorded_steps[-1]]
    for fig in (
        layer_heatmap_figure(rec, "h64", 0),
        activation_boxes_figure(big_run, rec),
        activation_stats_figure(big_run, rec.step),
    ):
        assert len(fig.to_json()) < 2_000_000


def test_long_runs_are_thinned(run):
    long = train(Config(steps=1000, batch_size=8))
    fig = activation_stats_figure(long)
    x = np.asarray(fig.data[0].x)
    assert len(x) <= 400 and x[0] == 0 and x[-1] == 999
    np.testing.assert_array_equal(np.asarray(fig.data[0].y), long.metric("act_mean")[x, 0])
