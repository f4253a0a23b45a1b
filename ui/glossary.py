"""The glossary's words as data, and one-line examples with numbers from the current run.

Definitions are plain text for a learner who has read one article on backpropagation.
Each example reads its numbers from the run (recorded tensors, per-step scalars, the
config), so it is the number the rest of the app shows for the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine import Run

# (term, definition), in the order a learner meets them.
TERMS: tuple[tuple[str, str], ...] = (
    (
        "Gradient",
        "How fast the loss changes when one number changes. In one dimension it is the slope "
        "dL/dw: nudge w by a small amount ε and the loss moves by about slope × ε. With many "
        "weights, the gradient is the list of all these slopes, one per weight.",
    ),
    (
        "Loss",
        "One number that says how wrong the network is on a batch: the mean, over the "
        "samples, of how far each prediction ŷ is from its target y. Training lowers it.",
    ),
    (
        "Logit",
        "The output layer's z before the output function: a raw score that the sigmoid or "
        "softmax turns into a probability.",
    ),
    (
        "Activation",
        "A unit's output a = f(z): its weighted sum z passed through the activation "
        "function f (tanh, ReLU, sigmoid, …). Without f, stacked layers would be one linear map.",
    ),
    (
        "δ = dL/dz",
        "The error of a unit: how the loss changes with the unit's weighted sum z. The "
        "backward pass computes δ layer by layer, from the output back to the input.",
    ),
    (
        "Chain rule",
        "The rule for the slope of a chain of functions: multiply the slopes of the links. "
        "dL/dw = dL/dz · dz/dw = δ · a_in: the unit's error times the input the weight multiplies.",
    ),
    (
        "Learning rate (lr)",
        "How far each update moves the weights along the negative gradient. Too small and "
        "training crawls; too large and the loss jumps up or diverges.",
    ),
    (
        "Batch",
        "The samples one training step looks at. The step's loss and gradient are averages "
        "over the batch, so a larger batch gives a less noisy gradient per step.",
    ),
    (
        "Epoch",
        "One pass over the whole training set: as many steps as it takes for every training "
        "sample to be in a batch once.",
    ),
    (
        "Saturation",
        "A unit whose z is so large or small that tanh or sigmoid is flat there (output near "
        "±1, or near 0 or 1): its slope f'(z) is nearly 0, so almost no error passes back.",
    ),
    (
        "Dead unit",
        "A ReLU unit whose z is negative for every sample: its output and its slope are 0, "
        "so its weights get no gradient and it may never recover.",
    ),
    (
        "Update ratio",
        "The size of a layer's update divided by the size of its weights, ‖ΔW‖ / ‖W‖. Around "
        "1e-3 per step is a common rule of thumb for healthy training.",
    ),
    (
        "Vanishing gradient",
        "Gradients that shrink layer by layer on the way back, so the first layers barely "
        "learn. It happens when each layer multiplies the error by less than 1 (sigmoid's "
        "slope is at most 0.25).",
    ),
    (
        "Exploding gradient",
        "The opposite: gradients that grow layer by layer, giving huge updates and a loss "
        "that jumps or becomes NaN.",
    ),
    (
        "Residual connection",
        "A shortcut that adds a layer's input to its output, h' = h + f(z). The error flows "
        "back through the shortcut unchanged, so deep networks keep a usable gradient.",
    ),
    (
        "LayerNorm (γ and β)",
        "Normalises each sample's z over the layer's units to mean 0 and variance 1, then "
        "scales by γ and shifts by β, two learned vectors that start at 1 and 0.",
    ),
    (
        "Momentum",
        "An optimizer that keeps a running sum of past gradients (the velocity) and steps "
        "along it, so steps in a consistent direction speed up and zig-zags cancel.",
    ),
    (
        "Adam's m and v",
        "Adam keeps two running averages per weight: m of the gradient (its direction) and "
        "v of its square (its size). It steps by m / √v, so every weight moves by about lr.",
    ),
    (
        "Weight decay",
        "A pull of every weight towards 0 at each step: added to the gradient as "
        "weight_decay · w (L2), or, in AdamW, subtracted from the weight directly.",
    ),
    (
        "Dropout",
        "During training, each hidden unit is switched off at random with probability p, "
        "and the others scaled by 1/(1 − p), so the network cannot rely on any one unit.",
    ),
    (
        "Initialisation (Xavier, He)",
        "The random starting weights. Xavier (Glorot) scales them by the layer's fan-in and "
        "fan-out to keep signals the same size through tanh layers; He uses 2/fan-in for ReLU.",
    ),
    (
        "Loss surface",
        "The loss as a function of all the weights: a landscape with valleys and ridges, "
        "which training walks down step by step. The Optimizers page draws a slice of it.",
    ),
    (
        "Local minimum",
        "A valley of the loss surface that is lower than everything around it but not the "
        "lowest overall. Training from another random start can end in another valley.",
    ),
)

# The Worked example's notation (the articles') next to the rest of the app's.
NOTATION: tuple[tuple[str, str, str], ...] = (
    ("E", "L", "the error, or loss, of the sample"),
    ("t", "y", "the target"),
    ("o (out)", "ŷ", "the network's output, its prediction"),
    ("η", "lr", "the learning rate"),
    ("net", "z", "a unit's weighted sum of its inputs plus bias"),
    ("out_h, h", "a", "a hidden unit's activation, σ(net)"),
)


def _g(value: float) -> str:
    return f"{value:.4g}"


def _gradient(run: Run) -> str | None:
    rec = run.records[run.recorded_steps[-1]]
    w, g = float(rec.params["h1.W"][0, 0]), float(rec.grads["h1.W"][0, 0])
    return (
        f"At step {rec.step}, weight w[0, 0] of h1 is {_g(w)} and dL/dw = {_g(g)}: raising w "
        f"by 0.01 changes the loss by about {_g(g)} × 0.01 = {_g(g * 0.01)}."
    )


def _loss(run: Run) -> str | None:
    step = run.steps_run - 1
    return f"The batch loss ({run.config.loss}) at step {step} is {_g(float(run.loss[step]))}."


def _logit(run: Run) -> str | None:
    rec = run.records[run.recorded_steps[-1]]
    z, y_hat = float(rec.layers["out"].z[0, 0]), float(rec.y_hat[0, 0])
    return (
        f"Sample 0 of step {rec.step}: logit z = {_g(z)}, turned by the "
        f"{run.config.output} output into ŷ = {_g(y_hat)}."
    )


def _activation(run: Run) -> str | None:
    layer = run.records[run.recorded_steps[-1]].layers["h1"]
    z = float(layer.zn[0, 0] if layer.zn is not None else layer.z[0, 0])
    a = float(layer.a[0, 0])
    return f"Unit 0 of h1 for sample 0: z = {_g(z)}, a = {run.config.activation}(z) = {_g(a)}."


def _delta(run: Run) -> str | None:
    rec = run.records[run.recorded_steps[-1]]
    d = float(rec.layers["h1"].delta[0, 0])
    return f"δ of unit 0 of h1 for sample 0 at step {rec.step}: {_g(d)}."


def _lr(run: Run) -> str | None:
    return f"lr = {run.config.lr:g} with {run.config.optimizer}."


def _batch(run: Run) -> str | None:
    n = len(run.data.X_train)
    return f"batches of {min(run.config.batch_size, n)} of the {n} training samples."


def _epoch(run: Run) -> str | None:
    n = len(run.data.X_train)
    batch = min(run.config.batch_size, n)
    per_epoch = n // batch
    return (
        f"{per_epoch} step{'s' if per_epoch != 1 else ''} per epoch "
        f"({n} // {batch}), so its {run.steps_run} steps are {run.steps_run / per_epoch:.3g} "
        "epochs."
    )


def _layer_metric(run: Run, metric: str) -> tuple[int, float]:
    step = run.steps_run - 1
    return step, float(run.metric(metric)[step, 0])


def _saturation(run: Run) -> str | None:
    step, value = _layer_metric(run, "saturated")
    if math.isnan(value):
        return None
    return f"At step {step}, {value:.1%} of h1's activations are saturated."


def _dead(run: Run) -> str | None:
    step, value = _layer_metric(run, "dead")
    if math.isnan(value):
        return None
    return f"At step {step}, {value:.1%} of h1's units are dead."


def _ratio(run: Run) -> str | None:
    step, value = _layer_metric(run, "update_ratio")
    return f"h1 at step {step}: ‖ΔW‖ / ‖W‖ = {_g(value)}."


def _vanishing(run: Run) -> str | None:
    step = run.steps_run - 1
    norms = run.metric("grad_norm")[step]
    first, last = float(norms[0]), float(norms[-1])
    if not (first > 0 and last > 0):
        return None
    return (
        f"At step {step}: ‖dL/dW‖ is {_g(first)} for h1 and {_g(last)} for the output "
        f"layer, a factor {_g(last / first)} between them."
    )


def _layer_norm(run: Run) -> str | None:
    if not run.config.layer_norm:
        return None
    rec = run.records[run.recorded_steps[-1]]
    gamma, beta = rec.params["h1.gamma"], rec.params["h1.beta"]
    return (
        f"h1 at step {rec.step}: γ ranges over [{_g(float(gamma.min()))}, "
        f"{_g(float(gamma.max()))}] and β over [{_g(float(beta.min()))}, "
        f"{_g(float(beta.max()))}]."
    )


def _state(run: Run, name: str) -> float | None:
    rec = run.records[run.recorded_steps[-1]]
    layer = rec.layers["h1"]
    if name not in layer.state:
        return None
    return float(layer.state[name][0, 0])


def _momentum(run: Run) -> str | None:
    v = _state(run, "velocity")
    if v is None:
        return None
    return f"Velocity of w[0, 0] of h1 after the last recorded step: {_g(v)}."


def _adam(run: Run) -> str | None:
    m, v = _state(run, "m"), _state(run, "v")
    if m is None or v is None:
        return None
    return f"For w[0, 0] of h1 after the last recorded step: m = {_g(m)}, v = {_g(v)}."


def _weight_decay(run: Run) -> str | None:
    wd = run.config.weight_decay or (0.01 if run.config.optimizer == "adamw" else 0.0)
    return f"weight decay {wd:g}." if wd else None


def _dropout(run: Run) -> str | None:
    p = run.config.dropout
    return f"p = {p:g}, kept units scaled by {1 / (1 - p):.3g}." if p else None


def _init(run: Run) -> str | None:
    w = run.records[run.recorded_steps[0]].params["h1.W"]
    fan_in, fan_out = w.shape
    return (
        f"{run.config.init}; h1's {w.size} starting weights have std "
        f"{_g(float(np.std(w)))} (Xavier's std would be {_g(math.sqrt(2 / (fan_in + fan_out)))}, "
        f"He's {_g(math.sqrt(2 / fan_in))})."
    )


EXAMPLES: dict[str, Callable[[Run], str | None]] = {
    "Gradient": _gradient,
    "Loss": _loss,
    "Logit": _logit,
    "Activation": _activation,
    "δ = dL/dz": _delta,
    "Learning rate (lr)": _lr,
    "Batch": _batch,
    "Epoch": _epoch,
    "Saturation": _saturation,
    "Dead unit": _dead,
    "Update ratio": _ratio,
    "Vanishing gradient": _vanishing,
    "LayerNorm (γ and β)": _layer_norm,
    "Momentum": _momentum,
    "Adam's m and v": _adam,
    "Weight decay": _weight_decay,
    "Dropout": _dropout,
    "Initialisation (Xavier, He)": _init,
}


def examples(run: Run) -> dict[str, str]:
    """One-line examples from `run` for the terms that have one in this configuration."""
    out: dict[str, str] = {}
    for term, example in EXAMPLES.items():
        text = example(run)
        if text is not None:
            out[term] = text
    return out
