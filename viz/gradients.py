"""Figures of the Gradient norms page: per-layer gradient norms, update ratios, distributions."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from engine import Run
from engine.analysis.experiments import PERCENTILES
from viz.style import (
    MAGNITUDE,
    NEUTRAL,
    POSITIVE,
    base_layout,
    guide_line,
    layer_colors,
    layer_ticks,
    log_axis,
    mark_steps,
    power_of_ten,
)

MAX_COLUMNS = 300  # steps drawn in the heatmap
MAX_POINTS = 20_000  # points across all lines of one figure
MAX_LEGEND = 12  # more layers than this: colour and hover name them, not a legend
MAX_TICKS = 8  # decades labelled on a log colour bar
UPDATE_RATIO_GUIDE = 1e-3


def sampled_steps(n_steps: int, max_points: int) -> np.ndarray:
    """Every k-th step, k as small as fits max_points, always with the last step."""
    stride = max(1, math.ceil(n_steps / max(max_points, 1)))
    steps = np.arange(0, n_steps, stride)
    if n_steps and steps[-1] != n_steps - 1:
        steps = np.append(steps, n_steps - 1)
    return steps


def positive(values: np.ndarray) -> np.ndarray:
    """Values as floats with non-finite and non-positive entries set to NaN (gaps on a log axis)."""
    out = np.asarray(values, dtype=np.float64).copy()
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


def log_colorbar(values: np.ndarray, title: str) -> tuple[float, float, dict]:
    """Decade range of log10 values and a colour bar whose ticks read 1e-3, 1e-2, ..."""
    finite = values[np.isfinite(values)]
    lo = math.floor(finite.min()) if finite.size else 0
    hi = math.ceil(finite.max()) if finite.size else 1
    hi = max(hi, lo + 1)
    every = max(1, math.ceil((hi - lo) / MAX_TICKS))
    ticks = list(range(lo, hi + 1, every))
    return lo, hi, dict(title=title, tickvals=ticks, ticktext=[power_of_ten(k) for k in ticks])


def _every_note(steps: np.ndarray) -> str:
    return f" (every {steps[1] - steps[0]} steps)" if len(steps) > 1 and steps[1] > 1 else ""


def grad_norm_heatmap(run: Run, step: int | None = None) -> go.Figure:
    """Layer x step heatmap of ||dL/dW|| on a log colour scale."""
    steps = sampled_steps(run.steps_run, MAX_COLUMNS)
    values = positive(run.metric("grad_norm")[steps].T)  # (layers, steps)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(values)
    lo, hi, colorbar = log_colorbar(logs, "||dL/dW||")
    fig = go.Figure(
        go.Heatmap(
            x=steps,
            y=run.layer_names,
            z=logs,
            customdata=values,
            zmin=lo,
            zmax=hi,
            colorscale=MAGNITUDE,
            colorbar=colorbar,
            hovertemplate="layer %{y}, step %{x}<br>||dL/dW|| = %{customdata:.4g}<extra></extra>",
        )
    )
    mark_steps(fig, step, run.diverged_at)
    base_layout(fig, "Gradient norm ||dL/dW|| per layer and step" + _every_note(steps), 360)
    fig.update_layout(margin=dict(r=120))  # the colour bar's decade labels
    fig.update_xaxes(title_text="training step", showgrid=False)
    fig.update_yaxes(
        title_text="layer (input at the bottom)", showgrid=False, **layer_ticks(run.layer_names)
    )
    return fig


def _layer_lines(run: Run, values: np.ndarray, label: str) -> go.Figure:
    """One line per layer over the steps, thinned to MAX_POINTS in all."""
    n_layers = len(run.layer_names)
    steps = sampled_steps(run.steps_run, MAX_POINTS // max(n_layers, 1))
    colors = layer_colors(n_layers)
    fig = go.Figure()
    for j, name in enumerate(run.layer_names):
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=positive(values[steps, j]),
                mode="lines",
                name=name,
                line=dict(color=colors[j], width=1.8),
                hovertemplate=f"{name}, step %{{x}}<br>{label} = %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_layout(showlegend=n_layers <= MAX_LEGEND)
    return fig


def grad_norm_lines(run: Run, step: int | None = None) -> go.Figure:
    """||dL/dW|| of every layer over training, on a log axis."""
    values = run.metric("grad_norm")
    fig = _layer_lines(run, values, "||dL/dW||")
    mark_steps(fig, step, run.diverged_at)
    base_layout(fig, "Gradient norm per layer over training")
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text="||dL/dW|| (log scale)", **log_axis(values))
    return fig


def update_ratio_figure(run: Run, step: int | None = None) -> go.Figure:
    """||update applied|| / ||W|| per layer over training, with the 1e-3 guide line."""
    values = run.metric("update_ratio")
    fig = _layer_lines(run, values, "update / weight")
    guide_line(fig, UPDATE_RATIO_GUIDE, "10⁻³: rule<br>of thumb", log_y=True)
    mark_steps(fig, step, run.diverged_at)
    base_layout(fig, "Update ratio ||ΔW|| / ||W|| per layer")
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(
        title_text="update ratio (log scale)", **log_axis(values, np.array([UPDATE_RATIO_GUIDE]))
    )
    return fig


def gradient_flow_figure(
    names: list[str], mean_abs: np.ndarray, max_abs: np.ndarray, step: int
) -> go.Figure:
    """Mean and max |dL/dW| of each layer at one step, input to output, on a log axis."""
    fig = go.Figure()
    for label, values, color in (
        ("max |dL/dW|", max_abs, NEUTRAL),
        ("mean |dL/dW|", mean_abs, POSITIVE),
    ):
        fig.add_trace(
            go.Bar(
                x=names,
                y=positive(values),
                name=label,
                marker_color=color,
                hovertemplate=f"%{{x}}<br>{label} = %{{y:.4g}}<extra></extra>",
            )
        )
    base_layout(fig, f"Gradient flow at step {step}: |dL/dW| per layer")
    fig.update_layout(barmode="group")
    fig.update_xaxes(title_text="layer (input → output)", **layer_ticks(names))
    fig.update_yaxes(title_text="|dL/dW| (log scale)", **log_axis(mean_abs, max_abs))
    return fig


def _band_edge(steps: np.ndarray, values: np.ndarray, percentile: str, **props) -> go.Scatter:
    """An invisible line along one edge of a percentile band that hovers its percentile."""
    return go.Scatter(
        x=steps,
        y=values,
        mode="lines",
        line=dict(width=0, color=POSITIVE),
        hovertemplate=f"{percentile} percentile %{{y:.4g}}<extra></extra>",
        **props,
    )


def distribution_bands(
    steps: np.ndarray, bands: np.ndarray, quantity: str, layer: str, step: int | None = None
) -> go.Figure:
    """Percentile bands (5-95, 25-75 and the median) of a layer's tensor over the recorded steps."""
    values = positive(bands)
    lo, q1, med, q3, hi = (values[:, i] for i in range(len(PERCENTILES)))
    fig = go.Figure()
    for lower, upper, name, alpha in ((lo, hi, "5th-95th", 0.18), (q1, q3, "25th-75th", 0.35)):
        low, high = name.split("-")
        fig.add_trace(_band_edge(steps, lower, low, showlegend=False, name=f"{name} (low)"))
        # The upper edge fills down to the lower one.
        fig.add_trace(
            _band_edge(
                steps,
                upper,
                high,
                fill="tonexty",
                fillcolor=f"rgba(33, 102, 172, {alpha})",
                name=f"{name} percentile",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=med,
            mode="lines",
            line=dict(color=POSITIVE, width=2),
            name="median",
            hovertemplate="median %{y:.4g}<extra></extra>",
        )
    )
    mark_steps(fig, step)
    base_layout(fig, f"{quantity} of layer {layer} over training")
    # The page's caption explains the bands; a legend would crowd a half-width chart.
    fig.update_layout(hovermode="x unified", showlegend=False)
    fig.update_xaxes(title_text="training step (recorded steps)")
    fig.update_yaxes(title_text=f"{quantity} (log scale)", **log_axis(values))
    return fig
