"""The chain rule for one weight, and a gradient check, rebuilt from a step's recorded tensors.

Every term comes from what the engine recorded at that step (z, a, deltas, masks, weights),
so the terms multiply out to the engine's own gradient: dL/dW[i, j] = sum_n a_i^(n) delta_j^(n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.core.activations import ACTIVATIONS
from engine.core.gradcheck import relative_error
from engine.core.layers import layer_norm_backward, layer_norm_forward
from engine.core.losses import loss_value
from engine.training.records import Run, StepRecord

# Central differences: step and how many entries of each parameter tensor to check.
CHECK_EPS = 1e-6
CHECK_TOL = 1e-6  # relative error below which the two gradients agree
CHECK_W_ENTRIES = 2
CHECK_OTHER_ENTRIES = 1


@dataclass(frozen=True)
class ChainTerms:
    """Every factor of dL/dW[i, j] of one layer at one step; arrays are per recorded sample."""

    step: int
    layer: str  # h1..hL or out
    i: int  # from-unit: row of W (the layer's input)
    j: int  # to-unit: column of W (the layer's unit)
    input_name: str  # "x" or the layer feeding this one
    next_layer: str | None  # layer whose deltas flow back into unit j (None for out)
    rows: int  # recorded samples the per-sample terms cover
    batch: int  # samples in the training batch (the loss averages over these)
    units: int  # units of the layer (K, the outputs, for "out")
    activation: str
    loss: str
    output: str
    a_in: np.ndarray  # a_i: input to the weight, per sample
    z: np.ndarray  # z_j = (h W + b)_j
    zn: np.ndarray | None  # LayerNorm(z)_j, the activation's argument (layer_norm only)
    fprime: np.ndarray | None  # f'(z_j) (at LayerNorm(z)_j with layer_norm); None for out
    back_sum: np.ndarray | None  # sum_k w_jk delta_k over the next layer
    identity: np.ndarray | None  # residual identity path: dL/dh of the next layer's output
    mask: np.ndarray | None  # dropout mask of unit j (0 or 1/(1-p))
    d_a: np.ndarray | None  # dL/da_j = (back_sum + identity) * mask
    plain_delta: np.ndarray | None  # f'(z_j) dL/da_j: delta without LayerNorm's mixing
    ln_term: np.ndarray | None  # what LayerNorm adds: delta_j - plain_delta
    y_hat: np.ndarray | None  # prediction of output j (out layer only)
    y: np.ndarray | None  # target of output j (out layer only)
    loss_delta: np.ndarray | None  # delta_j from the loss formula, where it is a simple one
    delta: np.ndarray  # delta_j = dL/dz_j from the terms above
    products: np.ndarray  # a_i * delta_j per sample
    dW_terms: float  # sum of the products over the recorded samples
    dW: float  # the engine's dL/dW[i, j] (whole batch)
    w: float  # the weight before the update
    optimizer: str
    lr: float
    weight_decay: float
    sgd_update: float | None  # lr * (dW + weight_decay * w) for plain SGD, else None
    update: float | None  # what the optimizer subtracted (None when not recorded)

    @property
    def exact(self) -> bool:
        """Whether the recorded samples are the whole batch, so dW_terms is the full sum."""
        return self.rows == self.batch

    @property
    def w_new(self) -> float | None:
        """The weight after this step's update."""
        upd = self.update if self.update is not None else self.sgd_update
        return None if upd is None else self.w - upd

    def frame(self) -> pd.DataFrame:
        """The per-sample terms as a table, one row per recorded sample."""
        cols: dict[str, np.ndarray] = {"sample": np.arange(self.rows), "a_i": self.a_in}
        cols["z_j"] = self.z
        optional = {
            "LayerNorm(z)_j": self.zn,
            "y_hat_j": self.y_hat,
            "y_j": self.y,
            "f'(z_j)": self.fprime,
            "sum_k w_jk delta_k": self.back_sum,
            "identity dL/dh'_j": self.identity,
            "mask_j": self.mask,
            "LayerNorm term": self.ln_term,
        }
        cols.update({k: v for k, v in optional.items() if v is not None})
        cols["delta_j"] = self.delta
        cols["a_i * delta_j"] = self.products
        return pd.DataFrame(cols)


def layer_input(record: StepRecord, layer_names: list[str], layer: str) -> tuple[np.ndarray, str]:
    """The activations a layer's weights multiply (x for h1), and where they come from."""
    k = layer_names.index(layer)
    if k == 0:
        return record.x, "x"
    name = layer_names[k - 1]
    return record.layers[name].output, name


def output_grads(record: StepRecord, layer_names: list[str]) -> dict[str, np.ndarray]:
    """dL/dh for each hidden layer's output h, per recorded sample, from the recorded deltas."""
    hidden = layer_names[:-1]
    out = record.layers["out"]
    grads: dict[str, np.ndarray] = {}
    dh = out.delta @ out.W.T
    for name in reversed(hidden):
        grads[name] = dh
        rec = record.layers[name]
        below = rec.delta @ rec.W.T
        # A residual layer passes dL/dh' straight down the identity path as well.
        dh = below + dh if rec.h_out is not None else below
    return grads


def _loss_delta(
    loss: str, output: str, y_hat: np.ndarray, y: np.ndarray, batch: int, k: int
) -> np.ndarray | None:
    # The loss's dL/dz for the output pairs with a one-line formula (the 1/N of the mean).
    if (loss, output) in (("bce", "sigmoid"), ("cross_entropy", "softmax")):
        return (y_hat - y) / (batch * (k if loss == "bce" else 1))
    if (loss, output) == ("mse", "identity"):
        return 2.0 * (y_hat - y) / (batch * k)
    if (loss, output) == ("mse", "sigmoid"):
        return 2.0 * (y_hat - y) / (batch * k) * y_hat * (1.0 - y_hat)
    return None


def _layer_norm_delta(
    z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, dzn: np.ndarray
) -> np.ndarray:
    # Backward of gamma * (z - mean) / sqrt(var + eps) + beta over each sample's units.
    _, cache = layer_norm_forward(z, gamma, beta)
    return layer_norm_backward(dzn, cache)[0]


def _hidden_terms(
    record: StepRecord, names: list[str], layer: str, j: int, activation: str
) -> dict:
    """The backward-pass factors of unit j of a hidden layer, per recorded sample."""
    rec = record.layers[layer]
    nxt_name = names[names.index(layer) + 1]
    nxt = record.layers[nxt_name]
    # dL/dh of this layer's output: the next layer's deltas through its weights,
    # plus the identity path when the next layer is residual.
    back_full = nxt.delta @ nxt.W.T
    identity_full = output_grads(record, names)[nxt_name] if nxt.h_out is not None else None
    dh_full = back_full if identity_full is None else back_full + identity_full
    d_a_full = dh_full if rec.mask is None else dh_full * rec.mask
    act_in = rec.zn if rec.zn is not None else rec.z
    fprime_full = ACTIVATIONS[activation].df(act_in, rec.a)
    plain_full = d_a_full * fprime_full
    if rec.zn is not None:
        gamma, beta = record.params[f"{layer}.gamma"], record.params[f"{layer}.beta"]
        delta = _layer_norm_delta(rec.z, gamma, beta, plain_full)[:, j]
    else:
        delta = plain_full[:, j]
    return dict(
        delta=delta,
        next_layer=nxt_name,
        fprime=fprime_full[:, j],
        back_sum=back_full[:, j],
        identity=None if identity_full is None else identity_full[:, j],
        mask=None if rec.mask is None else rec.mask[:, j],
        d_a=d_a_full[:, j],
        plain_delta=plain_full[:, j],
        ln_term=None if rec.zn is None else delta - plain_full[:, j],
    )


def chain_rule_terms(run: Run, step: int, layer: str, i: int, j: int) -> ChainTerms:
    """Every term of dL/dW[i, j] of `layer` at the recorded step nearest `step`."""
    record = run.record_at(step)
    names = run.layer_names
    if layer not in names:
        raise ValueError(f"unknown layer {layer!r}; layers are {names}")
    rec = record.layers[layer]
    fan_in, fan_out = rec.W.shape
    if not (0 <= i < fan_in and 0 <= j < fan_out):
        raise ValueError(f"{layer}.W has shape {rec.W.shape}; no entry [{i}, {j}]")
    cfg = run.config
    a_all, input_name = layer_input(record, names, layer)
    a_in = a_all[:, i]
    rows = a_in.shape[0]
    hidden = dict.fromkeys(
        ("next_layer", "fprime", "back_sum", "identity", "mask", "d_a", "plain_delta", "ln_term")
    )
    outputs = dict.fromkeys(("y_hat", "y", "loss_delta"))
    if layer == "out":
        outputs["y_hat"], outputs["y"] = rec.a[:, j], record.y[:, j]
        full = _loss_delta(cfg.loss, cfg.output, rec.a, record.y, cfg.effective_batch, fan_out)
        outputs["loss_delta"] = None if full is None else full[:, j]
        delta = rec.delta[:, j]
    else:
        hidden = _hidden_terms(record, names, layer, j, cfg.activation)
        delta = hidden.pop("delta")
    products = a_in * delta
    w = float(rec.W[i, j])
    dW = float(rec.dW[i, j])
    sgd_update = None
    if cfg.optimizer == "sgd":
        sgd_update = cfg.lr * (dW + cfg.weight_decay * w)
    return ChainTerms(
        step=record.step,
        layer=layer,
        i=i,
        j=j,
        input_name=input_name,
        rows=rows,
        batch=cfg.effective_batch,
        units=fan_out,
        activation=cfg.activation,
        loss=cfg.loss,
        output=cfg.output,
        a_in=a_in,
        z=rec.z[:, j],
        zn=None if rec.zn is None else rec.zn[:, j],
        delta=delta,
        products=products,
        dW_terms=float(products.sum()),
        dW=dW,
        w=w,
        optimizer=cfg.optimizer,
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
        sgd_update=sgd_update,
        update=None if rec.update_W is None else float(rec.update_W[i, j]),
        **hidden,
        **outputs,
    )


def _check_entries(grad: np.ndarray, count: int) -> list[tuple[int, ...]]:
    # The largest |gradient| entries: the ones a wrong backward pass would show most clearly.
    flat = np.nan_to_num(np.abs(grad).ravel(), nan=0.0)
    order = np.argsort(-flat, kind="stable")[: min(count, flat.size)]
    return [tuple(int(v) for v in np.unravel_index(k, grad.shape)) for k in order]


def gradient_check(run: Run, step: int, eps: float = CHECK_EPS) -> pd.DataFrame:
    """Analytic vs central-difference gradient for a few entries of every layer's parameters.

    Uses the step's weights and recorded samples in float64, with the recorded dropout masks.
    """
    record = run.record_at(step)
    cfg = run.config
    net = run.network(record.params)
    names = run.layer_names
    masks = [record.layers[n].mask for n in names[:-1]]
    X, Y = record.x, record.y
    _, grads = net.loss_and_grads(X, Y, cfg.loss, masks=masks)
    grads = grads.copy()

    def loss_at() -> float:
        return loss_value(cfg.loss, cfg.output, net.forward(X, masks).logits, Y)

    # The loss is only known to ~10 units of its last digit, and the difference quotient
    # divides that by 2*eps: a smaller gradient cannot be checked to any relative precision.
    round_off = 10 * np.finfo(np.float64).eps * abs(loss_at()) / (2 * eps)
    rows = []
    for layer in names:
        for kind in ("W", "b", "gamma"):
            key = f"{layer}.{kind}"
            if key not in net.params:
                continue
            param = net.params[key]
            count = CHECK_W_ENTRIES if kind == "W" else CHECK_OTHER_ENTRIES
            for idx in _check_entries(grads[key], count):
                old = param[idx]
                param[idx] = old + eps
                plus = loss_at()
                param[idx] = old - eps
                minus = loss_at()
                param[idx] = old
                numeric = (plus - minus) / (2 * eps)
                analytic = float(grads[key][idx])
                rel = relative_error(np.array([analytic]), np.array([numeric]))
                diff = abs(analytic - numeric)
                rows.append(
                    {
                        "layer": layer,
                        "parameter": key,
                        "entry": str(list(idx)),
                        "analytic": analytic,
                        "numerical": numeric,
                        "abs_diff": diff,
                        "rel_error": rel,
                        "round_off": round_off,
                        "agrees": bool(rel < CHECK_TOL or diff <= round_off),
                    }
                )
    return pd.DataFrame(rows)


def delta_norms(record: StepRecord, layer_names: list[str]) -> np.ndarray:
    """||delta|| (over recorded samples and units) of each layer, in layer order."""
    return np.array([float(np.linalg.norm(record.layers[n].delta)) for n in layer_names])
