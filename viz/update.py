"""The Update page's text: one weight's optimizer rule with its numbers, and what the step did."""

from __future__ import annotations

import math

from engine.analysis.update_rule import STATE_SOURCES, UpdateTerms
from viz.backward import tex_factor, tex_num

# The usual rule of thumb for ||ΔW|| / ||W|| per step (Karpathy's CS231n notes): around 1e-3.
RATIO_GUIDE = 1e-3
RATIO_LOW, RATIO_HIGH = 1e-4, 1e-2  # a decade either side of the guide is still "about right"

Line = tuple[str, str]  # (markdown text, LaTeX; "" for none)


def _n(value: float) -> str:
    return tex_num(value, 6)


def _p(value: float) -> str:
    return tex_factor(value, 6)


def _gradient_line(t: UpdateTerms) -> list[Line]:
    grad = rf"\frac{{\partial L}}{{\partial w}} = {_n(t.grad)}"
    if t.kind != "adamw" and t.weight_decay:
        return [
            (
                f"Weight decay {t.weight_decay:g} (L2) adds weight_decay · w to the gradient:",
                rf"g = {grad} + {t.weight_decay:g} \cdot {_p(t.w_before)} = {_n(t.g)}",
            )
        ]
    return [("The gradient of this step, as the Backward pass shows it:", rf"g = {grad}")]


def _sgd_lines(t: UpdateTerms) -> list[Line]:
    if t.momentum <= 0:
        return [
            (
                "Plain SGD steps against the gradient, scaled by the learning rate:",
                rf"\Delta w = \text{{lr}} \cdot g = {t.lr:g} \cdot {_p(t.g)} = {_n(t.update)}",
            )
        ]
    mu = f"{t.momentum:g}"
    v0, v1 = t.state_before["velocity"], t.state_after["velocity"]
    first = t.t == 1
    lines = [
        (
            "The velocity starts as the first gradient."
            if first
            else f"The velocity keeps {mu} of its last value ({STATE_SOURCES[t.state_source]}) "
            "and adds the new gradient:",
            rf"v_{{{t.t}}} = g = {_n(v1)}"
            if first
            else rf"v_{{{t.t}}} = {mu} \cdot v_{{{t.t - 1}}} + g = {mu} \cdot {_p(v0)} + "
            rf"{_p(t.g)} = {_n(v1)}",
        )
    ]
    if t.nesterov:
        lines.append(
            (
                "Nesterov looks ahead: it steps along the gradient plus the momentum of the "
                "new velocity.",
                rf"\Delta w = \text{{lr}} \cdot (g + {mu} \cdot v_{{{t.t}}}) = {t.lr:g} \cdot "
                rf"({_n(t.g)} + {mu} \cdot {_p(v1)}) = {_n(t.update)}",
            )
        )
    else:
        lines.append(
            (
                "The step follows the velocity, not the gradient alone:",
                rf"\Delta w = \text{{lr}} \cdot v_{{{t.t}}} = {t.lr:g} \cdot {_p(v1)} = "
                rf"{_n(t.update)}",
            )
        )
    return lines


def _rmsprop_lines(t: UpdateTerms) -> list[Line]:
    a = f"{t.alpha:g}"
    s0, s1 = t.state_before["square_avg"], t.state_after["square_avg"]
    return [
        (
            f"RMSProp keeps a running average of g² ({STATE_SOURCES[t.state_source]} for the "
            "last value):",
            rf"s_{{{t.t}}} = {a} \cdot s_{{{t.t - 1}}} + (1 - {a})\, g^2 = {a} \cdot {_n(s0)} + "
            rf"{1 - t.alpha:.2g} \cdot {_p(t.g)}^2 = {_n(s1)}",
        ),
        (
            "and divides the gradient by its square root, so small and large gradients give "
            "steps of similar size:",
            rf"\Delta w = \text{{lr}} \cdot \frac{{g}}{{\sqrt{{s_{{{t.t}}}}} + \epsilon}} = "
            rf"{t.lr:g} \cdot \frac{{{_n(t.g)}}}{{\sqrt{{{_n(s1)}}} + 10^{{-8}}}} = {_n(t.update)}",
        ),
    ]


def _adam_lines(t: UpdateTerms) -> list[Line]:
    b1, b2 = f"{t.beta1:g}", f"{t.beta2:g}"
    m0, m1 = t.state_before["m"], t.state_after["m"]
    v0, v1 = t.state_before["v"], t.state_after["v"]
    m_hat, v_hat = t.m_hat or 0.0, t.v_hat or 0.0
    step = t.update - (t.decay or 0.0)
    lines = [
        (
            f"Adam keeps two running averages ({STATE_SOURCES[t.state_source]} for the last "
            "values): m of the gradient (its direction) and v of its square (its size).",
            rf"m_{{{t.t}}} = {b1}\, m_{{{t.t - 1}}} + (1 - {b1})\, g = {b1} \cdot {_p(m0)} + "
            rf"{1 - t.beta1:.2g} \cdot {_p(t.g)} = {_n(m1)}",
        ),
        (
            "",
            rf"v_{{{t.t}}} = {b2}\, v_{{{t.t - 1}}} + (1 - {b2})\, g^2 = {b2} \cdot {_n(v0)} + "
            rf"{1 - t.beta2:.2g} \cdot {_p(t.g)}^2 = {_n(v1)}",
        ),
        (
            f"Both start at 0, so early on they are too small: dividing by 1 − β^t "
            f"(t = {t.t}, the optimizer's step count) corrects that bias.",
            rf"\hat m = \frac{{m_{{{t.t}}}}}{{1 - {b1}^{{{t.t}}}}} = \frac{{{_n(m1)}}}"
            rf"{{{_n(t.bias1)}}} = {_n(m_hat)}",
        ),
        (
            "",
            rf"\hat v = \frac{{v_{{{t.t}}}}}{{1 - {b2}^{{{t.t}}}}} = \frac{{{_n(v1)}}}"
            rf"{{{_n(t.bias2)}}} = {_n(v_hat)}",
        ),
        (
            "The step is m̂ scaled by the gradient's typical size √v̂:",
            rf"\text{{lr}} \cdot \frac{{\hat m}}{{\sqrt{{\hat v}} + \epsilon}} = {t.lr:g} \cdot "
            rf"\frac{{{_n(m_hat)}}}{{\sqrt{{{_n(v_hat)}}} + 10^{{-8}}}} = {_n(step)}",
        ),
    ]
    if t.decay is not None:
        lines.append(
            (
                f"AdamW also shrinks the weight directly by lr · weight_decay · w (decoupled "
                f"weight decay {t.weight_decay:g}), outside the averages:",
                rf"\Delta w = {_n(step)} + {t.lr:g} \cdot {t.weight_decay:g} \cdot "
                rf"{_p(t.w_before)} = {_n(t.update)}",
            )
        )
    else:
        lines.append(("", rf"\Delta w = {_n(t.update)}"))
    return lines


def _stacked(tex: str) -> str:
    """`a = b = c` as aligned lines (a = b, then = c), so it fits a phone's width."""
    parts = tex.split(" = ")
    if len(parts) <= 2:
        return tex
    rest = r" \\ &= ".join(parts[2:])
    return rf"\begin{{aligned}} {parts[0]} &= {parts[1]} \\ &= {rest} \end{{aligned}}"


def update_lines(t: UpdateTerms) -> list[Line]:
    """w before, the gradient, the optimizer's rule with its numbers, and w after."""
    return [(text, _stacked(tex)) for text, tex in _lines(t)]


def _lines(t: UpdateTerms) -> list[Line]:
    lines: list[Line] = [
        (
            f"Weight **w[{t.i}, {t.j}] of {t.layer}** before the update of step {t.step}:",
            rf"w = {_n(t.w_before)}",
        )
    ]
    lines += _gradient_line(t)
    if t.kind == "sgd":
        lines += _sgd_lines(t)
    elif t.kind == "rmsprop":
        lines += _rmsprop_lines(t)
    else:
        lines += _adam_lines(t)
    lines.append(
        (
            "The optimizer subtracts Δw:",
            rf"w^{{+}} = w - \Delta w = {_n(t.w_before)} - {_p(t.update)} = {_n(t.w_after)}",
        )
    )
    return lines


def loss_change_sentence(before: float, after: float, step: int) -> str:
    """Whether step `step`'s update lowered its own batch's loss, and by how much."""
    if not (math.isfinite(before) and math.isfinite(after)):
        return (
            f"The loss on step {step}'s batch went from {before:.6g} to {after:.6g}: "
            "not a finite number, so the step broke training."
        )
    change = after - before
    share = f" ({abs(change) / before:.2%})" if before > 0 else ""
    if change < 0:
        return (
            f"This step helped: on its own batch the loss fell from {before:.6g} to "
            f"{after:.6g}, by {-change:.3g}{share}."
        )
    if change > 0:
        return (
            f"This step did not help its own batch: the loss rose from {before:.6g} to "
            f"{after:.6g}, by {change:.3g}{share}. That happens when the step is too long for "
            "this batch (a large **Learning rate**), or when momentum carries the weights "
            "along earlier batches' direction."
        )
    return f"This step left the loss on its batch unchanged at {before:.6g}."


def ratio_sentence(layer: str, ratio: float) -> str:
    """What layer's update ratio ||ΔW|| / ||W|| says against the ~1e-3 rule of thumb."""
    head = f"For the whole of {layer}, ‖ΔW‖ / ‖W‖ = {ratio:.3g}"
    if not math.isfinite(ratio):
        return f"{head}: the weights are zero or the update overflowed."
    if ratio < RATIO_LOW:
        return (
            f"{head}, more than ten times below the rule of thumb of {RATIO_GUIDE:g}: this "
            "layer barely moves. A larger **Learning rate** would let it learn faster."
        )
    if ratio > RATIO_HIGH:
        return (
            f"{head}, more than ten times above the rule of thumb of {RATIO_GUIDE:g}: each "
            "step changes this layer's weights by over 1%, which often makes training "
            "unstable. A smaller **Learning rate** would calm it."
        )
    return (
        f"{head}, within a factor of ten of the rule of thumb of {RATIO_GUIDE:g}: each step "
        "nudges the weights by about a thousandth of their size."
    )
