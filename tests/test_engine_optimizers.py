"""Optimizer updates against the torch.optim formulas, written out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import OPTIMIZERS, Optimizer, make_optimizer
from engine.core.params import FlatDict

P0 = [1.0, -2.0, 0.5, 0.0, 0.3]
# Gradients of three steps, fixed so each step's arithmetic can be followed by hand.
GRADS = [
    [0.5, -1.0, 0.25, 2.0, -0.1],
    [0.4, 0.2, -0.3, 1.0, 0.0],
    [-0.2, 0.6, 0.1, -0.5, 0.05],
]
LR = 0.1


def flat_params(values: list[float]) -> FlatDict:
    """Parameters "w" (2, 2) and "b" (1,) as the engine's flat dict."""
    p = FlatDict.allocate({"w": (2, 2), "b": (1,)}, np.float64)
    p.flat[:] = values
    return p


def run_engine(opt: Optimizer, steps: int = 3) -> tuple[list[list[float]], list[dict]]:
    """Params after each step and a copy of the optimizer's per-parameter state."""
    p = flat_params(P0)
    history, states = [], []
    for g in GRADS[:steps]:
        grads = p.empty_like()
        grads.flat[:] = g
        opt.step(p, grads)
        history.append(p.flat.tolist())
        states.append({s: np.r_[v["w"].ravel(), v["b"]] for s, v in _by_state(opt).items()})
    return history, states


def _by_state(opt: Optimizer) -> dict[str, dict[str, np.ndarray]]:
    names = {s for per in opt.state.values() for s in per}
    return {s: {k: opt.state[k][s] for k in opt.state} for s in names}


def assert_close(actual, expected, tol=1e-12):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=tol, atol=tol)


# Each hand version below works element by element on Python floats, in the order of
# torch.optim's documented algorithm.


def hand_sgd(wd=0.0):
    p, out = list(P0), []
    for g in GRADS:
        p = [pi - LR * (gi + wd * pi) for pi, gi in zip(p, g, strict=True)]
        out.append(p)
    return out


def hand_momentum(mu=0.9, nesterov=False, wd=0.0):
    p, buf, out, bufs = list(P0), None, [], []
    for g in GRADS:
        g = [gi + wd * pi for pi, gi in zip(p, g, strict=True)]
        # torch: the buffer starts as the first gradient itself, then buf = mu * buf + g.
        buf = list(g) if buf is None else [mu * b + gi for b, gi in zip(buf, g, strict=True)]
        step = [gi + mu * b for gi, b in zip(g, buf, strict=True)] if nesterov else buf
        p = [pi - LR * s for pi, s in zip(p, step, strict=True)]
        out.append(p)
        bufs.append(buf)
    return out, bufs


def hand_rmsprop(alpha=0.99, eps=1e-8, wd=0.0):
    p, sq, out, sqs = list(P0), [0.0] * 5, [], []
    for g in GRADS:
        g = [gi + wd * pi for pi, gi in zip(p, g, strict=True)]
        sq = [alpha * s + (1 - alpha) * gi * gi for s, gi in zip(sq, g, strict=True)]
        # eps is added after the square root.
        p = [pi - LR * gi / (math.sqrt(s) + eps) for pi, gi, s in zip(p, g, sq, strict=True)]
        out.append(p)
        sqs.append(sq)
    return out, sqs


def hand_adam(b1=0.9, b2=0.999, eps=1e-8, wd=0.0, decoupled=False):
    p, m, v, out, ms, vs = list(P0), [0.0] * 5, [0.0] * 5, [], [], []
    for t, g in enumerate(GRADS, start=1):
        if decoupled:  # AdamW: shrink the weights first, the gradient is left alone
            p = [pi * (1 - LR * wd) for pi in p]
        else:  # Adam's weight_decay is an L2 term in the gradient
            g = [gi + wd * pi for pi, gi in zip(p, g, strict=True)]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g, strict=True)]
        step_size = LR / (1 - b1**t)
        # torch: denom = sqrt(v) / sqrt(1 - b2^t) + eps, eps after the bias correction.
        p = [
            pi - step_size * mi / (math.sqrt(vi) / math.sqrt(1 - b2**t) + eps)
            for pi, mi, vi in zip(p, m, v, strict=True)
        ]
        out.append(p)
        ms.append(m)
        vs.append(v)
    return out, ms, vs


def test_sgd_first_step_by_numbers():
    history, states = run_engine(make_optimizer("sgd", lr=LR))
    # p1 = p0 - 0.1 g1: 1 - 0.05, -2 + 0.1, 0.5 - 0.025, 0 - 0.2, 0.3 + 0.01.
    assert_close(history[0], [0.95, -1.9, 0.475, -0.2, 0.31])
    assert_close(history, hand_sgd())
    assert states[0] == {}


def test_sgd_with_l2_weight_decay():
    history, _ = run_engine(make_optimizer("sgd", lr=LR, weight_decay=0.1))
    # p1 = p0 - 0.1 (g1 + 0.1 p0): the first entry is 1 - 0.1 * (0.5 + 0.1) = 0.94.
    assert history[0][0] == pytest.approx(0.94, abs=1e-15)
    assert_close(history, hand_sgd(wd=0.1))


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_momentum(wd):
    history, states = run_engine(make_optimizer("momentum", lr=LR, weight_decay=wd))
    expected, bufs = hand_momentum(wd=wd)
    assert_close(history, expected)
    assert_close([s["velocity"] for s in states], bufs)
    if wd == 0:
        # Step 1 is plain SGD (buf = g1); step 2 uses buf = 0.9 g1 + g2 = 0.85 for entry 0.
        assert history[0][0] == pytest.approx(0.95, abs=1e-15)
        assert history[1][0] == pytest.approx(0.95 - 0.1 * 0.85, abs=1e-15)


def test_nesterov():
    history, states = run_engine(make_optimizer("nesterov", lr=LR))
    expected, bufs = hand_momentum(nesterov=True)
    assert_close(history, expected)
    assert_close([s["velocity"] for s in states], bufs)
    # Step 1: buf = g1, step = g1 + 0.9 g1 = 1.9 g1, so entry 0 moves by 0.1 * 0.95.
    assert history[0][0] == pytest.approx(1.0 - 0.095, abs=1e-15)


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_rmsprop(wd):
    history, states = run_engine(make_optimizer("rmsprop", lr=LR, weight_decay=wd))
    expected, sqs = hand_rmsprop(wd=wd)
    assert_close(history, expected)
    assert_close([s["square_avg"] for s in states], sqs)
    if wd == 0:
        # Step 1: sq = 0.01 g^2 and sqrt(sq) = 0.1 |g|, so entry 0 (g = 0.5) moves by
        # 0.1 * 0.5 / (0.05 + 1e-8): almost exactly lr / 0.1 = 1, whatever the gradient's size.
        assert history[0][0] == pytest.approx(1.0 - 0.05 / (0.05 + 1e-8), abs=1e-15)


@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_adam(wd):
    history, states = run_engine(make_optimizer("adam", lr=LR, weight_decay=wd))
    expected, ms, vs = hand_adam(wd=wd)
    assert_close(history, expected)
    assert_close([s["m"] for s in states], ms)
    assert_close([s["v"] for s in states], vs)
    if wd == 0:
        # Bias correction makes the first step lr * g / |g|: every entry moves by lr.
        assert_close(history[0], [0.9, -1.9, 0.4, -0.1, 0.4], tol=1e-7)


@pytest.mark.parametrize("wd", [None, 0.1])
def test_adamw(wd):
    history, states = run_engine(make_optimizer("adamw", lr=LR, weight_decay=wd))
    expected, ms, vs = hand_adam(wd=0.01 if wd is None else wd, decoupled=True)
    assert_close(history, expected)
    assert_close([s["m"] for s in states], ms)
    assert_close([s["v"] for s in states], vs)


def test_adamw_decay_differs_from_adam_l2():
    adamw, _ = run_engine(make_optimizer("adamw", lr=LR, weight_decay=0.1))
    adam_l2, _ = run_engine(make_optimizer("adam", lr=LR, weight_decay=0.1))
    assert not np.allclose(adamw, adam_l2)


def test_defaults_are_torchs():
    assert make_optimizer("momentum").momentum == 0.9
    nesterov = make_optimizer("nesterov")
    assert nesterov.nesterov and nesterov.momentum == 0.9
    assert make_optimizer("rmsprop").alpha == 0.99
    adam = make_optimizer("adam")
    assert adam.betas == (0.9, 0.999) and adam.eps == 1e-8 and adam.weight_decay == 0.0
    assert make_optimizer("adamw").weight_decay == 0.01
    assert make_optimizer("sgd").momentum == 0.0


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_learning_rates_are_refused(lr):
    with pytest.raises(ValueError, match="learning rate"):
        make_optimizer("sgd", lr=lr)


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="unknown optimizer"):
        make_optimizer("lbfgs")
    with pytest.raises(ValueError, match="Nesterov"):
        Optimizer("sgd", 0.1, nesterov=True)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_plain_dict_path_matches_flat_path(name):
    flat_history, flat_states = run_engine(make_optimizer(name, lr=LR))
    opt = make_optimizer(name, lr=LR)
    w = np.array(P0[:4]).reshape(2, 2)
    b = np.array(P0[4:])
    params = {"w": w, "b": b}
    for t, g in enumerate(GRADS):
        grads = {"w": np.array(g[:4]).reshape(2, 2), "b": np.array(g[4:])}
        opt.step(params, grads)
        # Updated in place: the caller's arrays hold the new values.
        assert params["w"] is w and params["b"] is b
        assert_close(np.r_[w.ravel(), b], flat_history[t], tol=1e-15)
        for s, value in flat_states[t].items():
            assert_close(np.r_[opt.state["w"][s].ravel(), opt.state["b"][s]], value, tol=1e-15)
    assert opt.t == len(GRADS)


def test_plain_dict_path_restarts_for_other_parameters():
    opt = make_optimizer("adam", lr=LR)
    opt.step({"a": np.ones(3)}, {"a": np.ones(3)})
    opt.step({"a": np.ones(3)}, {"a": np.ones(3)})
    other = {"w": np.array([1.0, -2.0])}
    opt.step(other, {"w": np.array([0.5, -0.001])})
    # A first Adam step again: every entry moves by lr, whatever its gradient's size.
    assert opt.t == 1 and set(opt.state) == {"w"}
    np.testing.assert_allclose(other["w"], [0.9, -1.9], atol=1e-6)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_update_is_a_new_array_the_next_step_leaves_alone(name):
    """Records keep each step's update, so a step must not reuse an earlier one's array."""
    opt = make_optimizer(name, lr=LR, weight_decay=0.01)
    p = flat_params(P0)
    updates = []
    for g in GRADS:
        before = p.flat.copy()
        grads = p.empty_like()
        grads.flat[:] = g
        opt.step(p, grads)
        np.testing.assert_array_equal(before - opt.last_update, p.flat)
        updates.append((opt.last_update, opt.last_update.copy()))
    for upd, value in updates:
        np.testing.assert_array_equal(upd, value)
        assert not any(np.shares_memory(upd, s) for s in opt.flat_state.values())


def test_state_is_a_live_view_of_the_flat_state():
    opt = make_optimizer("adam", lr=LR)
    run_engine(opt, steps=1)
    assert set(opt.flat_state) == {"m", "v"}
    assert np.shares_memory(opt.state["w"]["m"], opt.flat_state["m"])
    np.testing.assert_array_equal(opt.state["b"]["v"], opt.flat_state["v"][4:])
    assert opt.last_update is not None and opt.last_update.shape == (5,)


TORCH_CASES = [
    ("sgd", None, "SGD", {}),
    ("sgd", 0.01, "SGD", {"weight_decay": 0.01}),
    ("momentum", None, "SGD", {"momentum": 0.9}),
    ("momentum", 0.01, "SGD", {"momentum": 0.9, "weight_decay": 0.01}),
    ("nesterov", None, "SGD", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", None, "RMSprop", {}),
    ("rmsprop", 0.01, "RMSprop", {"weight_decay": 0.01}),
    ("adam", None, "Adam", {}),
    ("adam", 0.01, "Adam", {"weight_decay": 0.01}),
    ("adamw", None, "AdamW", {}),
    ("adamw", 0.1, "AdamW", {"weight_decay": 0.1}),
]


@pytest.mark.parametrize(("name", "wd", "torch_name", "kw"), TORCH_CASES)
def test_five_steps_match_torch_optim(name, wd, torch_name, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    shapes = {"w": (3, 4), "b": (4,)}
    start = {k: rng.normal(size=s) for k, s in shapes.items()}
    curvature = {k: rng.uniform(0.5, 2.0, s) for k, s in shapes.items()}
    noise = [{k: rng.normal(0, 0.1, s) for k, s in shapes.items()} for _ in range(5)]

    def grad(values, t):
        # Gradient of sum(c p^2 / 2) plus noise: depends on the current parameters.
        return {k: curvature[k] * values[k] + noise[t][k] for k in shapes}

    params = FlatDict.allocate(shapes, np.float64)
    for k in shapes:
        params[k] = start[k]
    opt = make_optimizer(name, lr=0.05, weight_decay=wd)
    tparams = {k: torch.tensor(start[k], dtype=torch.float64, requires_grad=True) for k in shapes}
    topt = getattr(torch.optim, torch_name)(list(tparams.values()), lr=0.05, **kw)
    for t in range(5):
        g = grad(params, t)
        grads = params.empty_like()
        for k in shapes:
            grads[k] = g[k]
        opt.step(params, grads)
        tg = grad({k: v.detach().numpy() for k, v in tparams.items()}, t)
        for k, v in tparams.items():
            v.grad = torch.tensor(tg[k])
        topt.step()
        for k, v in tparams.items():
            np.testing.assert_allclose(params[k], v.detach().numpy(), rtol=1e-12, atol=1e-14)
    torch_state = {
        "velocity": "momentum_buffer",
        "square_avg": "square_avg",
        "m": "exp_avg",
        "v": "exp_avg_sq",
    }
    for k, v in tparams.items():
        for s, value in opt.state[k].items():
            expected = topt.state[v][torch_state[s]].numpy()
            np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-14)
