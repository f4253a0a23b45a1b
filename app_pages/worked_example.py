"""Worked example: one step of backpropagation by hand, every number from the engine."""

import numpy as np
import pandas as pd
import streamlit as st

from engine import EXAMPLES, worked_step
from engine.analysis.worked_examples import WorkedStep
from ui import glossary, layout, lesson
from viz.worked import (
    factor,
    matrix_frame,
    named_weights,
    network_figure,
    num,
    parameter_table,
    tex_unit,
    tex_weight,
    unit_names,
    weight_name,
)


def tw(param: str, i: int, j: int = 0) -> str:
    """LaTeX name of a parameter entry in the example's own notation."""
    return tex_weight(weight_name(name, param, i, j))


def chain(unit: str, weight: str) -> str:
    """The chain rule for a weight into an output unit, as a product of partial derivatives."""
    u = tex_unit(unit)
    d = r"\partial "
    return (
        f"\\frac{{{d}E}}{{{d}{u}}}\\,\\frac{{{d}{u}}}{{{d}z_{{{u}}}}}\\,"
        f"\\frac{{{d}z_{{{u}}}}}{{{d}{weight}}}"
    )


def bias_grad(param: str, unit: str, k: int) -> str:
    """The gradient of the bias into `unit` (entry k of `param`): that unit's δ."""
    return (
        f"\\frac{{\\partial E}}{{\\partial {tw(param, k)}}} &= \\delta_{{{tex_unit(unit)}}} "
        f"= {num(ws.grads[param][k])}"
    )


def entries(values: np.ndarray) -> list[tuple[int, ...]]:
    """Indices of a weight matrix unit by unit (all weights into unit 0 first), or of a bias."""
    if values.ndim == 1:
        return [(j,) for j in range(values.shape[0])]
    return [(i, j) for j in range(values.shape[1]) for i in range(values.shape[0])]


def aligned(lines: list[str]) -> None:
    """Equations one per line, aligned at their first '='."""
    st.latex(r"\begin{aligned}" + r"\\[8pt]".join(lines) + r"\end{aligned}")


layout.header(
    "Worked example",
    "One training step of a tiny network, done the way you would do it with pencil and "
    "paper: forward pass, error, chain rule, update. Every number on this page is the one "
    "the app's engine computes, printed with 9 decimals so you can check each line.",
)
layout.try_this(
    "Switch **Example** to Koech's 3-4-1 network: the same chain rule with cross-entropy, "
    "where the output unit's δ is simply ŷ − t."
)

layout.start_from_link("example")
name = st.segmented_control(
    "Example",
    list(EXAMPLES),
    format_func=lambda n: EXAMPLES[n].title,
    default=None,
    required=True,
    key="example",
) or next(iter(EXAMPLES))  # required=True: never empty, but typed as optional
layout.keep_in_link("example", name)
ex = EXAMPLES[name]
ws = worked_step(name)
inputs, hidden, outputs = unit_names(name)
x, t = ws.x[0], ws.y[0]
h_layer = ws.trace.layers[0]
hz, ha, h_dE, h_delta = h_layer.z[0], h_layer.a[0], h_layer.d_a[0], h_layer.delta[0]
oz, oa, o_delta = ws.trace.logits[0], ws.trace.y_hat[0], ws.trace.delta_out[0]
eta = num(ws.lr)
frozen = [p for p in ("h1.b", "out.b") if p in ws.frozen]

tiles = [(f"Output {u}", f"{v:.3f}") for u, v in zip(outputs, oa, strict=True)]
tiles += [("Error E", f"{ws.trace.loss:.3f}"), ("E after one update", f"{ws.loss_after:.3f}")]
for col, (label, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    col.metric(label, value, border=True, help="Rounded; the exact values are below.")

st.header("1 · The set-up")
st.markdown(
    f"From {ex.source}. {len(inputs)} inputs, {len(hidden)} hidden units and "
    f"{len(outputs)} output unit{'s' if len(outputs) > 1 else ''}, each with a sigmoid "
    f"σ(z) = 1 / (1 + e^(−z)); one training sample; learning rate η = {eta}."
)
st.latex(", \\quad ".join(f"{tex_unit(u)} = {num(v)}" for u, v in zip(inputs, x, strict=True)))
st.latex(
    ", \\quad ".join(
        f"t_{{{tex_unit(u)}}} = {num(v)}" if len(outputs) > 1 else f"t = {num(v)}"
        for u, v in zip(outputs, t, strict=True)
    )
)
st.markdown("The error to minimise:")
st.latex(ws.loss_formula)
with st.expander("This page's notation and the rest of the app's"):
    st.table(pd.DataFrame(glossary.NOTATION, columns=["This page", "Rest of the app", "Meaning"]))
st.caption(
    f"The engine trains this with its loss **{ws.loss_name}**, which for this one sample is "
    "exactly E."
)
st.markdown("**The starting weights**")
if name == "koech":
    st.markdown(
        "As in the article, W1 has one row per hidden unit and one column per input "
        "(the engine stores its transpose), and W2 has one row for the output unit. "
        "The biases start at 0."
    )
    left, right = st.columns([3, 4])
    left.markdown("W1, inputs to hidden units")
    left.dataframe(matrix_frame(name, ws.before["h1.W"], "h1"), width="stretch")
    right.markdown("W2, hidden units to the output")
    right.dataframe(matrix_frame(name, ws.before["out.W"], "out"), width="stretch")
else:
    st.markdown(
        "Mazur's names: w1…w4 lead from the inputs to the hidden units, w5…w8 from the "
        "hidden units to the outputs. One bias b1 is shared by both hidden units, b2 by "
        "both outputs."
    )
    st.dataframe(named_weights(ws), width="stretch")


@st.fragment
def network_view(ws: WorkedStep) -> None:
    """The example's network before or after the update: the toggle reruns only this."""
    after_view = st.toggle("Show the network after the update", key="worked_after")
    # Built once per example and view (40-50 ms each): the published numbers never change.
    fig = layout.figure(network_figure, (ws.name, after_view), ws, after=after_view)
    layout.chart(fig, key="worked_network")
    st.caption(
        "Blue edges are positive weights, red negative; thicker means larger. Hover a unit "
        "for its z and σ(z) with every decimal."
    )


network_view(ws)

st.header("2 · Forward pass")
st.markdown(
    "Each unit adds up its inputs times their weights, plus its bias: that is its net "
    "input z. Its output is σ(z)."
)
for layer, sources, values, targets, zs, outs in (
    ("h1", inputs, x, hidden, hz, ha),
    ("out", hidden, ha, outputs, oz, oa),
):
    lines = []
    for j, unit in enumerate(targets):
        symbols = " + ".join(
            f"{tw(layer + '.W', i, j)}\\,{tex_unit(s)}" for i, s in enumerate(sources)
        )
        products = [
            f"{factor(ws.before[layer + '.W'][i, j])} \\cdot {factor(values[i])}"
            for i in range(len(sources))
        ]
        products.append(factor(ws.before[layer + ".b"][j]))
        # A sum of more than four terms is split after three, so it still fits the page.
        per_row = 4 if len(products) <= 4 else 3
        rows = [" + ".join(products[k : k + per_row]) for k in range(0, len(products), per_row)]
        numbers = " \\\\ &\\quad + ".join(rows)
        lines.append(
            f"z_{{{tex_unit(unit)}}} &= {symbols} + {tw(layer + '.b', j)} \\\\ "
            f"&= {numbers} = {num(zs[j])}"
        )
        lines.append(
            f"{tex_unit(unit)} &= \\sigma(z_{{{tex_unit(unit)}}}) "
            f"= \\frac{{1}}{{1 + e^{{-{factor(zs[j])}}}}} = {num(outs[j])}"
        )
    aligned(lines)

st.header("3 · The error")
if ws.loss_name == "mse":
    terms = " + ".join(f"\\tfrac12({num(tk)} - {num(ok)})^2" for tk, ok in zip(t, oa, strict=True))
    symbols = " + ".join(f"\\tfrac12(t_{{{tex_unit(u)}}} - {tex_unit(u)})^2" for u in outputs)
    st.latex(f"E = {symbols} = {terms} = {num(ws.trace.loss)}")
else:
    st.latex(
        f"E = -\\left(t \\log \\hat y + (1 - t)\\log(1 - \\hat y)\\right) = "
        f"-\\left({num(t[0])} \\cdot \\log {num(oa[0])} + (1 - {num(t[0])}) \\cdot "
        f"\\log(1 - {num(oa[0])})\\right) = {num(ws.trace.loss)}"
    )

st.header("4 · Backward pass: the output layer")
if ws.loss_name == "mse":
    st.markdown(
        "By the chain rule, δ = ∂E/∂z of an output unit is ∂E/∂o · ∂o/∂z. Here ∂E/∂o = o − t "
        "(the ½ cancels the square's 2) and ∂o/∂z = o(1 − o), the sigmoid's slope."
    )
    lines = [
        f"\\delta_{{{tex_unit(u)}}} = \\frac{{\\partial E}}{{\\partial z_{{{tex_unit(u)}}}}} "
        f"&= ({tex_unit(u)} - t_{{{tex_unit(u)}}})\\,{tex_unit(u)}(1 - {tex_unit(u)}) "
        f"= ({num(oa[k])} - {num(t[k])}) \\cdot {num(oa[k])} \\cdot (1 - {num(oa[k])}) "
        f"= {num(o_delta[k])}"
        for k, u in enumerate(outputs)
    ]
else:
    st.markdown(
        "With cross-entropy after a sigmoid, ∂E/∂ŷ = −t/ŷ + (1 − t)/(1 − ŷ) times the "
        "sigmoid's slope ŷ(1 − ŷ) simplifies to ŷ − t: the output's δ is just the error."
    )
    lines = [
        f"\\delta_{{\\hat y}} = \\frac{{\\partial E}}{{\\partial z_{{\\hat y}}}} &= \\hat y - t "
        f"= {num(oa[0])} - {num(t[0])} = {num(o_delta[0])}"
    ]
aligned(lines)
st.markdown(
    "A weight into an output unit changes z by the value on its input side, so "
    "∂E/∂w = δ of the unit it feeds × the input it carries:"
)
lines = []
for k, u in enumerate(outputs):
    for j, s in enumerate(hidden):
        lines.append(
            f"\\frac{{\\partial E}}{{\\partial {tw('out.W', j, k)}}} "
            f"&= {chain(u, tw('out.W', j, k))} = \\delta_{{{tex_unit(u)}}}\\,{tex_unit(s)} "
            f"= {factor(o_delta[k])} \\cdot {num(ha[j])} = {num(ws.grads['out.W'][j, k])}"
        )
    if "out.b" not in frozen:
        lines.append(bias_grad("out.b", u, k))
aligned(lines)

st.header("5 · Backward pass: the hidden layer")
st.markdown(
    "A hidden unit feeds every output, so its error is the sum over the outputs of their δ "
    "times the weight that connects them. Times the hidden unit's own sigmoid slope, that "
    "gives its δ, and each weight into it gets δ × its input."
)
for j, s in enumerate(hidden):
    sum_symbols = " + ".join(
        f"\\delta_{{{tex_unit(u)}}}\\,{tw('out.W', j, k)}" for k, u in enumerate(outputs)
    )
    sum_numbers = " + ".join(
        f"{factor(o_delta[k])} \\cdot {factor(ws.before['out.W'][j, k])}"
        for k in range(len(outputs))
    )
    lines = [
        f"\\frac{{\\partial E}}{{\\partial {tex_unit(s)}}} &= {sum_symbols} = {sum_numbers} "
        f"= {num(h_dE[j])}",
        f"\\delta_{{{tex_unit(s)}}} &= \\frac{{\\partial E}}{{\\partial {tex_unit(s)}}}\\,"
        f"{tex_unit(s)}(1 - {tex_unit(s)}) = {factor(h_dE[j])} \\cdot {num(ha[j])} \\cdot "
        f"(1 - {num(ha[j])}) = {num(h_delta[j])}",
    ]
    for i, src in enumerate(inputs):
        lines.append(
            f"\\frac{{\\partial E}}{{\\partial {tw('h1.W', i, j)}}} &= "
            f"\\delta_{{{tex_unit(s)}}}\\,{tex_unit(src)} = {factor(h_delta[j])} \\cdot "
            f"{factor(x[i])} = {num(ws.grads['h1.W'][i, j])}"
        )
    if "h1.b" not in frozen:
        lines.append(bias_grad("h1.b", s, j))
    aligned(lines)

st.header("6 · The update")
st.markdown(f"Every weight moves against its gradient: w ← w − η · ∂E/∂w, with η = {eta}.")
if frozen:
    st.markdown(
        "The biases b1 and b2 are **not updated**: Mazur keeps them fixed in his article, "
        "so this page does too."
    )
for layer in ("out", "h1"):
    lines = []
    for param in (f"{layer}.W", f"{layer}.b"):
        if param in frozen:
            continue
        for index in entries(ws.before[param]):
            label = tw(param, *index)
            grad = f"\\frac{{\\partial E}}{{\\partial {label}}}"
            lines.append(
                f"{{{label}}}^{{+}} &= {label} - \\eta\\,{grad} = {num(ws.before[param][index])} "
                f"- {eta} \\cdot {factor(ws.grads[param][index])} = {num(ws.after[param][index])}"
            )
    aligned(lines)

st.header("7 · After the update")
out_lines = [
    f"{tex_unit(u)}^{{+}} &= {num(v)}" for u, v in zip(outputs, ws.y_hat_after[0], strict=True)
]
aligned(out_lines + [f"E^{{+}} &= {num(ws.loss_after)}"])
st.markdown(
    f"One step lowered the error from {num(ws.trace.loss)} to {num(ws.loss_after)}. "
    "Training repeats this step many times."
)
if name == "mazur":
    st.caption(
        "Mazur's article prints 0.291027924 for the new error; recomputing it from his own "
        "updated weights gives the value above."
    )
with st.expander("Every parameter in one table"):
    st.dataframe(parameter_table(ws), hide_index=True, width="stretch")

lesson.nav("app_pages/worked_example.py")
