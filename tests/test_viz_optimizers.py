"""The Optimizers page's figures show the engine's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine import Config, train
from engine.analysis.landscape import comparison_frame, median_update_ratio, surface_for
from viz.optimizers import (
    LABELS,
    UPDATE_GUIDE,
    loss_curves_figure,
    state_figure,
    surface_figure,
    target_table,
    update_ratio_figure,
)
from viz.style import SERIES

SMALL = Config(samples=120, steps=60, width=5)
NAMES = ("sgd", "momentum", "rmsprop", "adam")


def _runs(cfg: Config, names=NAMES) -> dict:
    first = train(cfg.replace(optimizer=names[0]))
    runs = {names[0]: first}
    for name in names[1:]:
        runs[name] = train(
            cfg.replace(optimizer=name), data=first.data, initial_params=first.records[0].params
        )
    return runs


@pytest.fixture(scope="module")
def runs() -> dict:
    return _runs(SMALL)


@pytest.fixture(scope="module")
def diverged_runs() -> dict:
    cfg = Config(dataset="sine", loss="mse", output="identity", samples=100, steps=80, lr=100.0)
    return _runs(cfg, ("sgd", "adam"))


def _trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


def test_loss_curves_show_each_training_loss(runs):
    fig = loss_curves_figure(runs, log_y=True, target=0.3)
    for name, run in runs.items():
        trace = _trace(fig, LABELS[name])
        np.testing.assert_array_equal(trace.x, run.eval_steps)
        np.testing.assert_allclose(trace.y, run.train_loss)
        assert trace.line.color == SERIES[name]
    assert fig.layout.yaxis.type == "log"
    assert [s.y0 for s in fig.layout.shapes] == [0.3]
    assert loss_curves_figure(runs, log_y=False).layout.yaxis.type == "linear"


def test_loss_curves_mark_divergence(diverged_runs):
    fig = loss_curves_figure(diverged_runs)
    marker = _trace(fig, "SGD diverged")
    assert list(marker.x) == [diverged_runs["sgd"].diverged_at]
    loss = diverged_runs["sgd"].train_loss
    shown = np.asarray(_trace(fig, "SGD").y, dtype=float)
    np.testing.assert_allclose(shown, np.where(np.isfinite(loss), loss, np.nan))
    assert not np.isinf(shown).any()


def test_target_table_says_not_reached(runs):
    frame = comparison_frame(runs, 0.9 * runs["adam"].train_loss[0])
    table = target_table(frame)
    assert list(table["optimizer"]) == [LABELS[n] for n in NAMES]
    for shown, value in zip(table["steps to reach target"], frame["steps to target"], strict=True):
        assert shown == ("not reached" if pd.isna(value) else str(int(value)))
    assert "not reached" in set(table["steps to reach target"])
    assert table["final training loss"][0] == f"{runs['sgd'].train_loss[-1]:.4g}"
    assert "diverged at step" not in table  # only shown when something diverged


def test_target_table_names_the_divergence_step(diverged_runs):
    table = target_table(comparison_frame(diverged_runs, 0.1)).set_index("optimizer")
    assert table.loc["SGD", "diverged at step"] == str(diverged_runs["sgd"].diverged_at)
    assert table.loc["Adam", "diverged at step"] == ""


def test_update_ratio_figure_shows_medians_on_a_log_axis(runs):
    fig = update_ratio_figure(runs)
    for name, run in runs.items():
        trace = _trace(fig, LABELS[name])
        assert list(trace.x) == run.layer_names
        np.testing.assert_allclose(trace.y, median_update_ratio(run))
    assert fig.layout.yaxis.type == "log"
    assert [s.y0 for s in fig.layout.shapes] == [UPDATE_GUIDE]


def test_state_figure_shows_the_recorded_state(runs):
    fig = state_figure(runs, "h1", 1, 3)
    by_key = {}
    for t in fig.data:
        key = t.hovertemplate.split("<br>")[2].split(" ")[0]
        by_key[(t.legendgroup, key)] = t
    adam, momentum = runs["adam"], runs["momentum"]
    steps = adam.recorded_steps
    np.testing.assert_array_equal(by_key[("adam", "weight")].x, steps)
    np.testing.assert_allclose(
        by_key[("adam", "weight")].y, [adam.records[s].layers["h1"].W[1, 3] for s in steps]
    )
    np.testing.assert_allclose(
        by_key[("adam", "v")].y, [adam.records[s].layers["h1"].state["v"][1, 3] for s in steps]
    )
    np.testing.assert_allclose(
        by_key[("momentum", "velocity")].y,
        [momentum.records[s].layers["h1"].state["velocity"][1, 3] for s in steps],
    )
    assert not [k for k in by_key if k[0] == "sgd" and k[1] not in ("weight", "grad")]


def test_surface_figure_draws_the_surface_and_every_path(runs):
    surface = surface_for(runs, "adam")
    fig = surface_figure(surface)
    contour = fig.data[0]
    np.testing.assert_allclose(contour.z, np.log10(surface.loss))
    np.testing.assert_allclose(contour.customdata, surface.loss)
    for path in surface.paths:
        trace = _trace(fig, LABELS[path.name])
        np.testing.assert_allclose(trace.x, path.coords[:, 0])
        np.testing.assert_allclose(trace.y, path.coords[:, 1])
        np.testing.assert_allclose(trace.customdata[:, 1].astype(float), path.loss)
    end = next(t for t in fig.data if t.name == "Adam end")
    np.testing.assert_allclose([end.x[0], end.y[0]], [0, 0], atol=1e-9)
    assert tuple(fig.layout.xaxis.range) == (surface.alphas[0], surface.alphas[-1])
    assert "PCA" in fig.layout.title.text and "%" in fig.layout.xaxis.title.text
    assert len(fig.to_json()) < 2_000_000


def test_surface_figure_skips_what_diverged(diverged_runs):
    surface = surface_for(diverged_runs, "sgd")
    fig = surface_figure(surface)
    sgd = _trace(fig, "SGD")
    assert np.isfinite(np.asarray(sgd.x, dtype=float)).all()
    assert next(t for t in fig.data if t.name == "SGD end").marker.symbol == "x"
    assert "Adam" in fig.layout.title.text  # the chosen run diverged: centred on Adam
