"""Layer functions of the sequence models, in the CS231n pattern.

Each `*_forward` returns `(out, cache)`; the matching `*_backward` takes the upstream
gradient and that cache and returns the gradients. Shapes: B samples, T time steps,
D inputs per step, H hidden units.
"""

from __future__ import annotations

import numpy as np

LN_EPS = 1e-5  # LayerNorm's epsilon, as torch.nn.LayerNorm


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), written with tanh so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# --- read-out --------------------------------------------------------------------------


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """out = x @ W + b. x (..., D), W (D, M), b (M,) -> out (..., M)."""
    return x @ W + b, (x, W)


def affine_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """dout (..., M) -> dx (..., D), dW (D, M), db (M,)."""
    x, W = cache
    flat_x = x.reshape(-1, W.shape[0])
    flat_d = dout.reshape(-1, W.shape[1])
    return dout @ W.T, flat_x.T @ flat_d, flat_d.sum(axis=0)


def mse_forward(y_hat: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over samples and outputs (torch.nn.MSELoss) and dL/dy_hat.

    y_hat, y (B, n_out) -> loss, dy_hat (B, n_out).
    """
    diff = y_hat - y
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


# --- tanh recurrent net (Elman) ----------------------------------------------------------


def rnn_step_forward(
    x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple]:
    """h_t = tanh(x_t Wx + h_{t-1} Wh + b).

    x (B, D), h_prev (B, H), Wx (D, H), Wh (H, H), b (H,) -> h (B, H).
    """
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, h, Wx, Wh)


def rnn_step_backward(dh: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """dh (B, H) = dL/dh_t -> dx (B, D), dh_prev (B, H), dWx, dWh, db.

    tanh' = 1 - h^2; dh_prev = dz Wh^T is where the gradient is multiplied by the
    recurrent weights once per step back in time.
    """
    x, h_prev, h, Wx, Wh = cache
    dz = dh * (1.0 - h**2)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def rnn_forward(
    X: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, list]:
    """Run the net over the sequence from h_{-1} = 0. X (B, T, D) -> Hs (B, T, H)."""
    B, T, _ = X.shape
    h = np.zeros((B, Wh.shape[0]), dtype=Wh.dtype)
    Hs = np.empty((B, T, Wh.shape[0]), dtype=Wh.dtype)
    caches = []
    for t in range(T):
        h, cache = rnn_step_forward(X[:, t], h, Wx, Wh, b)
        Hs[:, t] = h
        caches.append(cache)
    return Hs, caches


def rnn_backward(dHs: np.ndarray, caches: list) -> tuple[np.ndarray, ...]:
    """Backpropagation through time.

    dHs (B, T, H): dL/dh_t from above each step (the read-out) ->
    dX (B, T, D), dWx, dWh, db, dh_total (B, T, H): the whole dL/dh_t, from above and
    from step t + 1.
    """
    B, T, H = dHs.shape
    x0, _, _, Wx, Wh = caches[0]
    dX = np.empty((B, T, x0.shape[1]), dtype=dHs.dtype)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(H, dtype=dHs.dtype)
    dh_total = np.empty_like(dHs)
    dh_next = np.zeros((B, H), dtype=dHs.dtype)  # dL/dh_t arriving from step t + 1
    for t in reversed(range(T)):
        dh = dHs[:, t] + dh_next
        dh_total[:, t] = dh
        dX[:, t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dh, caches[t])
        dWx += dWx_t  # the same weights at every step: their gradients add up
        dWh += dWh_t
        db += db_t
    return dX, dWx, dWh, db, dh_total


# --- LSTM ----------------------------------------------------------------------------------


def lstm_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One LSTM step, gates in torch's order i, f, g, o.

    x (B, D), h_prev, c_prev (B, H), Wx (D, 4H), Wh (H, 4H), b (4H,) -> h, c (B, H).
    c_t = f * c_{t-1} + i * g;  h_t = o * tanh(c_t).
    """
    H = h_prev.shape[1]
    z = x @ Wx + h_prev @ Wh + b
    i = sigmoid(z[:, :H])
    f = sigmoid(z[:, H : 2 * H])
    g = np.tanh(z[:, 2 * H : 3 * H])
    o = sigmoid(z[:, 3 * H :])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return h, c, (x, h_prev, c_prev, i, f, g, o, tanh_c, Wx, Wh)


def lstm_step_backward(dh: np.ndarray, dc: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """dh, dc (B, H): dL/dh_t and dL/dc_t -> dx (B, D), dh_prev, dc_prev, dWx, dWh, db.

    dc_prev = dc * f: along the cell the gradient is multiplied only by the forget gate.
    """
    x, h_prev, c_prev, i, f, g, o, tanh_c, Wx, Wh = cache
    do = dh * tanh_c
    dc = dc + dh * o * (1.0 - tanh_c**2)
    di, df, dg = dc * g, dc * c_prev, dc * i
    dz = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g**2), do * o * (1.0 - o)], axis=1
    )
    return dz @ Wx.T, dz @ Wh.T, dc * f, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def lstm_forward(
    X: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list]:
    """Run the LSTM from h = c = 0. X (B, T, D) -> Hs (B, T, H), forget gates (B, T, H)."""
    B, T, _ = X.shape
    H = Wh.shape[0]
    h = np.zeros((B, H), dtype=Wh.dtype)
    c = np.zeros((B, H), dtype=Wh.dtype)
    Hs = np.empty((B, T, H), dtype=Wh.dtype)
    forget = np.empty((B, T, H), dtype=Wh.dtype)
    caches = []
    for t in range(T):
        h, c, cache = lstm_step_forward(X[:, t], h, c, Wx, Wh, b)
        Hs[:, t] = h
        forget[:, t] = cache[4]
        caches.append(cache)
    return Hs, forget, caches


def lstm_backward(dHs: np.ndarray, caches: list) -> tuple[np.ndarray, ...]:
    """Backpropagation through time for the LSTM.

    dHs (B, T, H) from the read-out -> dX (B, T, D), dWx, dWh, db, dh_total (B, T, H).
    """
    B, T, H = dHs.shape
    x0, _, _, _, _, _, _, _, Wx, Wh = caches[0]
    dX = np.empty((B, T, x0.shape[1]), dtype=dHs.dtype)
    dWx, dWh = np.zeros_like(Wx), np.zeros_like(Wh)
    db = np.zeros(4 * H, dtype=dHs.dtype)
    dh_total = np.empty_like(dHs)
    dh_next = np.zeros((B, H), dtype=dHs.dtype)
    dc_next = np.zeros((B, H), dtype=dHs.dtype)
    for t in reversed(range(T)):
        dh = dHs[:, t] + dh_next
        dh_total[:, t] = dh
        dX[:, t], dh_next, dc_next, dWx_t, dWh_t, db_t = lstm_step_backward(dh, dc_next, caches[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dX, dWx, dWh, db, dh_total


# --- self-attention ------------------------------------------------------------------------


def positional_encoding(T: int, d: int, dtype=np.float64) -> np.ndarray:
    """Sinusoidal positions (Vaswani et al. 2017): (T, d), sin on even units, cos on odd."""
    t = np.arange(T)[:, None]
    freq = 1.0 / 10000.0 ** (np.arange(0, d, 2) / d)
    pe = np.zeros((T, d))
    pe[:, 0::2] = np.sin(t * freq)
    pe[:, 1::2] = np.cos(t * freq[: d // 2])
    return pe.astype(dtype)


def attention_forward(
    Hin: np.ndarray, Wq: np.ndarray, Wk: np.ndarray, Wv: np.ndarray, Wo: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple]:
    """One head of causal scaled dot-product self-attention.

    Hin (B, T, H), Wq, Wk, Wv, Wo (H, H) -> out (B, T, H), weights A (B, T, T).
    A[b, s, t] is how much position s looks at position t (t <= s); out = (A V) Wo.
    """
    T, H = Hin.shape[1], Hin.shape[2]
    Q, K, V = Hin @ Wq, Hin @ Wk, Hin @ Wv
    scores = Q @ K.transpose(0, 2, 1) / np.sqrt(H)
    future = np.triu(np.ones((T, T), dtype=bool), k=1)
    scores = np.where(future, -np.inf, scores)  # a position sees only itself and the past
    scores = scores - scores.max(axis=-1, keepdims=True)
    A = np.exp(scores)
    A /= A.sum(axis=-1, keepdims=True)
    Z = A @ V
    return Z @ Wo, A, (Hin, Q, K, V, A, Z, Wq, Wk, Wv, Wo)


def attention_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """dout (B, T, H) -> dHin (B, T, H), dWq, dWk, dWv, dWo (H, H).

    Every position t reaches every later s in one step, through A[s, t]: no product over
    the positions in between.
    """
    Hin, Q, K, V, A, Z, Wq, Wk, Wv, Wo = cache
    H = Hin.shape[2]
    flat = Hin.reshape(-1, H)
    dWo = Z.reshape(-1, H).T @ dout.reshape(-1, H)
    dZ = dout @ Wo.T
    dA = dZ @ V.transpose(0, 2, 1)
    dV = A.transpose(0, 2, 1) @ dZ
    # Softmax backward, row by row; masked entries have A = 0 and get no gradient.
    dscores = A * (dA - np.sum(dA * A, axis=-1, keepdims=True)) / np.sqrt(H)
    dQ = dscores @ K
    dK = dscores.transpose(0, 2, 1) @ Q
    dHin = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T
    dWq = flat.T @ dQ.reshape(-1, H)
    dWk = flat.T @ dK.reshape(-1, H)
    dWv = flat.T @ dV.reshape(-1, H)
    return dHin, dWq, dWk, dWv, dWo


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, tuple]:
    """LayerNorm over the last axis (biased variance, eps 1e-5). x (..., H) -> (..., H)."""
    mu = x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + LN_EPS)
    xhat = (x - mu) * inv_std
    return gamma * xhat + beta, (xhat, inv_std, gamma)


def layernorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, ...]:
    """dout (..., H) -> dx (..., H), dgamma (H,), dbeta (H,)."""
    xhat, inv_std, gamma = cache
    H = xhat.shape[-1]
    dgamma = (dout * xhat).reshape(-1, H).sum(axis=0)
    dbeta = dout.reshape(-1, H).sum(axis=0)
    dxhat = dout * gamma
    dx = inv_std * (
        dxhat
        - dxhat.mean(axis=-1, keepdims=True)
        - xhat * np.mean(dxhat * xhat, axis=-1, keepdims=True)
    )
    return dx, dgamma, dbeta
