"""Figures of the Vanishing gradients page: four variants side by side, and the depth sweep."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.analysis.experiments import MEASURES, VARIANT_LABELS, DepthSweep, VariantResult
from viz.gradients import positive
from viz.style import ACCENT, SERIES, base_layout, layer_ticks, log_axis

PANEL_LAYER_LABELS = 4
MARKERS = {"plain": "circle", "residual": "square", "layernorm": "diamond", "both": "x"}


def profile_figure(results: dict[str, VariantResult], measure: str) -> go.Figure:
    """Per-layer gradient norm of each variant at step 0 and at the last step, shared log y."""
    label = MEASURES[measure]
    last = max(r.last_step for r in results.values())
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Step 0", f"Step {last} (trained)"),
    )
    names = list(next(iter(results.values())).layer_names)
    for name, r in results.items():
        for col, (values, step) in enumerate(((r.start, 0), (r.end, r.last_step)), start=1):
            fig.add_trace(
                go.Scatter(
                    x=names,
                    y=positive(values[measure]),
                    mode="lines+markers",
                    name=VARIANT_LABELS[name],
                    legendgroup=name,
                    showlegend=col == 1,
                    line=dict(color=SERIES[name], width=2),
                    marker=dict(symbol=MARKERS[name], size=7),
                    hovertemplate=(
                        f"{VARIANT_LABELS[name]}, step {step}<br>layer %{{x}}<br>"
                        f"{label} = %{{y:.4g}}<extra></extra>"
                    ),
                ),
                row=1,
                col=col,
            )
    base_layout(fig, f"Gradient reaching each layer: {label}", 430)
    # Subplot titles sit just above each plot: room for them under the figure's title.
    fig.update_layout(margin=dict(t=100))
    # Two panels share the width: half as many layer names each.
    fig.update_xaxes(**layer_ticks(names, max_ticks=PANEL_LAYER_LABELS))
    fig.update_xaxes(title_text="layer (input → output)", row=1, col=1)
    every = [v[measure] for r in results.values() for v in (r.start, r.end)]
    fig.update_yaxes(**log_axis(*every))
    fig.update_yaxes(title_text=f"{label} (log scale)", row=1, col=1)
    return fig


def loss_figure(results: dict[str, VariantResult], log_y: bool = False) -> go.Figure:
    """Training-set loss of each variant over training, on a linear or log axis."""
    fig = go.Figure()
    for name, r in results.items():
        fig.add_trace(
            go.Scatter(
                x=r.eval_steps,
                y=positive(r.train_loss),
                mode="lines",
                name=VARIANT_LABELS[name],
                line=dict(color=SERIES[name], width=2),
                hovertemplate=(
                    f"{VARIANT_LABELS[name]}<br>step %{{x}}<br>training loss %{{y:.4g}}"
                    "<extra></extra>"
                ),
            )
        )
    loss = next(iter(results.values())).config.loss
    base_layout(fig, "Training loss of the four networks", 400)
    fig.update_xaxes(title_text="training step")
    if log_y:
        fig.update_yaxes(
            title_text=f"{loss} loss",
            **log_axis(*(r.train_loss for r in results.values())),
        )
    else:
        fig.update_yaxes(title_text=f"{loss} loss", type="linear", rangemode="tozero")
    return fig


def depth_sweep_figure(sweep: DepthSweep, measure: str, depth: int | None = None) -> go.Figure:
    """First hidden layer's gradient norm at initialisation against depth, per variant."""
    label = MEASURES[measure].replace("dz", "dz₁").replace("dW", "dW₁")
    fig = go.Figure()
    for name, values in sweep.first_layer[measure].items():
        fig.add_trace(
            go.Scatter(
                x=sweep.depths,
                y=positive(values),
                customdata=sweep.widths,
                mode="lines+markers",
                name=VARIANT_LABELS[name],
                line=dict(color=SERIES[name], width=2),
                marker=dict(symbol=MARKERS[name], size=8),
                hovertemplate=(
                    f"{VARIANT_LABELS[name]}<br>%{{x}} hidden layers of %{{customdata}} units"
                    f"<br>{label} = %{{y:.4g}}<extra></extra>"
                ),
            )
        )
    if depth is not None:
        fig.add_vline(
            x=depth,
            line=dict(color=ACCENT, dash="dash", width=1.5),
            annotation_text=f"yours: {depth}",
            annotation_position="top right",
            annotation_yanchor="bottom",
            annotation_yshift=2,
        )
    base_layout(fig, f"First layer's {label} at step 0, by depth", 420)
    fig.update_xaxes(title_text="hidden layers", range=[0, float(np.max(sweep.depths)) + 1])
    fig.update_yaxes(
        title_text=f"{label} (log scale)", **log_axis(*sweep.first_layer[measure].values())
    )
    return fig
