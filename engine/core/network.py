"""A fully connected network with residual connections, LayerNorm and dropout.

Each layer is computed by the reference layer functions of layers.py (read those first):
the forward pass keeps what the backward pass needs in a trace, and the backward pass
consumes it. The trace doubles as what the app shows: z, a, LayerNorm statistics,
dropout masks, deltas. Parameters and gradients live in one flat buffer (FlatDict), so an
optimizer updates the whole network with a few vector operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITS, init_weights
from engine.core.layers import (
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
    dropout_backward,
    dropout_forward,
    layer_norm_backward,
    layer_norm_forward,
    residual_backward,
    residual_forward,
)
from engine.core.losses import OUTPUTS, apply_output, check_pair, loss_and_dlogits, one_hot_targets
from engine.core.params import FlatDict

MAX_DEPTH = 64
MAX_WIDTH = 256


@dataclass(slots=True)
class LayerCache:
    """What one hidden layer computed in the forward pass, and its deltas from the backward pass.

    Shapes: (N, fan_in) for h_in, (N, units) for everything else.
    """

    h_in: np.ndarray  # the layer's input h (previous layer's output; x for layer 1)
    z: np.ndarray  # h @ W + b
    zn: np.ndarray  # LayerNorm(z) if layer_norm, else z itself: the activation's argument
    a: np.ndarray  # f(zn)
    h_out: np.ndarray  # h + a*mask (residual) or a*mask
    residual: bool
    mask: np.ndarray | None = None  # inverted-dropout mask, already divided by (1 - p)
    ln_xhat: np.ndarray | None = None  # (z - mean) / std per sample (layer_norm only)
    ln_inv_std: np.ndarray | None = None  # (N, 1): 1 / sqrt(var + eps) (layer_norm only)
    delta: np.ndarray = field(init=False)  # dL/dz, filled by the backward pass
    d_a: np.ndarray = field(init=False)  # dL/da, filled by the backward pass

    @property
    def ln_mean(self) -> np.ndarray:
        """(N, 1): each sample's mean of z over the layer's units, as LayerNorm subtracts it."""
        return self.z.mean(axis=1, keepdims=True)


@dataclass
class Trace:
    """A forward pass on one batch; the backward pass fills the loss, deltas and gradients."""

    x: np.ndarray  # (N, inputs)
    layers: list[LayerCache]
    logits: np.ndarray  # (N, outputs)
    y_hat: np.ndarray  # g(logits)
    y: np.ndarray = field(init=False)  # targets in the output's shape
    loss: float = float("nan")
    delta_out: np.ndarray = field(init=False)  # dL/dlogits
    grads: FlatDict = field(init=False)


class Network:
    """A multilayer perceptron whose parameters live in `params` (h1.W, h1.b, ..., out.b)."""

    def __init__(
        self,
        sizes: list[int],
        activation: str = "tanh",
        output: str = "identity",
        residual: bool = False,
        layer_norm: bool = False,
        dropout: float = 0.0,
        init: str = "xavier_normal",
        seed: int = 0,
        dtype: type | np.dtype = np.float64,
        init_std: float = 0.01,
    ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or any(s < 1 for s in sizes):
            raise ValueError(f"sizes needs inputs, outputs and positive widths, got {sizes}")
        if len(sizes) - 2 > MAX_DEPTH or max(sizes[1:-1], default=1) > MAX_WIDTH:
            raise ValueError(f"at most {MAX_DEPTH} hidden layers of {MAX_WIDTH} units")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}"
            )
        if output not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; choose one of {OUTPUTS}")
        if init not in INITS:
            raise ValueError(f"unknown initialisation {init!r}; choose one of {INITS}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.sizes = sizes
        self.activation = activation
        self.output = output
        self.residual = bool(residual)
        self.layer_norm = bool(layer_norm)
        self.dropout = float(dropout)
        self.init = init
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)

        shapes: dict[str, tuple[int, ...]] = {}
        for i, (n_in, n_out) in enumerate(zip(sizes[:-2], sizes[1:-1], strict=True), start=1):
            shapes[f"h{i}.W"] = (n_in, n_out)
            shapes[f"h{i}.b"] = (n_out,)
            if self.layer_norm:
                shapes[f"h{i}.gamma"] = (n_out,)
                shapes[f"h{i}.beta"] = (n_out,)
        shapes["out.W"] = (sizes[-2], sizes[-1])
        shapes["out.b"] = (sizes[-1],)
        self.params = FlatDict.allocate(shapes, self.dtype)
        for name, shape in shapes.items():
            if name.endswith(".W"):
                self.params[name] = init_weights(init, shape[0], shape[1], self.rng, init_std)
            elif name.endswith(".gamma"):
                self.params[name] = np.ones(shape)

    @property
    def depth(self) -> int:
        """Number of hidden layers."""
        return len(self.sizes) - 2

    @property
    def layer_names(self) -> list[str]:
        """Names of the weight layers, input to output: h1..hL, out."""
        return [f"h{i}" for i in range(1, self.depth + 1)] + ["out"]

    def is_residual(self, layer: int) -> bool:
        """Whether hidden layer `layer` (1-based) adds its input to its output."""
        return self.residual and self.sizes[layer - 1] == self.sizes[layer]

    def sample_masks(self, batch: int) -> list[np.ndarray | None]:
        """Fresh inverted-dropout masks for one training batch (None without dropout)."""
        if self.dropout <= 0.0:
            return [None] * self.depth
        keep = 1.0 - self.dropout
        return [
            (self.rng.random((batch, w)) < keep).astype(self.dtype) / self.dtype.type(keep)
            for w in self.sizes[1:-1]
        ]

    def forward(self, X: np.ndarray, masks: list[np.ndarray | None] | None = None) -> Trace:
        """Forward pass, keeping every layer's values; masks=None means no dropout."""
        p = self.params
        h = x = np.asarray(X, dtype=self.dtype)
        layers = []
        for i in range(1, self.depth + 1):
            h_in = h
            z, _ = affine_forward(h, p[f"h{i}.W"], p[f"h{i}.b"])
            zn, xhat, inv_std = z, None, None
            if self.layer_norm:
                zn, (xhat, inv_std, _) = layer_norm_forward(z, p[f"h{i}.gamma"], p[f"h{i}.beta"])
            a, _ = activation_forward(zn, self.activation)
            mask = masks[i - 1] if masks is not None else None
            h, _ = dropout_forward(a, mask)
            residual = self.is_residual(i)
            if residual:
                h, _ = residual_forward(h_in, h)
            layers.append(LayerCache(h_in, z, zn, a, h, residual, mask, xhat, inv_std))
        logits, _ = affine_forward(h, p["out.W"], p["out.b"])
        return Trace(x=x, layers=layers, logits=logits, y_hat=apply_output(self.output, logits))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network output y_hat for inputs X (no dropout)."""
        return self.forward(X).y_hat

    def targets(self, Y: np.ndarray) -> np.ndarray:
        """Targets in the output's shape and dtype (class labels become one-hot)."""
        if isinstance(Y, np.ndarray) and Y.dtype == self.dtype and Y.ndim == 2:
            return Y
        Y = np.asarray(Y)
        if Y.ndim == 1 and self.sizes[-1] == 1:
            Y = Y.reshape(-1, 1)
        return one_hot_targets(Y, self.sizes[-1], self.dtype)

    def backward(self, trace: Trace, Y: np.ndarray, loss: str = "mse") -> FlatDict:
        """Fill the trace with the loss and every delta; return dL/dparams."""
        check_pair(loss, self.output)
        p = self.params
        trace.y = self.targets(Y)
        trace.loss, trace.delta_out = loss_and_dlogits(
            loss, self.output, trace.logits, trace.y_hat, trace.y
        )
        grads = trace.grads = p.empty_like()
        h_last = trace.layers[-1].h_out if trace.layers else trace.x
        # Each gradient is written straight into its view of the flat buffer (`[...] =`):
        # FlatDict's checked assignment cost a quarter of a small network's step.
        dh, grads["out.W"][...], grads["out.b"][...] = affine_backward(
            trace.delta_out, (h_last, p["out.W"])
        )
        for i in range(self.depth, 0, -1):
            c = trace.layers[i - 1]
            # dh is dL/dh' for this layer's output h'.
            d_identity, da = residual_backward(dh, None) if c.residual else (None, dh)
            c.d_a = da = dropout_backward(da, c.mask)
            dz = activation_backward(da, (self.activation, c.zn, c.a))
            if self.layer_norm:
                ln_cache = (c.ln_xhat, c.ln_inv_std, p[f"h{i}.gamma"])
                dz, grads[f"h{i}.gamma"][...], grads[f"h{i}.beta"][...] = layer_norm_backward(
                    dz, ln_cache
                )
            c.delta = dz
            dh, grads[f"h{i}.W"][...], grads[f"h{i}.b"][...] = affine_backward(
                dz, (c.h_in, p[f"h{i}.W"])
            )
            if d_identity is not None:
                dh += d_identity
        return grads

    def train_step_trace(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        loss: str = "mse",
        masks: list[np.ndarray | None] | None = None,
    ) -> Trace:
        """Forward and backward on a training batch, with fresh dropout masks unless given."""
        if masks is None:
            masks = self.sample_masks(len(X))
        trace = self.forward(X, masks)
        self.backward(trace, Y, loss)
        return trace

    def loss_and_grads(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        loss: str = "mse",
        masks: list[np.ndarray | None] | None = None,
    ) -> tuple[float, FlatDict]:
        """Loss on a training batch and its gradient for every parameter."""
        trace = self.train_step_trace(X, Y, loss, masks)
        return trace.loss, trace.grads

    def evaluate(self, X: np.ndarray, Y: np.ndarray, loss: str) -> tuple[float, float]:
        """Loss and classification accuracy on a data set, without dropout."""
        trace = self.forward(X)
        Yt = self.targets(Y)
        value, _ = loss_and_dlogits(loss, self.output, trace.logits, trace.y_hat, Yt)
        return value, accuracy(trace.y_hat, Yt, self.output)


def accuracy(y_hat: np.ndarray, Y: np.ndarray, output: str) -> float:
    """Fraction of correct classes; a single output is thresholded at 0.5."""
    if Y.shape[1] == 1:
        return float(np.mean((y_hat[:, 0] > 0.5) == (Y[:, 0] > 0.5)))
    return float(np.mean(y_hat.argmax(axis=1) == Y.argmax(axis=1)))
