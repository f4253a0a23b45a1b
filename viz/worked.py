"""Notation, tables and network diagram of the worked examples (Mazur's 2-2-2, Koech's 3-4-1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from engine import EXAMPLES
from engine.analysis.worked_examples import WorkedStep
from viz.style import FONT, NEGATIVE, POSITIVE, base_layout

# How many decimals the hand calculation shows: Mazur's article prints 9.
DECIMALS = 9
NODE_COLORS = {"input": "#e5e7eb", "hidden": "#dbeafe", "output": "#fde68a", "bias": "#ffffff"}
# Layers with more edges than this label them with values only.
MAX_NAMED_EDGES = 8
# Height every column of the diagram is spread over, in plot units; bias nodes sit at the bottom.
SPAN = 4.0


def num(value: float, decimals: int = DECIMALS) -> str:
    """A number with fixed decimals and no trailing zeros (tiny ones in scientific form)."""
    value = float(value)
    if value != 0.0 and abs(value) < 10.0 ** (-decimals + 3):
        return f"{value:.6g}"
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def unit_names(name: str) -> tuple[list[str], list[str], list[str]]:
    """Names of the input, hidden and output units, as the example's source writes them."""
    sizes = EXAMPLES[name].sizes
    if name == "mazur":
        inputs = [f"i{k + 1}" for k in range(sizes[0])]
        outputs = [f"o{k + 1}" for k in range(sizes[2])]
    else:
        inputs = [f"x{k + 1}" for k in range(sizes[0])]
        outputs = ["ŷ"] if sizes[2] == 1 else [f"ŷ{k + 1}" for k in range(sizes[2])]
    return inputs, [f"h{k + 1}" for k in range(sizes[1])], outputs


def weight_name(name: str, param: str, i: int, j: int = 0) -> str:
    """Name of entry (i, j) of an engine parameter: Mazur's w1..w8, b1, b2 or Koech's W1, W2."""
    inputs, hidden, outputs = unit_names(name)
    layer, kind = param.split(".")
    if name == "mazur":
        if kind == "b":
            return "b1" if layer == "h1" else "b2"
        # Column j of W feeds unit j: w1 = h1.W[0,0], w2 = h1.W[1,0], w3 = h1.W[0,1], ...,
        # and the output layer continues after the hidden layer's weights (w5 = out.W[0,0]).
        fan_in = len(inputs) if layer == "h1" else len(hidden)
        first = 1 if layer == "h1" else 1 + len(inputs) * len(hidden)
        return f"w{first + j * fan_in + i}"
    # Koech's W1 is (units, inputs) = h1.W.T, so engine entry (i, j) is W1[unit j, input i].
    sources, targets = (inputs, hidden) if layer == "h1" else (hidden, outputs)
    matrix = "W1" if layer == "h1" else "W2"
    if kind == "b":
        return f"b{matrix[1]}[{targets[i]}]"
    return f"{matrix}[{targets[j]},{sources[i]}]"


def factor(value: float) -> str:
    """A number to write inside a product: negative ones in parentheses."""
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def tex_unit(unit: str) -> str:
    """LaTeX for a unit name: h1 -> h_{1}, ŷ -> \\hat y."""
    if unit.startswith("ŷ"):
        return r"\hat y" + (f"_{{{unit[1:]}}}" if unit[1:] else "")
    return f"{unit[0]}_{{{unit[1:]}}}"


def tex_weight(label: str) -> str:
    """LaTeX for a weight name of weight_name: w5 -> w_{5}, W1[h2,x3] -> W^{[1]}_{h_{2} x_{3}}."""
    if "[" not in label:
        return f"{label[0]}_{{{label[1:]}}}"
    head, units = label[:-1].split("[")
    subscript = r"\,".join(tex_unit(u) for u in units.split(","))
    return f"{head[0]}^{{[{head[1:]}]}}_{{{subscript}}}"


def _connections(name: str, param: str) -> list[tuple[int, int, str, str]]:
    """(i, j, source unit, target unit) of every entry of a parameter, in engine order."""
    inputs, hidden, outputs = unit_names(name)
    layer, kind = param.split(".")
    sources, targets = (inputs, hidden) if layer == "h1" else (hidden, outputs)
    if kind == "b":
        return [(j, 0, "1", targets[j]) for j in range(len(targets))]
    return [
        (i, j, sources[i], targets[j]) for j in range(len(targets)) for i in range(len(sources))
    ]


def parameter_table(ws: WorkedStep) -> pd.DataFrame:
    """Every weight and bias: its name, what it connects, value, gradient and updated value."""
    rows = []
    for param in ("h1.W", "h1.b", "out.W", "out.b"):
        frozen = param in ws.frozen
        for i, j, source, target in _connections(ws.name, param):
            index = (i, j) if param.endswith(".W") else (i,)
            rows.append(
                {
                    "name": weight_name(ws.name, param, i, j),
                    "connects": f"{source} → {target}",
                    "value": num(ws.before[param][index]),
                    "∂E/∂w": num(ws.grads[param][index]),
                    "after the update": "not updated" if frozen else num(ws.after[param][index]),
                }
            )
    return pd.DataFrame(rows)


def named_weights(ws: WorkedStep) -> pd.DataFrame:
    """Starting weights with one column per name; a shared bias lists every unit it feeds."""
    table = parameter_table(ws).groupby("name", sort=False)
    return table.agg({"connects": ", ".join, "value": "first"}).T


def matrix_frame(name: str, values: np.ndarray, layer: str) -> pd.DataFrame:
    """A weight matrix in the (units, inputs) orientation of Koech's article: the engine's W.T."""
    inputs, hidden, outputs = unit_names(name)
    sources, targets = (inputs, hidden) if layer == "h1" else (hidden, outputs)
    return pd.DataFrame(
        [[num(v) for v in row] for row in np.asarray(values).T], index=targets, columns=sources
    )


def _spread(n: int) -> np.ndarray:
    """Vertical positions of n nodes spread evenly over SPAN, top to bottom."""
    return np.zeros(1) if n == 1 else np.linspace(SPAN / 2, -SPAN / 2, n)


def _label_position(source: int, n_sources: int, n_targets: int) -> float:
    """Where along an edge (0 at the source, 1 at the target) its weight label goes.

    Each source gets its own distance, so the labels of one source's edges share a column
    and fan apart, and the columns of different sources do not overlap. Edges into a single
    unit converge, so their labels stay near the sources, where the edges are far apart.
    """
    if n_targets == 1:
        return 0.3
    return 0.2 + 0.6 * source / max(n_sources - 1, 1)


def network_figure(ws: WorkedStep, after: bool = False) -> go.Figure:
    """The example's network with every unit's value and every weight, before or after the step."""
    ex = EXAMPLES[ws.name]
    params = ws.after if after else ws.before
    trace = ws.after_trace if after else ws.trace
    hidden_z, hidden_a = trace.layers[0].z[0], trace.layers[0].a[0]
    out_z, out_a = trace.logits[0], trace.y_hat[0]
    loss = trace.loss
    names = unit_names(ws.name)
    n_in, n_hidden, n_out = ex.sizes
    # Inputs and hidden units each share their column with a bias node (the constant 1).
    columns = [_spread(n_in + 1), _spread(n_hidden + 1), _spread(n_out)]
    ys = [columns[0][:-1], columns[1][:-1], columns[2]]
    bias_y = [columns[0][-1], columns[1][-1]]
    fig = go.Figure()

    for col, param in enumerate(("h1", "out")):
        W, b = params[f"{param}.W"], params[f"{param}.b"]
        n_src = W.shape[0] + 1
        edges = [
            (i, ys[col][i], ys[col + 1][j], W[i, j], weight_name(ws.name, f"{param}.W", i, j))
            for j in range(W.shape[1])
            for i in range(W.shape[0])
        ]
        edges += [
            (n_src - 1, bias_y[col], ys[col + 1][j], b[j], weight_name(ws.name, f"{param}.b", j))
            for j in range(W.shape[1])
        ]
        biggest = max(abs(w) for *_, w, _ in edges) or 1.0
        color = [POSITIVE if w >= 0 else NEGATIVE for *_, w, _ in edges]
        # A dense layer shows bare values on the edges; the names are in the hover and tables.
        named = len(edges) <= MAX_NAMED_EDGES
        for k, (src, y0, y1, w, label) in enumerate(edges):
            t = _label_position(src, n_src, W.shape[1])
            fig.add_trace(
                go.Scatter(
                    x=[col, col + 1],
                    y=[y0, y1],
                    mode="lines",
                    line=dict(color=color[k], width=1 + 5 * abs(w) / biggest),
                    opacity=0.5,
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
            fig.add_annotation(
                x=col + t,
                y=y0 + t * (y1 - y0),
                text=f"{label} = {w:.4g}" if named else f"{w:.4g}",
                hovertext=f"{label} = {num(w)}",
                showarrow=False,
                font=dict(size=11, color="#111827"),
                bgcolor="rgba(255,255,255,0.85)",
            )

    def add_nodes(x, y, labels, hover, kind):
        fig.add_trace(
            go.Scatter(
                x=np.full(len(y), x, dtype=float),
                y=y,
                mode="markers+text",
                marker=dict(
                    size=58, color=NODE_COLORS[kind], line=dict(width=1.5, color="#374151")
                ),
                text=labels,
                textfont=dict(size=12, color="#111827"),
                textposition="middle center",
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
                showlegend=False,
            )
        )

    x_row = ws.x[0]
    add_nodes(
        0,
        ys[0],
        [f"{n}<br>{v:.4g}" for n, v in zip(names[0], x_row, strict=True)],
        [f"{n} = {num(v)}" for n, v in zip(names[0], x_row, strict=True)],
        "input",
    )
    add_nodes(
        1,
        ys[1],
        [f"{n}<br>{a:.4g}" for n, a in zip(names[1], hidden_a, strict=True)],
        [
            f"{n}: z = {num(z)}<br>a = σ(z) = {num(a)}"
            for n, z, a in zip(names[1], hidden_z, hidden_a, strict=True)
        ],
        "hidden",
    )
    add_nodes(
        2,
        ys[2],
        [f"{n}<br>{a:.4g}" for n, a in zip(names[2], out_a, strict=True)],
        [
            f"{n}: z = {num(z)}<br>{n} = σ(z) = {num(a)}<br>target {num(t)}"
            for n, z, a, t in zip(names[2], out_z, out_a, ws.y[0], strict=True)
        ],
        "output",
    )
    for col in range(2):
        add_nodes(col, [bias_y[col]], ["1"], ["bias input: always 1"], "bias")
    for col, title in enumerate(("inputs", "hidden layer", "output layer")):
        fig.add_annotation(
            x=col, y=SPAN / 2 + 0.8, text=f"<b>{title}</b>", showarrow=False, font=FONT
        )
    when = "After one update" if after else "Before the update"
    height = 300 + 60 * max(len(c) for c in columns)
    base_layout(fig, f"{when}: E = {num(loss)}", height=height)
    fig.update_xaxes(visible=False, range=[-0.25, 2.25])
    fig.update_yaxes(visible=False, range=[-SPAN / 2 - 0.6, SPAN / 2 + 1.1])
    fig.update_layout(hovermode="closest", margin=dict(l=10, r=10, t=50, b=10))
    return fig
