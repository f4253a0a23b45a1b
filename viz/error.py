"""Figures of the Error page: loss and accuracy over training, predictions, loss functions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine import Run, StepRecord
from engine.analysis.loss_curves import loss_curve, loss_curves, per_sample_loss, z_grid
from viz.curves import loss_traces, with_gaps
from viz.style import (
    ACCENT,
    CLASS_COLORS,
    NEGATIVE,
    NEUTRAL,
    SERIES,
    base_layout,
    guide_line,
    log_axis,
    mark_steps,
)

LOSS_COLORS = {"mse": "#9333ea", "bce": "#2563eb", "cosine": "#16a34a"}
LOSS_LABELS = {"mse": "MSE", "bce": "BCE (cross-entropy)", "cosine": "cosine"}
# Pre-activations below this count as "saturated at the wrong answer" for target 1.
SATURATED_Z = -3.0
# The curves reach the run's samples, but no further than this (a diverging run's z explodes).
Z_LIMIT = 30.0
# Upper end of the loss axis: BCE grows without bound as y_hat -> 0.
LOSS_AXIS_MAX = 4.0


def loss_figure(run: Run, log_y: bool = False, step: int | None = None) -> go.Figure:
    """Batch loss every step, and train and test loss at the evaluation steps."""
    fig = go.Figure(loss_traces(run, batch_color="#93c5fd", width=2.5))
    mark_steps(fig, step, run.diverged_at)
    base_layout(fig, f"Loss over training ({run.config.loss})")
    fig.update_xaxes(title_text="training step", range=[0, max(run.steps_run - 1, 1)])
    if log_y:
        values = [t.y for t in fig.data]
        fig.update_yaxes(title_text=f"{run.config.loss} loss", **log_axis(*values))
    else:
        fig.update_yaxes(title_text=f"{run.config.loss} loss", type="linear")
    return fig


def accuracy_figure(run: Run, step: int | None = None) -> go.Figure:
    """Train and test accuracy at the evaluation steps, with the chance level."""
    fig = go.Figure()
    for name, values in (("train", run.train_acc), ("test", run.test_acc)):
        fig.add_trace(
            go.Scatter(
                x=run.eval_steps,
                y=with_gaps(values),
                mode="lines",
                name=f"{name} accuracy",
                line=dict(color=SERIES[name], width=2.5),
                hovertemplate=f"step %{{x}}<br>{name} accuracy %{{y:.1%}}<extra></extra>",
            )
        )
    # Guessing one class at random: 1/2 for a single sigmoid output, 1/k for k classes.
    chance = 1.0 / max(run.data.n_outputs, 2)
    guide_line(fig, chance, f"chance<br>({chance:.0%})")
    mark_steps(fig, step, run.diverged_at)
    base_layout(fig, "Accuracy over training", height=300)
    fig.update_xaxes(title_text="training step", range=[0, max(run.steps_run - 1, 1)])
    fig.update_yaxes(title_text="accuracy (%)", range=[0, 1.02], tickformat=".0%")
    return fig


def prediction_table(run: Run, record: StepRecord) -> pd.DataFrame:
    """One row per recorded sample of the batch: inputs, target, prediction and its loss."""
    y, y_hat = record.y, record.y_hat
    loss, output = run.config.loss, run.config.output
    table = pd.DataFrame({"training row": record.batch_index})
    for j in range(record.x.shape[1]):
        table[f"x{j + 1}"] = record.x[:, j]
    if y.shape[1] == 1:
        table["target y"] = y[:, 0]
        table["prediction ŷ"] = y_hat[:, 0]
    else:
        table["target class"] = y.argmax(axis=1)
        for k in range(y.shape[1]):
            table[f"ŷ class {k}"] = y_hat[:, k]
    table["loss"] = per_sample_loss(loss, output, record.layers["out"].z, y)
    return table


def prediction_series(run: Run, record: StepRecord) -> list[dict[str, Any]]:
    """What each trace of predictions_figure shows at one step, in trace order."""
    y, y_hat = record.y, record.y_hat
    per_loss = per_sample_loss(run.config.loss, run.config.output, record.layers["out"].z, y)
    custom = np.column_stack([record.batch_index, record.x[:, :2]])
    if y.shape[1] == 1:
        series: list[dict[str, Any]] = [
            dict(y=with_gaps(y_hat[:, 0]), customdata=custom),
            dict(y=y[:, 0]),
        ]
    else:
        target = y.argmax(axis=1)
        series = [dict(y=with_gaps(y_hat[:, k]), customdata=custom) for k in range(y.shape[1])]
        colors = [CLASS_COLORS[t % len(CLASS_COLORS)] for t in target]
        series.append(dict(customdata=target, marker=dict(color=colors)))
    series.append(dict(y=with_gaps(per_loss)))
    return series


def predictions_title(step: int) -> str:
    """The predictions chart's title at `step`."""
    return f"Predictions against targets at step {step}"


def predictions_figure(run: Run, record: StepRecord) -> go.Figure:
    """Prediction against target for each recorded sample of the batch, and its loss."""
    y = record.y
    rows = np.arange(y.shape[0])
    series = prediction_series(run, record)
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        row_heights=[0.62, 0.38],
    )
    where = "row %{x} (training row %{customdata[0]})<br>x = (%{customdata[1]:.3g}, "
    where += "%{customdata[2]:.3g})"
    if y.shape[1] == 1:
        fig.add_trace(
            go.Bar(
                x=rows,
                name="prediction ŷ",
                marker=dict(color=SERIES["train"], opacity=0.75),
                hovertemplate=where + "<br>ŷ = %{y:.4g}<extra></extra>",
                **series[0],
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=rows,
                mode="markers",
                name="target y",
                marker=dict(symbol="line-ew", size=18, line=dict(width=3, color="#111827")),
                hovertemplate="row %{x}<br>y = %{y:.4g}<extra></extra>",
                **series[1],
            ),
            row=1,
            col=1,
        )
    else:
        for k in range(y.shape[1]):
            fig.add_trace(
                go.Bar(
                    x=rows,
                    name=f"ŷ class {k}",
                    marker=dict(color=CLASS_COLORS[k % len(CLASS_COLORS)], opacity=0.8),
                    hovertemplate=where + f"<br>ŷ class {k} = %{{y:.4g}}<extra></extra>",
                    **series[k],
                ),
                row=1,
                col=1,
            )
        stars = series[y.shape[1]]
        fig.add_trace(
            go.Scatter(
                x=rows,
                y=np.full(rows.shape, 1.12),
                mode="markers",
                name="target class",
                marker=dict(
                    symbol="star",
                    size=11,
                    color=stars["marker"]["color"],
                    line=dict(width=1, color="#111827"),
                ),
                customdata=stars["customdata"],
                hovertemplate="row %{x}<br>target class %{customdata}<extra></extra>",
            ),
            row=1,
            col=1,
        )
        fig.update_layout(barmode="group")
    fig.add_trace(
        go.Bar(
            x=rows,
            name="sample loss",
            marker=dict(color=ACCENT),
            hovertemplate="row %{x}<br>loss %{y:.4g}<extra></extra>",
            **series[-1],
        ),
        row=2,
        col=1,
    )
    base_layout(fig, predictions_title(record.step), height=480)
    fig.update_xaxes(title_text="sample in the batch (recorded rows)", row=2, col=1)
    fig.update_yaxes(title_text="output", row=1, col=1)
    fig.update_yaxes(title_text=f"loss ({run.config.loss})", row=2, col=1)
    return fig


def target_one_logits(run: Run, record: StepRecord) -> np.ndarray | None:
    """Output pre-activations of the target-1 samples of a step, for a binary sigmoid run."""
    if run.config.task != "binary" or run.config.output != "sigmoid":
        return None
    z = record.layers["out"].z[:, 0]
    return z[(record.y[:, 0] > 0.5) & np.isfinite(z)]


def run_curve(loss: str, output: str) -> str | None:
    """The loss curve drawn as "this run": the curves assume a sigmoid output, so only then."""
    return loss if output == "sigmoid" and loss in LOSS_LABELS else None


def curve_grid(sample_z: np.ndarray | None = None) -> np.ndarray:
    """Pre-activations from -8 to 8, widened to reach the samples (up to +-Z_LIMIT)."""
    lo, hi = -8.0, 8.0
    if sample_z is not None and sample_z.size:
        lo = max(min(lo, float(np.floor(sample_z.min()))), -Z_LIMIT)
        hi = min(max(hi, float(np.ceil(sample_z.max()))), Z_LIMIT)
    return z_grid(lo, hi, int(25 * (hi - lo)) + 1)


def sample_marks(sample_z: np.ndarray, losses: list[str]) -> list[dict[str, np.ndarray]]:
    """The samples' points on each loss's two panels (L against ŷ, dL/dz against z), in the
    order loss_functions_figure draws them."""
    marks = []
    for name in losses:
        m = loss_curve(name, sample_z, 1.0)
        marks += [dict(x=m.y_hat, y=m.value), dict(x=m.z, y=m.dz)]
    return marks


def loss_functions_figure(
    sample_z: np.ndarray | None = None,
    current: str | None = None,
    reach: np.ndarray | None = None,
) -> go.Figure:
    """Each loss against the prediction, and its gradient dL/dz, for a target of 1.

    With sample_z (even empty), the samples are marked on every curve; the curves reach
    those z, and the z in `reach` when given.
    """
    curves = loss_curves(curve_grid(sample_z if reach is None else reach))
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=(
            "Loss L against ŷ<br>(target 1)",
            "Gradient dL/dz<br>against z",
        ),
    )
    fig.add_vrect(
        x0=float(curves["mse"].z[0]),
        x1=SATURATED_Z,
        fillcolor=NEGATIVE,
        opacity=0.07,
        line_width=0,
        annotation_text="sigmoid saturated<br>at the wrong answer",
        annotation_position="top left",
        annotation_font_size=11,
        row=1,
        col=2,
    )
    for name, c in curves.items():
        width = 4 if name == current else 2.5
        label = LOSS_LABELS.get(name, name) + (" (this run)" if name == current else "")
        panels = (
            (c.y_hat, c.value, c.z, "ŷ = %{x:.4g} (z = %{customdata:.3g})<br>L = %{y:.4g}"),
            (c.z, c.dz, c.y_hat, "z = %{x:.3g} (ŷ = %{customdata:.4g})<br>dL/dz = %{y:.4g}"),
        )
        for col, (x, y, other, values) in enumerate(panels, start=1):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    name=label,
                    legendgroup=name,
                    showlegend=col == 1,
                    line=dict(color=LOSS_COLORS.get(name, NEUTRAL), width=width),
                    customdata=other,
                    hovertemplate=f"{name}<br>{values}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    if sample_z is not None:
        marks = sample_marks(sample_z, list(curves))
        for k, points in enumerate(marks):
            name, col = list(curves)[k // 2], k % 2 + 1
            values = (
                "ŷ = %{x:.4g}<br>L = %{y:.4g}" if col == 1 else "z = %{x:.4g}<br>dL/dz = %{y:.4g}"
            )
            fig.add_trace(
                go.Scatter(
                    mode="markers",
                    name="this run's target-1 samples",
                    legendgroup="samples",
                    showlegend=k == 0,
                    marker=dict(
                        color=ACCENT, size=8, opacity=0.8, line=dict(width=1, color="#111827")
                    ),
                    hovertemplate=f"a sample, with {name}<br>{values}<extra></extra>",
                    **points,
                ),
                row=1,
                col=col,
            )
    base_layout(fig, "Loss functions and their gradients", height=420)
    fig.update_layout(margin=dict(t=110))
    fig.update_xaxes(title_text="ŷ = σ(z)", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="loss L", range=[0, LOSS_AXIS_MAX], row=1, col=1)
    z = curves["mse"].z
    fig.update_xaxes(title_text="z (logit)", range=[z[0], z[-1]], row=1, col=2)
    fig.update_yaxes(title_text="dL/dz", row=1, col=2)
    return fig
