"""Forward-pass figures: one sample through the network, and activations layer by layer."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine import Run, StepRecord
from viz.network_graph import network_figure
from viz.style import ACCENT, DIVERGING, base_layout, layer_colors, layer_ticks

MAX_LINE_POINTS = 400  # points per line over training; longer runs are thinned evenly


def layer_inputs(record: StepRecord, names: list[str]) -> list[np.ndarray]:
    """The input h of each weight layer for the recorded samples: x, then each layer's output."""
    inputs = [record.x]
    inputs += [record.layers[name].output for name in names[:-1]]
    return inputs


def strongest_inputs(W: np.ndarray, h: np.ndarray) -> np.ndarray:
    """For each unit j, the input i with the largest contribution |h_i W_ij| to z_j."""
    return np.argmax(np.abs(h[:, None] * W), axis=0)


def _node_hover(run: Run, record: StepRecord, sample: int) -> list[list[str]]:
    names = run.data.feature_names
    hover = [[f"input {names[u]} = {v:.4g}" for u, v in enumerate(record.x[sample])]]
    for name in run.layer_names:
        rec = record.layers[name]
        rows = []
        for u in range(rec.z.shape[1]):
            if name == "out":
                text = f"out unit {u}<br>z (logit) = {rec.z[sample, u]:.4g}"
                text += f"<br>ŷ = a = {rec.a[sample, u]:.4g}"
            else:
                text = f"{name} unit {u}<br>z = {rec.z[sample, u]:.4g}"
                if rec.zn is not None:
                    text += f"<br>LayerNorm(z) = {rec.zn[sample, u]:.4g}"
                text += f"<br>a = {rec.a[sample, u]:.4g}"
                if rec.mask is not None and rec.mask[sample, u] == 0:
                    text += "<br>dropped by dropout"
            rows.append(text)
        hover.append(rows)
    return hover


@dataclass
class GraphStep:
    """What the forward graph of one sample shows at one step."""

    weights: list[np.ndarray]  # W of each layer
    values: list[np.ndarray]  # x, then a of each layer, for the sample
    hover: list[list[str]]  # each node's hover text, node layer by node layer
    highlight: list[np.ndarray]  # per layer: the strongest input of each unit


def graph_step(run: Run, record: StepRecord, sample: int) -> GraphStep:
    """The weights, the sample's values and hover texts, and the accented edges at a step."""
    names = run.layer_names
    weights = [record.layers[n].W for n in names]
    inputs = layer_inputs(record, names)
    return GraphStep(
        weights=weights,
        values=[record.x[sample]] + [record.layers[n].a[sample] for n in names],
        hover=_node_hover(run, record, sample),
        highlight=[strongest_inputs(W, h[sample]) for W, h in zip(weights, inputs, strict=True)],
    )


def forward_graph_figure(
    run: Run, record: StepRecord, sample: int, ranges: tuple[float, float] | None = None
) -> go.Figure:
    """One sample's forward pass: nodes coloured by activation, edges by weight, path accented.

    `ranges` fixes the colour ranges (w_max, v_max), as network_figure's.
    """
    part = graph_step(run, record, sample)
    return network_figure(
        part.weights,
        ["input"] + run.layer_names,
        f"Sample {sample}, step {record.step}: a on nodes, w on edges",
        node_values=part.values,
        node_hover=part.hover,
        highlight=part.highlight,
        ranges=ranges,
    )


def layer_heatmap_figure(record: StepRecord, layer: str, sample: int) -> go.Figure:
    """Activations a of one layer for every recorded sample (units x samples), sample marked."""
    rec = record.layers[layer]
    a = rec.a.T  # units x samples
    span = float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=a,
            customdata=rec.z.T,
            zmin=-span,
            zmax=span,
            colorscale=DIVERGING,
            colorbar=dict(title=dict(text="activation a", side="right"), thickness=12),
            hovertemplate="unit %{y}, sample %{x}<br>z = %{customdata:.4g}<br>"
            "a = %{z:.4g}<extra></extra>",
        )
    )
    fig.add_shape(
        type="rect",
        x0=sample - 0.5,
        x1=sample + 0.5,
        y0=-0.5,
        y1=a.shape[0] - 0.5,
        line=dict(color=ACCENT, width=3),
    )
    base_layout(fig, f"Layer {layer}, step {record.step}: a of every sample", 420)
    fig.update_xaxes(title="sample of the batch", showgrid=False)
    fig.update_yaxes(title="unit", showgrid=False, autorange="reversed")
    return fig


def box_stats(a: np.ndarray) -> dict[str, list[float]] | None:
    """A box's quartiles, range and mean of the finite values of `a` (None if there are none)."""
    a = a[np.isfinite(a)]
    if a.size == 0:
        return None
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    return dict(
        q1=[q1], median=[med], q3=[q3], lowerfence=[a.min()], upperfence=[a.max()], mean=[a.mean()]
    )


def activation_boxes_figure(run: Run, record: StepRecord) -> go.Figure:
    """Per hidden layer: quartiles, mean and range of a over the recorded samples and units."""
    fig = go.Figure()
    names = run.layer_names[:-1]
    for name in names:
        stats = box_stats(record.layers[name].a)
        if stats is None:
            continue
        fig.add_trace(
            go.Box(
                x=[name],
                **stats,
                name=name,
                marker_color="#2563eb",
                fillcolor="rgba(37,99,235,0.25)",
                line=dict(width=1.5),
                showlegend=False,
            )
        )
    base_layout(
        fig,
        f"Activations a per layer, step {record.step}",
        340,
    )
    fig.update_xaxes(
        title="layer",
        type="category",
        categoryorder="array",
        categoryarray=names,
        **layer_ticks(names),
    )
    fig.update_yaxes(title="activation a", zeroline=True, zerolinecolor="#9ca3af")
    return fig


def activation_stats_figure(run: Run, step: int | None = None) -> go.Figure:
    """Per-layer activation mean, std and saturated (or dead) share over training."""
    panels = [("act_mean", "mean of a"), ("act_std", "std of a")]
    for metric, label in (("saturated", "saturated share"), ("dead", "dead ReLU share")):
        if np.isfinite(run.metric(metric)).any():
            panels.append((metric, label))
    # Two panels a row: four in one row leave a phone-wide chart no room for their titles.
    rows = math.ceil(len(panels) / 2)
    fig = make_subplots(
        rows=rows,
        cols=2,
        subplot_titles=[label for _, label in panels],
        horizontal_spacing=0.12,
        vertical_spacing=0.3,
    )
    names = run.layer_names[:-1]
    thin = np.unique(np.linspace(0, run.steps_run - 1, MAX_LINE_POINTS).round().astype(int))
    colours = layer_colors(len(names))
    legend = len(names) <= 4  # more names crowd the panels; colour then encodes depth
    for index, (metric, label) in enumerate(panels):
        row, col = divmod(index, 2)
        row, col = row + 1, col + 1
        values = run.metric(metric)[thin]
        for k, name in enumerate(names):
            fig.add_trace(
                go.Scatter(
                    x=thin,
                    y=values[:, k],
                    mode="lines",
                    line=dict(color=colours[k], width=1.5),
                    name=name,
                    legendgroup=name,
                    showlegend=legend and index == 0,
                    hovertemplate=f"{name}, step %{{x}}<br>{label} %{{y:.4g}}<extra></extra>",
                ),
                row=row,
                col=col,
            )
        fig.update_xaxes(title_text="step", row=row, col=col)
        if step is not None:
            fig.add_vline(x=step, line=dict(color=ACCENT, width=1, dash="dot"), row=row, col=col)
    title = "Activations over training, one line per layer"
    if not legend:
        title += " (dark: first, yellow: last)"
    base_layout(fig, title, 300 * rows)
    fig.update_layout(margin=dict(t=100))
    return fig
