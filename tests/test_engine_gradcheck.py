"""Analytic gradients against central finite differences, for every network the engine builds."""

from __future__ import annotations

import numpy as np
import pytest

from engine import ACTIVATIONS, Network, gradcheck
from engine.core.gradcheck import numerical_grad, relative_error

TOL = 1e-6
# Step of the central difference: its truncation error is O(EPS^2) and its rounding error
# O(1e-16 / EPS); 1e-5 balances them, leaving errors near 1e-8 for every case below.
EPS = 1e-5
K = 3  # output units

# (loss, output, kind of target)
PAIRS = [
    ("mse", "identity", "real"),
    ("mse", "sigmoid", "unit"),
    ("mse", "softmax", "simplex"),
    ("bce", "sigmoid", "binary"),
    ("cross_entropy", "softmax", "labels"),
    ("cross_entropy", "softmax", "one_hot"),
    ("cosine", "identity", "real"),
    ("cosine", "softmax", "positive"),
]

# Hidden sizes (inputs first, outputs appended): residual applies to equal-width layers only.
ARCHITECTURES = {
    "3-4-4": [3, 4, 4],  # layer 1 changes width, layer 2 is residual
    "2-5-5-5": [2, 5, 5, 5],  # layers 2 and 3 residual
    "depth1": [4, 4],  # one hidden layer, residual from the input itself
    "widths_differ": [3, 4, 6, 5],  # residual=True has no layer to apply to
}


def targets(kind: str, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Random targets of the kind a loss/output pair expects."""
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "unit":
        return rng.uniform(0.05, 0.95, (n, k))
    if kind == "simplex":
        return rng.dirichlet(np.ones(k), n)
    if kind == "binary":
        return rng.integers(0, 2, (n, k)).astype(float)
    if kind == "labels":
        return rng.permutation(np.arange(n) % k)
    if kind == "one_hot":
        return np.eye(k)[rng.permutation(np.arange(n) % k)]
    return rng.uniform(0.1, 1.0, (n, k))  # positive


def randomise(net: Network, rng: np.random.Generator) -> None:
    """Nonzero biases, and LayerNorm gain and shift away from their 1 and 0 at init.

    With zero biases a layer whose ReLUs are all off outputs exactly 0, so the next layer's
    z is exactly 0: there the central difference of ReLU is (eps - 0) / (2 eps) = 1/2 while
    the derivative is defined as 0, and a correct gradient would fail the check. Random
    biases keep every z away from the kink; random gamma and beta test their gradients at a
    general point instead of the identity.
    """
    for name, value in net.params.items():
        if name.endswith(".b") or name.endswith(".beta"):
            net.params[name] = rng.normal(0.0, 0.5, value.shape)
        elif name.endswith(".gamma"):
            net.params[name] = 1.0 + rng.normal(0.0, 0.3, value.shape)


def build(
    hidden: list[int],
    activation: str,
    output: str,
    residual: bool,
    layer_norm: bool,
    seed: int = 0,
    dropout: float = 0.0,
    dtype=np.float64,
) -> Network:
    net = Network(
        hidden + [K],
        activation=activation,
        output=output,
        residual=residual,
        layer_norm=layer_norm,
        dropout=dropout,
        init="xavier_normal",
        seed=seed,
        dtype=dtype,
    )
    randomise(net, np.random.default_rng(seed + 100))
    return net


def max_error(errors: dict[str, float]) -> tuple[str, float]:
    name = max(errors, key=errors.get)
    return name, errors[name]


@pytest.mark.parametrize("layer_norm", [False, True], ids=["plain", "ln"])
@pytest.mark.parametrize("residual", [False, True], ids=["nores", "res"])
@pytest.mark.parametrize(
    ("loss", "output", "kind"), PAIRS, ids=[f"{p[0]}-{p[1]}-{p[2]}" for p in PAIRS]
)
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_gradients_match_finite_differences(activation, loss, output, kind, residual, layer_norm):
    rng = np.random.default_rng(7)
    for arch, hidden in ARCHITECTURES.items():
        net = build(hidden, activation, output, residual, layer_norm)
        if arch == "widths_differ":
            assert not any(net.is_residual(i) for i in range(1, net.depth + 1))
        if residual and arch == "depth1":
            assert net.is_residual(1)
        X = rng.normal(size=(6, hidden[0]))
        Y = targets(kind, 6, K, rng)
        name, err = max_error(gradcheck(net, X, Y, loss, eps=EPS))
        assert err < TOL, f"{arch}: {name} relative error {err:.2e}"


@pytest.mark.parametrize("dropout", [0.0, 0.3], ids=["nodrop", "dropout"])
@pytest.mark.parametrize("layer_norm", [False, True], ids=["plain", "ln"])
@pytest.mark.parametrize("residual", [False, True], ids=["nores", "res"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_training_step_equals_the_recorded_trace(activation, residual, layer_norm, dropout):
    """loss_and_grads gives a recorded trace's numbers bit for bit, and the backward pass
    leaves every array of the trace as the forward pass made it."""
    net = build([3, 5, 5, 5], activation, "identity", residual, layer_norm, dropout=dropout)
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, K))
    masks = net.sample_masks(7)
    full = net.forward(X, masks)
    names = ("h_in", "z", "zn", "a", "h_out", "ln_mean", "ln_inv_std", "ln_xhat")
    before = [{n: np.copy(getattr(c, n)) for n in names} for c in full.layers]
    net.backward(full, Y, "mse")
    for c, kept in zip(full.layers, before, strict=True):
        for n in names:
            np.testing.assert_array_equal(getattr(c, n), kept[n], err_msg=n)
    loss, grads = net.loss_and_grads(X, Y, "mse", masks=masks)
    assert loss == full.loss
    np.testing.assert_array_equal(grads.flat, full.grads.flat)


def test_one_hot_and_integer_targets_give_the_same_gradient():
    net = build([3, 4, 4], "tanh", "softmax", True, True)
    X = np.random.default_rng(1).normal(size=(6, 3))
    labels = np.array([0, 2, 1, 1, 0, 2])
    loss_i, g_i = net.loss_and_grads(X, labels, "cross_entropy")
    g_i = g_i.copy()
    loss_h, g_h = net.loss_and_grads(X, np.eye(K)[labels], "cross_entropy")
    assert loss_i == pytest.approx(loss_h, rel=1e-15)
    np.testing.assert_allclose(g_i.flat, g_h.flat, rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("layer_norm", [False, True])
@pytest.mark.parametrize("residual", [False, True])
@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_dropout_gradients_with_a_fixed_mask(activation, residual, layer_norm):
    net = build([2, 5, 5, 5], activation, "identity", residual, layer_norm, dropout=0.5)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 2))
    Y = rng.normal(size=(8, K))
    masks = net.sample_masks(len(X))
    # The masks drop units (zeros) and scale the kept ones by 1 / (1 - p) = 2.
    for m in masks:
        assert set(np.unique(m)) <= {0.0, 2.0} and 0 < m.mean() < 2
    with_mask = net.loss_and_grads(X, Y, "mse", masks=masks)[0]
    without = net.loss_and_grads(X, Y, "mse", masks=[None] * net.depth)[0]
    assert with_mask != pytest.approx(without)
    name, err = max_error(gradcheck(net, X, Y, "mse", masks=masks, eps=EPS))
    assert err < TOL, f"{name} relative error {err:.2e}"


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_float32_gradients_are_close_to_float64(activation):
    net64 = build([2, 5, 5, 5], activation, "softmax", True, True)
    net32 = build([2, 5, 5, 5], activation, "softmax", True, True, dtype=np.float32)
    np.copyto(net32.params.flat, net64.params.flat)
    rng = np.random.default_rng(5)
    X = rng.normal(size=(16, 2))
    labels = rng.integers(0, K, 16)
    loss64, g64 = net64.loss_and_grads(X, labels, "cross_entropy")
    loss32, g32 = net32.loss_and_grads(X, labels, "cross_entropy")
    # Every intermediate stays float32: nothing upcasts behind the network's back.
    assert g32.flat.dtype == np.float32
    trace = net32.forward(X)
    assert all(c.a.dtype == np.float32 for c in trace.layers) and trace.y_hat.dtype == np.float32
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    assert relative_error(g32.flat.astype(np.float64), g64.flat) < 1e-5


def test_gradcheck_detects_a_wrong_derivative(monkeypatch):
    net = build([3, 4, 4], "tanh", "identity", False, False)
    wrong = ACTIVATIONS["sigmoid"]
    # tanh forward with sigmoid's derivative: the check must notice.
    broken = type(wrong)("tanh", ACTIVATIONS["tanh"].f, wrong.df, 1.0)
    monkeypatch.setitem(ACTIVATIONS, "tanh", broken)
    rng = np.random.default_rng(0)
    errors = gradcheck(net, rng.normal(size=(5, 3)), rng.normal(size=(5, K)), "mse")
    assert errors["h1.W"] > 1e-2
    assert errors["out.W"] < TOL  # the output layer does not use the hidden derivative


def test_numerical_gradient_of_a_quadratic_is_exact():
    # One linear layer and MSE: L = mean((xW + b - y)^2), dL/db_j = 2 mean_i(r_ij) / k.
    net = Network([2, 1, 2], activation="linear", output="identity", seed=0)
    X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    Y = np.array([[0.5, -1.0], [2.0, 0.0]])
    residual = net.forward(X).y_hat - Y
    expected = 2 * residual.sum(axis=0) / (2 * 2)
    np.testing.assert_allclose(numerical_grad(net, X, Y, "mse", "out.b"), expected, atol=1e-9)


def test_gradcheck_refuses_float32():
    net = Network([2, 3, 1], dtype=np.float32)
    with pytest.raises(ValueError, match="float64"):
        gradcheck(net, np.zeros((2, 2)), np.zeros((2, 1)))


def test_gradcheck_leaves_parameters_unchanged():
    net = build([3, 4, 4], "elu", "sigmoid", True, True)
    before = net.params.flat.copy()
    rng = np.random.default_rng(2)
    gradcheck(net, rng.normal(size=(4, 3)), rng.uniform(size=(4, K)), "bce")
    np.testing.assert_array_equal(net.params.flat, before)
