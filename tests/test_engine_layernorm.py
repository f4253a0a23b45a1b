"""LayerNorm forward and backward on a vector worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Network
from engine.core.layers import LN_EPS

Z = np.array([1.0, 2.0, 3.0, 6.0])
GAMMA = np.array([1.0, 2.0, 0.5, -1.0])
BETA = np.array([0.0, 0.1, -0.2, 0.3])
# The gradient arriving at the LayerNorm output, dL/dzn.
UPSTREAM = np.array([0.5, -1.0, 2.0, 0.25])

# By hand: mean = (1 + 2 + 3 + 6) / 4 = 3; deviations -2, -1, 0, 3;
# biased variance = (4 + 1 + 0 + 9) / 4 = 3.5; sigma = sqrt(3.5 + 1e-5) = 1.8708314;
# xhat = deviations / sigma; zn = gamma * xhat + beta.
MEAN, VAR = 3.0, 3.5
SIGMA = 1.8708314
XHAT = np.array([-1.0690434, -0.5345217, 0.0, 1.6035652])
ZN = np.array([-1.0690434, -0.9690434, -0.2, -1.3035652])
# Backward: dxhat = upstream * gamma = (0.5, -2, 1, -0.25); mean(dxhat) = -0.1875;
# mean(dxhat * xhat) = (-0.5345217 + 1.0690434 + 0 - 0.4008913) / 4 = 0.0334076;
# dz = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sigma.
DZ = np.array([0.3865737, -0.9592756, 0.6347445, -0.0620426])
DGAMMA = UPSTREAM * XHAT  # one sample: sum over the batch is the value itself
DBETA = UPSTREAM


def probe() -> tuple[Network, np.ndarray, np.ndarray]:
    """A 4-4-4 net whose hidden z equals the input and whose loss sends UPSTREAM back to zn.

    W = I and b = 0 make z = x; a linear activation and an identity output layer (W = I)
    make the logits equal zn. With MSE over 4 outputs, dL/dlogits = 2 (zn - y) / 4, so the
    target y = zn - 2 * UPSTREAM delivers exactly UPSTREAM.
    """
    net = Network([4, 4, 4], activation="linear", output="identity", layer_norm=True)
    net.params["h1.W"] = np.eye(4)
    net.params["h1.b"] = np.zeros(4)
    net.params["h1.gamma"] = GAMMA
    net.params["h1.beta"] = BETA
    net.params["out.W"] = np.eye(4)
    net.params["out.b"] = np.zeros(4)
    x = Z[None, :]
    y = net.forward(x).y_hat - 2 * UPSTREAM  # the exact zn, not the rounded ZN above
    return net, x, y


def test_hand_worked_statistics():
    assert Z.mean() == MEAN
    assert Z.var() == VAR  # numpy's var is the biased one, as LayerNorm's
    assert np.sqrt(VAR + LN_EPS) == pytest.approx(SIGMA, abs=1e-7)
    assert LN_EPS == 1e-5


def test_forward_matches_hand_values():
    net, x, _ = probe()
    layer = net.forward(x).layers[0]
    np.testing.assert_array_equal(layer.z, x)
    np.testing.assert_allclose(layer.ln_mean, [[MEAN]])
    np.testing.assert_allclose(layer.ln_inv_std, [[1 / SIGMA]], atol=1e-7)
    np.testing.assert_allclose(layer.ln_xhat[0], XHAT, atol=1e-7)
    np.testing.assert_allclose(layer.zn[0], ZN, atol=1e-7)
    # Normalised: mean 0 and (almost) unit variance; the 1e-5 keeps it just under 1.
    assert abs(layer.ln_xhat.mean()) < 1e-15
    assert layer.ln_xhat.var() == pytest.approx(VAR / (VAR + LN_EPS), rel=1e-12)


def test_backward_matches_hand_formula():
    net, x, y = probe()
    trace = net.forward(x)
    grads = net.backward(trace, y, "mse")
    np.testing.assert_allclose(trace.delta_out[0], UPSTREAM, rtol=1e-12)
    np.testing.assert_allclose(trace.layers[0].delta[0], DZ, atol=1e-7)
    np.testing.assert_allclose(grads["h1.gamma"], DGAMMA, atol=1e-7)
    np.testing.assert_allclose(grads["h1.beta"], DBETA, rtol=1e-12)
    # dL/dW = x^T dz and dL/db = dz for one sample.
    np.testing.assert_allclose(grads["h1.W"], np.outer(Z, trace.layers[0].delta[0]), rtol=1e-12)
    np.testing.assert_allclose(grads["h1.b"], trace.layers[0].delta[0], rtol=1e-12)
    # LayerNorm's output ignores shifting z or scaling it about its mean, so dz has no
    # component along 1 or along xhat.
    dz = trace.layers[0].delta[0]
    assert abs(dz.sum()) < 1e-12
    assert abs(dz @ XHAT) < 1e-6


def test_backward_matches_finite_differences_in_z():
    net, x, y = probe()
    trace = net.forward(x)
    net.backward(trace, y, "mse")
    eps = 1e-6
    numeric = np.zeros(4)
    for j in range(4):
        step = np.zeros((1, 4))
        step[0, j] = eps
        plus = net.loss_and_grads(x + step, y, "mse")[0]
        minus = net.loss_and_grads(x - step, y, "mse")[0]
        numeric[j] = (plus - minus) / (2 * eps)
    np.testing.assert_allclose(numeric, DZ, atol=1e-7)
    np.testing.assert_allclose(trace.layers[0].delta[0], numeric, rtol=1e-7, atol=1e-10)


def test_statistics_are_per_sample_over_units():
    # Two samples: each is normalised over its own units, not across the batch.
    net, x, _ = probe()
    X = np.vstack([x, 10 * x + 5])
    layer = net.forward(X).layers[0]
    np.testing.assert_allclose(layer.ln_mean[:, 0], [3.0, 35.0])
    # Scaled by 10, its variance is 350: the same xhat up to the (now smaller) effect of eps.
    np.testing.assert_allclose(layer.ln_xhat[1], 10 * (Z - MEAN) / np.sqrt(100 * VAR + LN_EPS))


def test_matches_torch_layer_norm():
    torch = pytest.importorskip("torch")
    z = torch.tensor(Z[None, :], requires_grad=True)
    out = torch.nn.functional.layer_norm(
        z, (4,), torch.tensor(GAMMA), torch.tensor(BETA), eps=LN_EPS
    )
    (out * torch.tensor(UPSTREAM)).sum().backward()
    net, x, y = probe()
    trace = net.forward(x)
    net.backward(trace, y, "mse")
    np.testing.assert_allclose(trace.layers[0].zn, out.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(trace.layers[0].delta, z.grad.numpy(), rtol=1e-10, atol=1e-14)
