"""A fully connected network with residual connections, LayerNorm and dropout.

Layers follow the CS231n pattern: the forward pass keeps a cache of everything the
backward pass needs, and the backward pass consumes it. The caches double as the
trace the app shows: z, a, LayerNorm statistics, dropout masks, deltas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITS, init_weights
from engine.core.losses import (
    OUTPUTS,
    apply_output,
    check_pair,
    loss_and_dlogits,
    one_hot_targets,
)
from engine.core.params import FlatDict

LN_EPS = 1e-5
MAX_DEPTH = 64
MAX_WIDTH = 256


@dataclass(slots=True)
class LayerCache:
    """What one hidden layer computed in the forward pass (and, later, its deltas)."""

    h_in: np.ndarray  # the layer's input h (previous layer's output; x for layer 1)
    # A lean trace (Network.forward with keep_all=False) keeps no z, and no zn unless the
    # activation's slope needs it.
    z: np.ndarray | None  # h @ W + b
    zn: np.ndarray | None  # LayerNorm(z) if layer_norm, else z itself
    a: np.ndarray  # f(zn)
    h_out: np.ndarray  # h + a*mask (residual) or a*mask
    residual: bool
    mask: np.ndarray | None = None  # inverted-dropout mask, already divided by (1 - p)
    ln_mean: np.ndarray | None = None
    ln_inv_std: np.ndarray | None = None
    ln_xhat: np.ndarray | None = None  # a lean trace's is used up by the backward pass
    delta: np.ndarray | None = None  # dL/dz, filled by the backward pass
    d_a: np.ndarray | None = None  # dL/da


@dataclass
class Trace:
    """A full forward and backward pass on one batch."""

    x: np.ndarray
    layers: list[LayerCache]
    logits: np.ndarray
    y_hat: np.ndarray
    y: np.ndarray | None = None
    loss: float = float("nan")
    delta_out: np.ndarray | None = None  # dL/dlogits
    grads: FlatDict | None = None
    kept_all: bool = True  # False: a lean trace (see Network.forward); backward reuses it


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
        self.act = ACTIVATIONS[activation]
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
        # Per-layer views, looked up once: the hot loop then avoids building key strings.
        # FlatDict assignment copies into these views, so they stay valid.
        self._layer_params = [
            tuple(self.params.get(f"h{i}.{k}") for k in ("W", "b", "gamma", "beta"))
            for i in range(1, self.depth + 1)
        ]
        names = list(self.params)
        self._layer_index = [
            tuple(
                names.index(f"h{i}.{k}") if f"h{i}.{k}" in self.params else -1
                for k in ("W", "b", "gamma", "beta")
            )
            for i in range(1, self.depth + 1)
        ]
        self._residual = [self.is_residual(i) for i in range(1, self.depth + 1)]
        self._ones_cache: dict[int, np.ndarray] = {}

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

    def forward(
        self,
        X: np.ndarray,
        masks: list[np.ndarray | None] | None = None,
        keep_all: bool = True,
    ) -> Trace:
        """Forward pass; masks=None means no dropout.

        keep_all=False keeps only what the backward pass and the per-step statistics need
        (no z, and no LayerNorm output unless the activation's slope needs it), computing
        in place and letting the backward pass reuse the buffers: a training step that no
        one will look at.
        """
        p = self.params
        h = np.asarray(X, dtype=self.dtype)
        x = h
        layers = []
        f = self.act.f
        # Reuse a buffer only when nothing that reads it later is kept.
        reuse_zn = not keep_all and not self.act.df_uses_z
        for i, (W, b, gamma, beta) in enumerate(self._layer_params, start=1):
            z = h @ W
            z += b
            cache = LayerCache(h_in=h, z=z, zn=z, a=z, h_out=z, residual=self._residual[i - 1])
            if self.layer_norm:
                # Row sums as matrix-vector products: BLAS is faster than ndarray.sum here.
                inv_n = 1.0 / z.shape[1]
                ones = self._ones(z.shape[1])
                mean = z @ ones
                mean *= inv_n
                xhat = np.subtract(z, mean, out=None if keep_all else z)
                var = np.vecdot(xhat, xhat)[:, None]
                var *= inv_n
                var += LN_EPS
                inv_std = np.sqrt(var, out=var)
                np.divide(1.0, inv_std, out=inv_std)
                xhat *= inv_std
                zn = xhat * gamma
                zn += beta
                cache.zn = zn
                cache.ln_mean, cache.ln_inv_std, cache.ln_xhat = mean, inv_std, xhat
            cache.a = out = f(cache.zn, out=cache.zn if reuse_zn else None)
            if not keep_all:
                cache.z = None
                cache.zn = None if reuse_zn else cache.zn
            mask = masks[i - 1] if masks is not None else None
            if mask is not None:
                cache.mask = mask
                out = out * mask
            if cache.residual:
                out = h + out
            cache.h_out = h = out
            layers.append(cache)
        logits = h @ p["out.W"]
        logits += p["out.b"]
        y_hat = apply_output(self.output, logits)
        return Trace(x=x, layers=layers, logits=logits, y_hat=y_hat, kept_all=keep_all)

    def _ones(self, n: int) -> np.ndarray:
        """A column of n ones in the network's dtype, for sums by matrix product."""
        ones = self._ones_cache.get(n)
        if ones is None:
            ones = self._ones_cache[n] = np.ones((n, 1), dtype=self.dtype)
        return ones

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network output y_hat for inputs X (no dropout)."""
        return self.forward(X, keep_all=False).y_hat

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
        Y = self.targets(Y)
        trace.y = Y
        trace.loss, d_logits = loss_and_dlogits(loss, self.output, trace.logits, trace.y_hat, Y)
        trace.delta_out = d_logits
        grads = p.empty_like()
        views = list(grads.values())
        grad_views = [tuple(views[j] if j >= 0 else None for j in ix) for ix in self._layer_index]
        h_last = trace.layers[-1].h_out if trace.layers else trace.x
        np.matmul(h_last.T, d_logits, out=grads["out.W"])
        d_logits.sum(axis=0, out=grads["out.b"])
        dh = d_logits @ p["out.W"].T  # dL/dh for the last hidden layer's output
        df = self.act.df
        # Batch sums (dL/db, dL/dbeta) as row-vector products: BLAS is faster than .sum.
        ones_row = self._ones(len(d_logits)).T
        for i in range(self.depth, 0, -1):
            c = trace.layers[i - 1]
            W, _, gamma, _ = self._layer_params[i - 1]
            gW, gb, ggamma, gbeta = grad_views[i - 1]
            da = dh if c.mask is None else dh * c.mask
            c.d_a = da
            dzn = df(c.zn, c.a)
            dzn *= da
            if self.layer_norm:
                # Backward of gamma * xhat + beta, xhat = (z - mean) * inv_std per sample:
                # dz = inv_std * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
                inv_n = 1.0 / dzn.shape[1]
                xhat = c.ln_xhat
                np.einsum("ij,ij->j", dzn, xhat, out=ggamma)
                np.matmul(ones_row, dzn, out=gbeta[None, :])
                dxhat = dzn
                dxhat *= gamma
                s2 = np.vecdot(dxhat, xhat)[:, None]
                s2 *= inv_n
                s1 = dxhat @ self._ones(dxhat.shape[1])
                s1 *= inv_n
                if trace.kept_all:
                    dxhat -= xhat * s2
                else:
                    # A lean trace's xhat is not needed again: its buffer takes xhat * s2.
                    xhat *= s2
                    dxhat -= xhat
                    c.ln_xhat = None
                dxhat -= s1
                dxhat *= c.ln_inv_std
                dz = dxhat
            else:
                dz = dzn
            c.delta = dz
            np.matmul(c.h_in.T, dz, out=gW)
            np.matmul(ones_row, dz, out=gb[None, :])
            if i > 1 or c.residual:
                dh_in = dz @ W.T
                if c.residual:
                    # The identity path of a residual passes dL/dh' through unchanged.
                    dh_in += dh
                dh = dh_in
        trace.grads = grads
        return grads

    def train_step_trace(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        loss: str = "mse",
        masks: list[np.ndarray | None] | None = None,
        keep_all: bool = True,
    ) -> Trace:
        """Forward and backward on a training batch, with fresh dropout masks unless given."""
        if masks is None:
            masks = self.sample_masks(len(X))
        trace = self.forward(X, masks, keep_all)
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
        trace = self.train_step_trace(X, Y, loss, masks, keep_all=False)
        return trace.loss, trace.grads

    def evaluate(self, X: np.ndarray, Y: np.ndarray, loss: str) -> tuple[float, float]:
        """Loss and classification accuracy on a data set, without dropout."""
        trace = self.forward(X, keep_all=False)
        Yt = self.targets(Y)
        value, _ = loss_and_dlogits(loss, self.output, trace.logits, trace.y_hat, Yt)
        return value, accuracy(trace.y_hat, Yt, self.output)


def accuracy(y_hat: np.ndarray, Y: np.ndarray, output: str) -> float:
    """Fraction of correct classes; a single output is thresholded at 0.5."""
    if Y.shape[1] == 1:
        return float(np.mean((y_hat[:, 0] > 0.5) == (Y[:, 0] > 0.5)))
    return float(np.mean(y_hat.argmax(axis=1) == Y.argmax(axis=1)))
