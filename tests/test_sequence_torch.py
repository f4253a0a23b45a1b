"""The sequence models against PyTorch: nn.RNN, nn.LSTM and attention written in torch.

Skipped where torch is not installed; it is never a dependency of the app.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.sequence import SequenceModel

torch = pytest.importorskip("torch")


def _tensor(a: np.ndarray, grad: bool = False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def _compare(model: SequenceModel, X: np.ndarray, Y: np.ndarray, forward, torch_params: dict):
    """Loss, every parameter's gradient and dL/dX of `model` against a torch forward pass."""
    x = _tensor(X, grad=True)
    y_hat = forward(x)
    loss = torch.nn.functional.mse_loss(y_hat, _tensor(Y))
    loss.backward()
    trace = model.trace(X, Y)
    assert trace.loss == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(trace.dX, x.grad.numpy(), rtol=1e-9, atol=1e-13)
    for name, (tensor, to_ours) in torch_params.items():
        np.testing.assert_allclose(
            trace.grads[name], to_ours(tensor.grad.numpy()), rtol=1e-9, atol=1e-13, err_msg=name
        )


def _readout(model: SequenceModel):
    head = torch.nn.Linear(model.n_hidden, model.n_out).double()
    with torch.no_grad():
        head.weight.copy_(_tensor(model.params["out.W"].T))
        head.bias.copy_(_tensor(model.params["out.b"]))
    return head


CASES = [(1, 1, 3, 1), (5, 2, 4, 2), (12, 3, 8, 1)]  # T, n_in, hidden, n_out


@pytest.mark.parametrize(("T", "n_in", "hidden", "n_out"), CASES)
def test_rnn_matches_torch_nn_rnn(T, n_in, hidden, n_out):
    model = SequenceModel("rnn", n_in, hidden, n_out, seed=T)
    rng = np.random.default_rng(T)
    model.params["rnn.b"][:] = rng.normal(0, 0.2, hidden)
    X, Y = rng.normal(size=(4, T, n_in)), rng.normal(size=(4, n_out))
    rnn = torch.nn.RNN(n_in, hidden, nonlinearity="tanh", batch_first=True).double()
    head = _readout(model)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(_tensor(model.params["rnn.Wx"].T))
        rnn.weight_hh_l0.copy_(_tensor(model.params["rnn.Wh"].T))
        rnn.bias_ih_l0.copy_(_tensor(model.params["rnn.b"]))
        rnn.bias_hh_l0.zero_()
    _compare(
        model,
        X,
        Y,
        lambda x: head(rnn(x)[0][:, -1]),
        {
            "rnn.Wx": (rnn.weight_ih_l0, np.transpose),
            "rnn.Wh": (rnn.weight_hh_l0, np.transpose),
            "rnn.b": (rnn.bias_ih_l0, np.asarray),
            "out.W": (head.weight, np.transpose),
            "out.b": (head.bias, np.asarray),
        },
    )


@pytest.mark.parametrize(("T", "n_in", "hidden", "n_out"), CASES)
def test_lstm_matches_torch_nn_lstm(T, n_in, hidden, n_out):
    model = SequenceModel("lstm", n_in, hidden, n_out, seed=T, forget_bias=1.0)
    rng = np.random.default_rng(T)
    X, Y = rng.normal(size=(4, T, n_in)), rng.normal(size=(4, n_out))
    lstm = torch.nn.LSTM(n_in, hidden, batch_first=True).double()
    head = _readout(model)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(_tensor(model.params["lstm.Wx"].T))
        lstm.weight_hh_l0.copy_(_tensor(model.params["lstm.Wh"].T))
        lstm.bias_ih_l0.copy_(_tensor(model.params["lstm.b"]))
        lstm.bias_hh_l0.zero_()
    _compare(
        model,
        X,
        Y,
        lambda x: head(lstm(x)[0][:, -1]),
        {
            "lstm.Wx": (lstm.weight_ih_l0, np.transpose),
            "lstm.Wh": (lstm.weight_hh_l0, np.transpose),
            "lstm.b": (lstm.bias_ih_l0, np.asarray),
            "out.W": (head.weight, np.transpose),
        },
    )


@pytest.mark.parametrize(("T", "n_in", "hidden", "n_out"), CASES)
def test_attention_matches_attention_written_in_torch(T, n_in, hidden, n_out):
    model = SequenceModel("attention", n_in, hidden, n_out, seed=T)
    rng = np.random.default_rng(T)
    for v in model.params.values():
        v += rng.normal(0.0, 0.1, v.shape)
    X, Y = rng.normal(size=(4, T, n_in)), rng.normal(size=(4, n_out))
    p = {k: _tensor(v, grad=True) for k, v in model.params.items()}
    # Positional encoding written out again here, from the formula.
    pos = torch.arange(T, dtype=torch.float64)[:, None]
    div = 10000.0 ** (torch.arange(0, hidden, 2, dtype=torch.float64) / hidden)
    pe = torch.zeros(T, hidden, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos / div)
    pe[:, 1::2] = torch.cos(pos / div[: hidden // 2])

    def forward(x):
        h = x @ p["embed.W"] + p["embed.b"] + pe
        q, k, v = h @ p["attn.Wq"], h @ p["attn.Wk"], h @ p["attn.Wv"]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        scores = (q @ k.transpose(1, 2) / hidden**0.5).masked_fill(~causal, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v @ p["attn.Wo"]
        norm = torch.nn.functional.layer_norm(
            h + out, (hidden,), p["norm.gamma"], p["norm.beta"], eps=1e-5
        )
        return norm[:, -1] @ p["out.W"] + p["out.b"]

    _compare(model, X, Y, forward, {k: (t, np.asarray) for k, t in p.items()})
