"""The reference layers against finite differences, and the Network pinned to the reference."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine import ACTIVATIONS
from engine.core import layers as L
from tests.test_engine_gradcheck import ARCHITECTURES, PAIRS, build, targets

K = 3
REL = 1e-12  # Network vs reference: the same maths, so only rounding may differ


def numeric(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f(x) / dx by central differences, for a scalar f."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        plus = f()
        x[idx] = old - eps
        minus = f()
        x[idx] = old
        g[idx] = (plus - minus) / (2 * eps)
    return g


def close(a: np.ndarray, b: np.ndarray, tol: float = 1e-7) -> None:
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


RNG = np.random.default_rng(11)
H, W, B = RNG.normal(size=(5, 4)), RNG.normal(size=(4, 3)), RNG.normal(size=3)
UP = RNG.normal(size=(5, 3))  # a fixed upstream gradient dL/dout: L = sum(out * UP)


def test_affine_backward_matches_finite_differences():
    z, cache = L.affine_forward(H, W, B)
    assert z.shape == (5, 3)
    dh, dW, db = L.affine_backward(UP, cache)

    def loss() -> float:
        return float((L.affine_forward(H, W, B)[0] * UP).sum())

    close(dh, numeric(loss, H))
    close(dW, numeric(loss, W))
    close(db, numeric(loss, B))


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name):
    z = RNG.normal(size=(5, 3)) + 0.05  # away from relu's kink at 0
    _, cache = L.activation_forward(z, name)
    dz = L.activation_backward(UP, cache)
    close(dz, numeric(lambda: float((L.activation_forward(z, name)[0] * UP).sum()), z))


def test_layer_norm_backward_matches_finite_differences():
    z = RNG.normal(size=(5, 3)) * 3 + 1
    gamma, beta = RNG.normal(size=3), RNG.normal(size=3)
    zn, cache = L.layer_norm_forward(z, gamma, beta)
    np.testing.assert_allclose(((zn - beta) / gamma).mean(axis=1), 0, atol=1e-12)
    dz, dgamma, dbeta = L.layer_norm_backward(UP, cache)

    def loss() -> float:
        return float((L.layer_norm_forward(z, gamma, beta)[0] * UP).sum())

    close(dz, numeric(loss, z))
    close(dgamma, numeric(loss, gamma))
    close(dbeta, numeric(loss, beta))


def test_dropout_and_residual_pass_gradients_as_their_forward_passes_values():
    a = RNG.normal(size=(5, 3))
    mask = (RNG.random((5, 3)) < 0.8) / 0.8
    out, cache = L.dropout_forward(a, mask)
    np.testing.assert_array_equal(out, a * mask)
    np.testing.assert_array_equal(L.dropout_backward(UP, cache), UP * mask)
    assert L.dropout_backward(UP, L.dropout_forward(a, None)[1]) is UP
    h = RNG.normal(size=(5, 3))
    np.testing.assert_array_equal(L.residual_forward(h, a)[0], h + a)
    dh, da = L.residual_backward(UP, None)
    np.testing.assert_array_equal(dh, UP)
    np.testing.assert_array_equal(da, UP)


@pytest.mark.parametrize(("loss", "output", "kind"), PAIRS)
def test_output_loss_backward_matches_finite_differences(loss, output, kind):
    logits = RNG.normal(size=(5, K))
    Y = targets(kind, 5, K, np.random.default_rng(2))
    if Y.ndim == 1:
        Y = np.eye(K)[Y]
    _, _, cache = L.output_loss_forward(logits, Y, output, loss)
    d = L.output_loss_backward(cache)
    close(d, numeric(lambda: L.output_loss_forward(logits, Y, output, loss)[0], logits))


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_network_equals_the_reference_pass_on_the_whole_matrix(activation):
    """Network.loss_and_grads (the path the app trains with) against the layers.py pass:
    every loss/output pair x residual x LayerNorm x dropout x architecture, float64."""
    rng = np.random.default_rng(5)
    grid = itertools.product(PAIRS, (False, True), (False, True), (0.0, 0.4), ARCHITECTURES)
    for (loss, output, kind), residual, layer_norm, dropout, arch in grid:
        net = build(ARCHITECTURES[arch], activation, output, residual, layer_norm, 0, dropout)
        X = rng.normal(size=(6, net.sizes[0]))
        Y = targets(kind, 6, K, rng)
        masks = net.sample_masks(6)
        value, grads = net.loss_and_grads(X, Y, loss, masks=masks)
        ref_value, ref = L.reference_loss_and_grads(net, net.params, X, net.targets(Y), loss, masks)
        case = f"{loss}-{output} res={residual} ln={layer_norm} p={dropout} {arch}"
        assert value == pytest.approx(ref_value, rel=REL), case
        assert list(ref) == list(grads) or set(ref) == set(grads), case
        for name, g in grads.items():
            scale = max(float(np.abs(ref[name]).max()), 1e-300)
            err = float(np.abs(g - ref[name]).max()) / scale
            assert err <= REL, f"{case}: {name} differs by {err:.1e} relative"


def test_reference_pass_runs_a_stack_of_networks_at_once():
    """A leading axis of parameter vectors (as the loss surface uses) gives each net's logits."""
    net = build([3, 4, 4], "tanh", "identity", True, True)
    X = np.random.default_rng(0).normal(size=(6, 3))
    second = {k: v * 1.5 for k, v in net.params.items()}
    stacked = {
        k: np.stack([v, second[k]]) if v.ndim == 2 else np.stack([v, second[k]])[:, None, :]
        for k, v in net.params.items()
    }
    logits, _, _ = L.reference_forward(net, stacked, X[None], [None] * net.depth)
    for k, params in enumerate((net.params, second)):
        alone, _, _ = L.reference_forward(net, params, X, [None] * net.depth)
        np.testing.assert_allclose(logits[k], alone, rtol=1e-13)
