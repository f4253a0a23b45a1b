"""Overview figures and the prediction grid show exactly the engine's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.grid import animation_steps, grid_for, max_frames, predictions_on_grid
from tests.apptest_utils import decode
from ui.settings import config_from_params
from viz.network_graph import EDGE_BINS, edge_bins, fits_graph, node_positions
from viz.overview import boundary_figure, loss_figure, network_diagram

RES = 12


@pytest.fixture(scope="module")
def binary_run():
    return train(Config(steps=20))


@pytest.fixture(scope="module")
def spiral_run():
    cfg, _ = config_from_params({"dataset": "spiral3", "steps": "20"})
    return train(cfg)


@pytest.fixture(scope="module")
def sine_run():
    cfg, _ = config_from_params({"dataset": "sine", "steps": "20"})
    return train(cfg)


@pytest.fixture(scope="module")
def big_run():
    cfg, _ = config_from_params({"depth": "64", "width": "256", "steps": "3"})
    return train(cfg)


def test_grid_covers_data_in_row_order(binary_run):
    xs, ys, points = grid_for(binary_run.data, RES)
    X = binary_run.data.X
    assert xs[0] < X[:, 0].min() and xs[-1] > X[:, 0].max()
    assert ys[0] < X[:, 1].min() and ys[-1] > X[:, 1].max()
    assert points.shape == (RES * RES, 2)
    i, j = 3, 7
    np.testing.assert_array_equal(points[i * RES + j], [xs[j], ys[i]])


def test_grid_predictions_use_the_weights_of_each_step(binary_run):
    steps = [0, 10, 19]
    preds = predictions_on_grid(binary_run, steps, RES)
    assert preds.shape == (3, RES, RES)
    _, _, points = grid_for(binary_run.data, RES)
    for k, s in enumerate(steps):
        net = binary_run.network(binary_run.records[s].params)
        expected = net.predict(points)[:, 0].reshape(RES, RES)
        np.testing.assert_array_equal(preds[k], expected)
    assert not np.allclose(preds[0], preds[-1])


def test_multiclass_grid_keeps_a_class_axis(spiral_run):
    preds = predictions_on_grid(spiral_run, [0, 19], RES)
    assert preds.shape == (2, RES, RES, 3)
    np.testing.assert_allclose(preds.sum(axis=-1), 1.0)


def test_animation_steps_are_spread_and_keep_first_last_chosen():
    recorded = list(range(0, 300, 2))
    steps = animation_steps(recorded, 58, 40)
    assert len(steps) <= 40
    assert steps[0] == 0 and steps[-1] == 298 and 58 in steps
    assert set(steps) <= set(recorded)
    gaps = np.diff(steps)
    assert gaps.max() <= 2 * gaps.min() + 4
    assert animation_steps([0, 1, 2], 1, 40) == [0, 1, 2]


def test_frame_budget_shrinks_for_large_networks(binary_run, big_run):
    assert max_frames(binary_run, 40) == 40
    assert 2 <= max_frames(big_run, 40) < 10


def test_binary_boundary_values_frames_and_slider(binary_run):
    steps = animation_steps(binary_run.recorded_steps, 10, 8)
    preds = predictions_on_grid(binary_run, steps, RES)
    fig = boundary_figure(binary_run, steps, preds, chosen=10)
    start = steps.index(10)
    np.testing.assert_allclose(np.asarray(fig.data[0].z), preds[start], rtol=1e-6)
    frames = fig.to_dict()["frames"]
    assert len(frames) == len(steps) <= 8
    for k, frame in enumerate(frames):
        assert frame["name"] == str(steps[k])
        np.testing.assert_allclose(decode(frame["data"][0]["z"]), preds[k], rtol=1e-6)
    assert fig.layout.sliders[0].active == start
    xs, ys, _ = grid_for(binary_run.data, RES)
    assert tuple(fig.layout.xaxis.range) == (xs[0], xs[-1])
    assert tuple(fig.layout.yaxis.range) == (ys[0], ys[-1])
    assert fig.data[0].contours.start == fig.data[0].contours.end == 0.5
    class1 = next(t for t in fig.data if t.name == "class 1 (train)")
    X, y = binary_run.data.X_train, binary_run.data.y_train
    np.testing.assert_array_equal(np.asarray(class1.x), X[y == 1, 0])


def test_multiclass_regions_are_the_argmax(spiral_run):
    steps = [0, 19]
    preds = predictions_on_grid(spiral_run, steps, RES)
    fig = boundary_figure(spiral_run, steps, preds, chosen=19)
    np.testing.assert_array_equal(np.asarray(fig.data[0].z), preds[1].argmax(axis=-1))
    np.testing.assert_allclose(np.asarray(fig.data[0].customdata), preds[1].max(axis=-1), 1e-6)
    assert {t.name for t in fig.data[1:]} >= {f"class {k} (train)" for k in range(3)}


def test_regression_heatmap_and_points_share_one_colour_scale(sine_run):
    preds = predictions_on_grid(sine_run, [0, 19], RES)
    fig = boundary_figure(sine_run, [0, 19], preds, chosen=0)
    np.testing.assert_allclose(np.asarray(fig.data[0].z), preds[0], rtol=1e-6)
    train_points = fig.data[1]
    np.testing.assert_array_equal(np.asarray(train_points.marker.color), sine_run.data.y_train)
    assert fig.data[0].coloraxis == train_points.marker.coloraxis == "coloraxis"
    assert fig.layout.coloraxis.cmin == -fig.layout.coloraxis.cmax


def test_loss_curve_is_the_runs_loss(binary_run):
    fig = loss_figure(binary_run, 10)
    np.testing.assert_array_equal(np.asarray(fig.data[0].y), binary_run.loss)
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_array_equal(np.asarray(by_name["train loss"].y), binary_run.train_loss)
    np.testing.assert_array_equal(np.asarray(by_name["test loss"].x), binary_run.eval_steps)
    np.testing.assert_array_equal(np.asarray(by_name["test loss"].y), binary_run.test_loss)
    marker = by_name["step 10: batch loss"]
    assert list(marker.x) == [10] and list(marker.y) == [binary_run.loss[10]]


def test_diverged_loss_curve_drops_the_infinite_value():
    params = {"dataset": "sine", "lr": "100", "optimizer": "sgd", "steps": "200", "depth": "4"}
    cfg, _ = config_from_params(params)
    with np.errstate(all="ignore"):
        run = train(cfg)
    assert run.diverged_at is not None
    fig = loss_figure(run, run.recorded_steps[-1])
    y = np.asarray(fig.data[0].y, dtype=float)
    assert len(y) == run.steps_run
    assert not np.isinf(y).any()
    fig.to_json()


def test_network_diagram_edges_are_the_steps_weights(binary_run):
    fig = network_diagram(binary_run, 10)
    hover = next(t for t in fig.data if t.name == "weights")
    rec = binary_run.records[10]
    expected = np.concatenate([rec.layers[n].W.reshape(-1) for n in binary_run.layer_names])
    np.testing.assert_array_equal(np.asarray(hover.marker.color), expected)
    assert hover.text[0] == "h1.W[0, 0] (x unit 0 → h1 unit 0)"


@pytest.mark.parametrize("sizes", [[2, 8, 8, 1], [2, 1, 1], [3, 16, 5, 3]])
def test_every_edge_is_drawn_once_in_the_bin_of_its_weight(sizes):
    rng = np.random.default_rng(len(sizes))
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes, sizes[1:], strict=False)]
    weights[0][0, 0] = 0.0  # a zero weight goes to the first positive bin
    w_max = max(float(np.max(np.abs(W))) for W in weights)
    pos = node_positions(sizes)
    traces = edge_bins(weights, pos, w_max)
    assert len(traces) == 2 * EDGE_BINS
    drawn = {}
    for b, trace in enumerate(traces):
        xs, ys = trace["x"], trace["y"]
        assert xs[2::3] == ys[2::3] == [None] * (len(xs) // 3)  # a gap after every segment
        for x0, y0, x1, y1 in zip(xs[0::3], ys[0::3], xs[1::3], ys[1::3], strict=True):
            drawn[(x0, y0, x1, y1)] = b
    expected = {}
    for layer, W in enumerate(weights):
        for (i, j), w in np.ndenumerate(W):
            rel = w / w_max
            k = max(0, int(np.ceil(abs(rel) * EDGE_BINS)) - 1)
            key = (*pos[layer][i].tolist(), *pos[layer + 1][j].tolist())
            expected[key] = k if rel >= 0 else EDGE_BINS + k
    assert drawn == expected


def test_largest_network_figures_stay_small(big_run):
    assert not fits_graph(big_run.sizes)
    step = big_run.recorded_steps[-1]
    steps = animation_steps(big_run.recorded_steps, step, max_frames(big_run, 40))
    preds = predictions_on_grid(big_run, steps, 40)
    for fig in (
        boundary_figure(big_run, steps, preds, step),
        loss_figure(big_run, step),
        network_diagram(big_run, step),
    ):
        assert len(fig.to_json()) < 2_000_000


def test_full_animation_stays_small():
    cfg, _ = config_from_params({"dataset": "spiral3", "steps": "100"})
    run = train(cfg)
    steps = animation_steps(run.recorded_steps, 50, max_frames(run, 40))
    assert len(steps) == 40
    preds = predictions_on_grid(run, steps, 40)
    assert len(boundary_figure(run, steps, preds, 50).to_json()) < 1_000_000
