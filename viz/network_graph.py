"""A network drawn as a graph: units as nodes, weights as edges coloured and sized by value."""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from viz.style import ACCENT, DIVERGING, NEUTRAL, base_layout, label_subset

# Layer labels under the blocks: about 45 px each fit a phone-wide chart.
MAX_BLOCK_LABELS = 7

# Beyond these a graph is unreadable: pages show per-layer heatmaps or blocks instead.
MAX_GRAPH_UNITS = 16
MAX_GRAPH_LAYERS = 12
EDGE_BINS = 5  # magnitude bins per sign: one line trace each keeps the figure small
MAX_EDGE_WIDTH = 6.0


def fits_graph(sizes: list[int]) -> bool:
    """Whether a network of these layer widths is drawn unit by unit."""
    return len(sizes) - 2 <= MAX_GRAPH_LAYERS and max(sizes) <= MAX_GRAPH_UNITS


def node_positions(sizes: list[int]) -> list[np.ndarray]:
    """(x, y) of every unit, layer by layer: x is the layer index, units centred on y = 0."""
    return [
        np.column_stack([np.full(n, float(layer)), (n - 1) / 2 - np.arange(n, dtype=float)])
        for layer, n in enumerate(sizes)
    ]


@functools.cache
def edge_colour(sign: int, k: int) -> str:
    """Colour of the edges in bin k (of EDGE_BINS) of one sign: darker for larger |w|."""
    shade = 0.25 + 0.75 * (k + 0.5) / EDGE_BINS
    return sample_colorscale(DIVERGING, [0.5 + sign * 0.5 * shade])[0]


def edge_bins(weights: list[np.ndarray], pos: list[np.ndarray], w_max: float) -> list[dict]:
    """Edges binned by sign and |w| into 2 x EDGE_BINS line traces, empty bins included.

    Each bin is one trace of segments (None between them) with its colour and width, always
    in the same order, so animation frames of different steps can replace one another.
    """
    # Every edge once, layer by layer, row by row: where it starts and ends, w / w_max.
    starts, ends, rels = [], [], []
    for layer, W in enumerate(weights):
        i_idx, j_idx = np.indices(W.shape).reshape(2, -1)
        starts.append(pos[layer][i_idx])
        ends.append(pos[layer + 1][j_idx])
        rels.append(W.reshape(-1) / w_max)
    start, end, rel = np.concatenate(starts), np.concatenate(ends), np.concatenate(rels)
    traces = []
    for sign in (1, -1):
        for k in range(EDGE_BINS):
            lo, hi = k / EDGE_BINS, (k + 1) / EDGE_BINS
            in_bin = (sign * rel > lo) & (sign * rel <= hi)
            if k == 0 and sign == 1:
                in_bin |= rel == 0
            # Per edge: start, end, then a gap, for x and for y.
            segments = np.full((int(in_bin.sum()), 3, 2), np.nan)
            segments[:, 0], segments[:, 1] = start[in_bin], end[in_bin]
            mid = (k + 0.5) / EDGE_BINS
            traces.append(
                dict(
                    type="scatter",
                    x=_compact(segments[:, :, 0]),
                    y=_compact(segments[:, :, 1]),
                    mode="lines",
                    line=dict(color=edge_colour(sign, k), width=0.4 + MAX_EDGE_WIDTH * mid),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    return traces


def _compact(coords: np.ndarray) -> list[float | None]:
    """Unit positions (whole or half numbers) as a list, whole ones as ints, NaN as None:
    shorter JSON per frame."""
    return [None if v != v else int(v) if v == int(v) else v for v in coords.ravel().tolist()]


def _edge_hover(
    weights: list[np.ndarray], pos: list[np.ndarray], names: list[str], w_max: float
) -> go.Scatter:
    """Invisible markers at edge midpoints that show each weight exactly on hover."""
    mx, my, w, text = [], [], [], []
    for layer, W in enumerate(weights):
        i, j = np.indices(W.shape).reshape(2, -1)
        mid = (pos[layer][i] + pos[layer + 1][j]) / 2
        mx.append(mid[:, 0])
        my.append(mid[:, 1])
        w.append(W.reshape(-1))
        src, dst = names[layer], names[layer + 1]
        text += [
            f"{dst}.W[{a}, {b}] ({src} unit {a} → {dst} unit {b})"
            for a, b in zip(i, j, strict=True)
        ]
    return go.Scatter(
        x=np.concatenate(mx),
        y=np.concatenate(my),
        mode="markers",
        marker=dict(
            size=7,
            opacity=0,
            color=np.concatenate(w),
            colorscale=DIVERGING,
            cmin=-w_max,
            cmax=w_max,
            # Horizontal, under the graph: a second vertical bar would crowd the node scale.
            colorbar=dict(
                title=dict(text="weight w", side="top"),
                orientation="h",
                x=1.0,
                xanchor="right",
                y=-0.02,
                yanchor="top",
                # A fixed 150 px with three labels: they never rotate or crowd on a phone.
                lenmode="pixels",
                len=150,
                thickness=10,
                tickvals=[-w_max, 0.0, w_max],
                ticktext=[f"{-w_max:.2g}", "0", f"{w_max:.2g}"],
                tickangle=0,
            ),
        ),
        text=text,
        hovertemplate="%{text} = %{marker.color:.4g}<extra>weight</extra>",
        name="weights",
        showlegend=False,
    )


def finite_max_abs(arrays: list[np.ndarray]) -> float:
    """The largest finite |value| in `arrays`, or 1 when there is none (a colour range)."""
    return (
        max((float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in arrays), default=0.0)
        or 1.0
    )


def highlight_segments(
    highlight: list[np.ndarray], pos: list[np.ndarray]
) -> tuple[list[float | None], list[float | None]]:
    """x and y of the accented edges (None between them): highlight[l][j] is the source unit
    of the edge into unit j of node layer l + 1."""
    hx: list[float | None] = []
    hy: list[float | None] = []
    for layer, src in enumerate(highlight):
        for j, i in enumerate(src):
            (x0, y0), (x1, y1) = pos[layer][i], pos[layer + 1][j]
            hx += [float(x0), float(x1), None]
            hy += [float(y0), float(y1), None]
    return hx, hy


def network_figure(
    weights: list[np.ndarray],
    names: list[str],
    title: str,
    node_values: list[np.ndarray] | None = None,
    node_hover: list[list[str]] | None = None,
    highlight: list[np.ndarray] | None = None,
    value_label: str = "activation a",
    height: int | None = None,
    ranges: tuple[float, float] | None = None,
) -> go.Figure:
    """The network unit by unit.

    weights[l] is (fan_in, fan_out) from node layer l to l+1; names label node layers
    (input, h1.., out). node_values colour the nodes (diverging around 0); node_hover gives
    each node's hover text; highlight[l][j] is the source unit of the accented edge into unit j
    of node layer l+1.

    `ranges` fixes (w_max, v_max), the colour ranges of the weights and the node values, for
    a figure with a frame per step: then every edge bin has its trace, empty or not, so the
    frames can replace them one for one. Without, the ranges are these weights' and values'.
    """
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    pos = node_positions(sizes)
    w_max = ranges[0] if ranges else finite_max_abs(weights)
    fig = go.Figure([t for t in edge_bins(weights, pos, w_max) if ranges or t["x"]])
    if highlight is not None:
        hx, hy = highlight_segments(highlight, pos)
        fig.add_trace(
            go.Scatter(
                x=hx,
                y=hy,
                mode="lines",
                line=dict(color=ACCENT, width=2.5),
                opacity=0.85,
                hoverinfo="skip",
                name="strongest input",
            )
        )
    fig.add_trace(_edge_hover(weights, pos, names, w_max))
    all_pos = np.concatenate(pos)
    hover = (
        [t for layer in node_hover for t in layer]
        if node_hover is not None
        else [f"{names[layer]} unit {u}" for layer, n in enumerate(sizes) for u in range(n)]
    )
    height = height or int(np.clip(140 + 34 * max(sizes), 300, 620))
    # Nodes fill about 70% of the vertical gap between units (the plot is height - margins).
    node_size = float(np.clip(0.7 * (height - 120) / (max(sizes) + 1), 6, 28))
    if node_values is not None:
        values = np.concatenate([np.asarray(v, dtype=float).reshape(-1) for v in node_values])
        v_max = ranges[1] if ranges else finite_max_abs([values])
        marker = dict(
            size=node_size,
            color=values,
            colorscale=DIVERGING,
            cmin=-v_max,
            cmax=v_max,
            line=dict(color="#374151", width=1),
            colorbar=dict(title=dict(text=value_label, side="right"), x=1.0, len=0.8, thickness=12),
        )
    else:
        marker = dict(size=node_size, color="white", line=dict(color="#374151", width=1.2))
    fig.add_trace(
        go.Scatter(
            x=all_pos[:, 0],
            y=all_pos[:, 1],
            mode="markers",
            marker=marker,
            text=hover,
            hovertemplate="%{text}<extra></extra>",
            name="units",
            showlegend=False,
        )
    )
    top = max(sizes) / 2
    for layer, name in enumerate(names):
        fig.add_annotation(
            x=layer, y=top + 0.1, text=f"<b>{name}</b>", showarrow=False, yanchor="bottom"
        )
    base_layout(fig, title, height)
    fig.update_xaxes(visible=False, range=[-0.4, len(sizes) - 0.6])
    fig.update_yaxes(visible=False, range=[-top - 0.2, top + 0.8])
    fig.update_layout(margin=dict(b=30), legend=dict(y=-0.02, yanchor="top", x=0, xanchor="left"))
    return fig


def blocks_figure(sizes: list[int], names: list[str], title: str, detail: list[str]) -> go.Figure:
    """A network too large to draw unit by unit: one block per layer, its width as height."""
    fig = go.Figure()
    tallest = max(sizes)
    xs = np.arange(len(sizes), dtype=float)
    # Block height grows with the square root of the width so 2 and 256 units both show.
    heights = 0.15 + 0.85 * np.sqrt(np.asarray(sizes) / tallest)
    for x, h in zip(xs, heights, strict=True):
        fig.add_shape(
            type="rect",
            x0=x - 0.3,
            x1=x + 0.3,
            y0=-h / 2,
            y1=h / 2,
            fillcolor="#e5e7eb",
            line=dict(color="#6b7280", width=1),
        )
    fig.add_trace(
        go.Scatter(
            x=xs[:-1] + 0.5,
            y=np.zeros(len(xs) - 1),
            mode="markers",
            marker=dict(symbol="triangle-right", size=9, color=NEUTRAL),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=np.zeros(len(xs)),
            mode="markers",
            marker=dict(size=30, opacity=0),
            text=detail,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
        )
    )
    for i in label_subset(len(sizes), MAX_BLOCK_LABELS):
        fig.add_annotation(x=i, y=0.55, text=f"<b>{names[i]}</b><br>{sizes[i]}", showarrow=False)
    base_layout(fig, title, 260)
    fig.update_xaxes(visible=False, range=[-0.6, len(sizes) - 0.4])
    fig.update_yaxes(visible=False, range=[-0.6, 0.8])
    return fig
