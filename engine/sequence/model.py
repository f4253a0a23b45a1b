"""A recurrent net, an LSTM or one attention layer that reads a sequence and answers once.

All three read X (B, T, n_in) and predict y_hat (B, n_out) from the last position through
one affine read-out, trained with the mean squared error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.sequence import layers as L

KINDS = ("rnn", "lstm", "attention")
KIND_LABELS = {"rnn": "tanh RNN", "lstm": "LSTM", "attention": "attention"}


@dataclass(frozen=True)
class SequenceTrace:
    """Everything one forward and backward pass computed, for recording.

    dX (B, T, n_in); dh (B, T, H): the whole dL/dh_t of a recurrent kind; forget (B, T, H):
    the LSTM's forget gates; attention (B, T, T): the attention weights.
    """

    loss: float
    y_hat: np.ndarray
    grads: dict[str, np.ndarray]
    dX: np.ndarray
    dh: np.ndarray | None = None
    forget: np.ndarray | None = None
    attention: np.ndarray | None = None


def _uniform(rng: np.random.Generator, bound: float, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-bound, bound, size=shape)


class SequenceModel:
    """kind "rnn" (tanh Elman), "lstm" or "attention", with an affine read-out of the last step.

    Initialisation: the recurrent kinds and the read-out use torch's default, U(-1/sqrt(H),
    1/sqrt(H)), with biases 0 except the LSTM's forget gate, which starts at `forget_bias`.
    Attention draws its matrices from N(0, 1/fan_in); LayerNorm starts at gamma 1, beta 0.
    """

    def __init__(
        self,
        kind: str,
        n_in: int,
        n_hidden: int,
        n_out: int,
        seed: int = 0,
        dtype=np.float64,
        forget_bias: float = 1.0,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
        for name, value in (("n_in", n_in), ("n_hidden", n_hidden), ("n_out", n_out)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value}")
        if not np.isfinite(forget_bias):
            raise ValueError(f"forget_bias must be a finite number, got {forget_bias}")
        self.kind = kind
        self.n_in, self.n_hidden, self.n_out = int(n_in), int(n_hidden), int(n_out)
        self.forget_bias = float(forget_bias)
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        H, bound = self.n_hidden, 1.0 / np.sqrt(self.n_hidden)
        params: dict[str, np.ndarray] = {}
        if kind == "rnn":
            params["rnn.Wx"] = _uniform(rng, bound, (n_in, H))
            params["rnn.Wh"] = _uniform(rng, bound, (H, H))
            params["rnn.b"] = np.zeros(H)
        elif kind == "lstm":
            params["lstm.Wx"] = _uniform(rng, bound, (n_in, 4 * H))
            params["lstm.Wh"] = _uniform(rng, bound, (H, 4 * H))
            params["lstm.b"] = np.zeros(4 * H)
            params["lstm.b"][H : 2 * H] = forget_bias  # gates i, f, g, o: f is the second
        else:
            params["embed.W"] = rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, H))
            params["embed.b"] = np.zeros(H)
            for name in ("Wq", "Wk", "Wv", "Wo"):
                params[f"attn.{name}"] = rng.normal(0.0, bound, (H, H))
            params["norm.gamma"] = np.ones(H)
            params["norm.beta"] = np.zeros(H)
        params["out.W"] = _uniform(rng, bound, (H, n_out))
        params["out.b"] = np.zeros(n_out)
        self.params = {k: v.astype(self.dtype) for k, v in params.items()}

    def _check(self, X: np.ndarray, Y: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 3 or X.shape[2] != self.n_in or X.shape[1] < 1:
            raise ValueError(f"X must have shape (batch, T, {self.n_in}), got {X.shape}")
        if Y is None:
            return (X,)
        Y = np.asarray(Y, dtype=self.dtype).reshape(X.shape[0], -1)
        if Y.shape[1] != self.n_out:
            raise ValueError(f"Y must have shape (batch, {self.n_out}), got {Y.shape}")
        return X, Y

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict]:
        """y_hat (B, n_out) from X (B, T, n_in), and the cache the backward pass needs."""
        (X,) = self._check(X)
        p = self.params
        cache: dict = {}
        if self.kind == "rnn":
            Hs, cache["rnn"] = L.rnn_forward(X, p["rnn.Wx"], p["rnn.Wh"], p["rnn.b"])
        elif self.kind == "lstm":
            Hs, cache["forget"], cache["lstm"] = L.lstm_forward(
                X, p["lstm.Wx"], p["lstm.Wh"], p["lstm.b"]
            )
        else:
            E, cache["embed"] = L.affine_forward(X, p["embed.W"], p["embed.b"])
            H0 = E + L.positional_encoding(X.shape[1], self.n_hidden, self.dtype)
            att, cache["attention"], cache["attn"] = L.attention_forward(
                H0, p["attn.Wq"], p["attn.Wk"], p["attn.Wv"], p["attn.Wo"]
            )
            Hs, cache["norm"] = L.layernorm_forward(H0 + att, p["norm.gamma"], p["norm.beta"])
        cache["T"] = X.shape[1]
        y_hat, cache["out"] = L.affine_forward(Hs[:, -1], p["out.W"], p["out.b"])
        return y_hat, cache

    def backward(self, dy_hat: np.ndarray, cache: dict) -> tuple[dict, np.ndarray, np.ndarray]:
        """dy_hat (B, n_out) -> grads (keyed like params), dX (B, T, n_in), dHs (B, T, H).

        dHs is dL/dh_t for every step: the whole gradient reaching each hidden state of a
        recurrent kind, or the gradient at each position's output of the attention layer.
        """
        grads: dict[str, np.ndarray] = {}
        dlast, grads["out.W"], grads["out.b"] = L.affine_backward(dy_hat, cache["out"])
        dHs = np.zeros((dlast.shape[0], cache["T"], self.n_hidden), dtype=self.dtype)
        dHs[:, -1] = dlast  # only the last position is read out
        if self.kind == "rnn":
            dX, grads["rnn.Wx"], grads["rnn.Wh"], grads["rnn.b"], dh = L.rnn_backward(
                dHs, cache["rnn"]
            )
        elif self.kind == "lstm":
            dX, grads["lstm.Wx"], grads["lstm.Wh"], grads["lstm.b"], dh = L.lstm_backward(
                dHs, cache["lstm"]
            )
        else:
            dR, grads["norm.gamma"], grads["norm.beta"] = L.layernorm_backward(dHs, cache["norm"])
            dH0, *dW = L.attention_backward(dR, cache["attn"])
            dH0 = dH0 + dR  # the residual: the gradient also skips the attention layer
            for name, g in zip(("Wq", "Wk", "Wv", "Wo"), dW, strict=True):
                grads[f"attn.{name}"] = g
            dX, grads["embed.W"], grads["embed.b"] = L.affine_backward(dH0, cache["embed"])
            dh = dHs
        return {k: grads[k] for k in self.params}, dX, dh

    def trace(self, X: np.ndarray, Y: np.ndarray) -> SequenceTrace:
        """Loss, gradients and every intermediate the app shows, for one batch."""
        X, Y = self._check(X, Y)
        y_hat, cache = self.forward(X)
        loss, dy_hat = L.mse_forward(y_hat, Y)
        grads, dX, dh = self.backward(dy_hat, cache)
        return SequenceTrace(
            loss=loss,
            y_hat=y_hat,
            grads=grads,
            dX=dX,
            dh=dh if self.kind != "attention" else None,
            forget=cache.get("forget"),
            attention=cache.get("attention"),
        )

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The mean squared error on a batch, forward pass only."""
        X, Y = self._check(X, Y)
        return L.mse_forward(self.forward(X)[0], Y)[0]

    def loss_and_grads(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Mean squared error on the batch and its gradient for every parameter."""
        t = self.trace(X, Y)
        return t.loss, t.grads

    def input_gradient_norms(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """(T,): ||dL/dx_t|| per sample, averaged over the batch, t = 0..T-1."""
        return batch_norms(self.trace(X, Y).dX)


def batch_norms(G: np.ndarray) -> np.ndarray:
    """G (B, T, n) -> (T,): the norm of each sample's G[b, t], averaged over the batch."""
    return np.linalg.norm(G, axis=2).mean(axis=0)
