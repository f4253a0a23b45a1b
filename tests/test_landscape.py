"""The loss landscape and optimizer-comparison helpers, checked against the engine itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine import Config, train
from engine.analysis.landscape import (
    GRID,
    SURFACE_WORK,
    comparison_frame,
    filter_normalized_directions,
    loss_surface,
    losses_at,
    median_update_ratio,
    optimizer_steps,
    pca_directions,
    plan_surface,
    project,
    start_loss,
    steps_to_target,
    subset,
    surface_for,
    trajectory,
    weight_history,
)
from ui.settings import config_from_params

SMALL = Config(samples=120, steps=60, width=5)
NAMES = ("sgd", "momentum", "rmsprop", "adam")
CONFIGS = {
    "default": SMALL,
    "residual_ln": SMALL.replace(residual=True, layer_norm=True, depth=3, activation="relu"),
    "spiral3": SMALL.replace(dataset="spiral3", loss="cross_entropy", output="softmax"),
    "sine_mse": SMALL.replace(dataset="sine", loss="mse", output="identity", depth=1),
}


def _runs(cfg: Config, names=NAMES, lr: float | None = None) -> dict:
    first = train(cfg.replace(optimizer=names[0], lr=lr or cfg.lr))
    init = first.records[0].params
    runs = {names[0]: first}
    for name in names[1:]:
        runs[name] = train(
            cfg.replace(optimizer=name, lr=lr or cfg.lr), data=first.data, initial_params=init
        )
    return runs


@pytest.fixture(scope="module")
def runs() -> dict:
    return _runs(SMALL)


def test_same_seed_gives_same_initial_weights_with_or_without_initial_params(runs):
    by_seed = train(SMALL.replace(optimizer="adamw"))
    for run in [*runs.values(), by_seed]:
        np.testing.assert_array_equal(
            run.records[0].params.flat, runs["sgd"].records[0].params.flat
        )
    assert not np.array_equal(runs["sgd"].final_params.flat, runs["adam"].final_params.flat)


def test_pca_directions_are_orthonormal_and_ordered(runs):
    center = runs["adam"].final_params.flat
    d1, d2, shares = pca_directions([trajectory(r)[1] for r in runs.values()], center)
    D = np.stack([d1, d2])
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-10)
    assert 1 >= shares[0] >= shares[1] > 0 and shares.sum() <= 1 + 1e-12


def test_pca_of_a_straight_path_fills_the_second_direction():
    center = np.zeros(6)
    line = np.outer(np.linspace(1, 3, 5), [1.0, 2, 0, 0, 0, 0])
    d1, d2, shares = pca_directions([line, np.full((1, 6), np.nan)], center)
    np.testing.assert_allclose(abs(d1 @ [1, 2, 0, 0, 0, 0]), np.sqrt(5), rtol=1e-12)
    assert abs(d1 @ d2) < 1e-12 and np.isclose(np.linalg.norm(d2), 1)
    np.testing.assert_allclose(shares, [1.0, 0.0])


def test_filter_normalised_directions_match_each_unit_norm(runs):
    params = runs["adam"].final_params
    dirs = filter_normalized_directions(params, np.random.default_rng(1))
    assert len(dirs) == 2 and not np.allclose(dirs[0], dirs[1])
    for d in dirs:
        wrapped = params.wrap(d)
        for name, W in params.items():
            if name.endswith(".W"):
                np.testing.assert_allclose(
                    np.linalg.norm(wrapped[name], axis=0), np.linalg.norm(W, axis=0), rtol=1e-12
                )
            else:
                assert not wrapped[name].any(), name


def test_projection_of_the_centre_is_the_origin_and_recovers_coordinates(runs):
    params = runs["adam"].final_params
    center = params.flat
    rng = np.random.default_rng(2)
    pca = pca_directions([trajectory(r)[1] for r in runs.values()], center)[:2]
    for d1, d2 in (pca, filter_normalized_directions(params, rng)):
        points = np.stack([center, center + 2 * d1 - 3 * d2, np.full_like(center, np.nan)])
        coords = project(points, center, d1, d2)
        np.testing.assert_allclose(coords[:2], [[0, 0], [2, -3]], atol=1e-9)
        assert np.isnan(coords[2]).all()


@pytest.mark.parametrize("name", CONFIGS)
def test_surface_matches_the_engine_loss(name):
    cfg = CONFIGS[name]
    run = train(cfg)
    net = run.network()
    idx = subset(len(run.data.X_train), 50)
    X, y = run.data.X_train[idx], run.data.y_train[idx]
    rng = np.random.default_rng(3)
    d1, d2 = filter_normalized_directions(net.params, rng)
    center = net.params.flat.copy()
    alphas, betas = np.array([-0.5, 0.0, 0.3]), np.array([0.0, 0.7])
    surface = loss_surface(net, center, d1, d2, alphas, betas, X, y, cfg.loss)
    assert surface.shape == (2, 3)
    assert surface[0, 1] == pytest.approx(net.evaluate(X, y, cfg.loss)[0], rel=1e-12)
    # An off-centre grid point: the engine's own network with those parameters.
    np.copyto(net.params.flat, center + 0.3 * d1 + 0.7 * d2)
    assert surface[1, 2] == pytest.approx(net.evaluate(X, y, cfg.loss)[0], rel=1e-10)


def test_losses_at_gives_nan_for_non_finite_parameters(runs):
    run = runs["adam"]
    good = run.final_params.flat
    values = losses_at(
        run.network(),
        np.stack([good, np.full_like(good, np.inf)]),
        run.data.X_train,
        run.data.y_train,
        "bce",
    )
    assert np.isfinite(values[0]) and np.isnan(values[1])


def test_surface_for_centres_the_chosen_solution_and_keeps_every_path(runs):
    rows = []
    surface = surface_for(runs, "adam", on_row=lambda done, total: rows.append((done, total)))
    assert surface.method == "pca" and surface.center_name == "adam"
    assert surface.loss.shape == (GRID, GRID) and rows[-1] == (GRID, GRID)
    paths = {p.name: p for p in surface.paths}
    assert set(paths) == set(NAMES)
    np.testing.assert_allclose(paths["adam"].coords[-1], [0, 0], atol=1e-9)
    start = {tuple(np.round(p.coords[0], 9)) for p in paths.values()}
    assert len(start) == 1  # one shared initialisation
    # The grid covers every path.
    for p in paths.values():
        assert (
            surface.alphas[0] < p.coords[:, 0].min() and p.coords[:, 0].max() < surface.alphas[-1]
        )
        assert surface.betas[0] < p.coords[:, 1].min() and p.coords[:, 1].max() < surface.betas[-1]
    # A path's loss is the real loss at its parameters, on the surface's samples.
    steps, params = trajectory(runs["sgd"])
    assert steps[-1] == runs["sgd"].steps_run and len(steps) == len(paths["sgd"].loss)
    idx = subset(len(runs["sgd"].data.X_train), surface.n_points)
    net = runs["sgd"].network(runs["sgd"].records[steps[3]].params)
    expected = net.evaluate(runs["sgd"].data.X_train[idx], runs["sgd"].data.y_train[idx], "bce")[0]
    assert paths["sgd"].loss[3] == pytest.approx(expected, rel=1e-12)


def test_surface_for_survives_divergence():
    cfg = Config(dataset="sine", loss="mse", output="identity", samples=100, steps=80)
    runs = _runs(cfg, ("sgd", "momentum", "adam"), lr=100.0)
    assert runs["sgd"].diverged and not runs["adam"].diverged
    surface = surface_for(runs, "sgd")
    assert surface.center_name == "adam"  # the chosen run diverged: centre on a healthy one
    assert np.isfinite(surface.loss).any()
    diverged = {k: v for k, v in runs.items() if v.diverged}
    fallback = surface_for(diverged, "sgd")
    assert fallback.center_name == "start" and fallback.method == "random"
    assert np.isfinite(fallback.loss).any()


def test_steps_to_target():
    loss = np.array([1.0, np.nan, 0.5, 0.2, 0.1, 0.3])
    assert steps_to_target(loss, 0.25) == 3
    assert steps_to_target(loss, 0.25, steps=np.arange(0, 60, 10)) == 30
    assert steps_to_target(loss, 1.0) == 0
    assert steps_to_target(loss, 0.05) is None
    assert steps_to_target(np.array([np.inf, np.nan]), 1.0) is None


def test_comparison_frame_and_start_loss(runs):
    start = start_loss(runs["sgd"])
    assert start == pytest.approx(start_loss(runs["adam"]))
    target = 0.9 * start
    frame = comparison_frame(runs, target).set_index("optimizer")
    assert list(frame.index) == list(NAMES)
    assert frame.loc["adam", "final loss"] == runs["adam"].train_loss[-1]
    for name, run in runs.items():
        reached = steps_to_target(run.train_loss, target, run.eval_steps)
        assert reached is None or run.train_loss[list(run.eval_steps).index(reached)] <= target
        got = frame.loc[name, "steps to target"]
        assert (pd.isna(got) and reached is None) or got == reached
    assert frame["steps to target"].notna().any() and frame["steps to target"].isna().any()
    assert frame["diverged at"].isna().all()


def test_median_update_ratio_and_weight_history(runs):
    run = runs["adam"]
    ratios = median_update_ratio(run)
    np.testing.assert_allclose(ratios, np.median(run.metric("update_ratio"), axis=0))
    hist = weight_history(run, "h1", 1, 2)
    step = run.recorded_steps[4]
    k = list(hist["step"]).index(step)
    layer = run.records[step].layers["h1"]
    assert hist["weight"][k] == layer.W[1, 2] and hist["grad"][k] == layer.dW[1, 2]
    assert hist["m"][k] == layer.state["m"][1, 2] and hist["v"][k] == layer.state["v"][1, 2]
    assert set(weight_history(runs["sgd"], "out", 0, 0)) == {"step", "weight", "grad"}


def test_plan_surface_stays_within_the_work_budget():
    assert plan_surface(105, 210) == (GRID, 210)
    grid, points = plan_surface(250_000, 1400)
    assert points * 250_000 * grid * grid <= SURFACE_WORK * 1.5 and grid >= 11 and points >= 64


def test_comparison_steps_shrink_only_runs_the_work_budget_limits():
    assert optimizer_steps(Config(), 5) == 300
    assert optimizer_steps(Config(steps=3000), 5) == 3000
    big = config_from_params({"depth": "64", "steps": "3000"})[0]
    assert big.steps < 3000  # the work budget already limits one run
    assert optimizer_steps(big, 5) == big.steps * 2 // 5
    assert optimizer_steps(big.replace(steps=10), 5) == 10
