"""Figures of the Gradients through time page: gradient against time step, training, attention."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.sequence import KIND_LABELS, SOLVED_SHARE, LengthSweep, SequenceRun
from engine.sequence.training import memory_kept
from viz.gradients import positive
from viz.style import ACCENT, MAGNITUDE, NEUTRAL, base_layout, legend_below, log_axis

KIND_COLORS = {"rnn": "#6b7280", "lstm": "#2563eb", "attention": "#dc2626"}
REFERENCE_COLORS = {"dash": "#4b5563", "dot": "#b45309"}
KIND_MARKERS = {"rnn": "circle", "lstm": "square", "attention": "diamond"}


# Below the plot, left-aligned, in the figure's bottom margin: never over the data.
def _legend_below(fig: go.Figure, entries: int) -> None:
    # Room for the x-axis title and the legend, one entry per row as a phone wraps it
    # (about 26 px a row in the app's font, measured at 390 px wide).
    fig.update_layout(legend=legend_below(), margin=dict(t=80, b=60 + 26 * entries))


def _reference_line(fig: go.Figure, x: tuple[float, float], y: float, name: str, dash: str) -> None:
    """A horizontal reference line named in the legend, so no label can cover the data."""
    fig.add_trace(
        go.Scatter(
            x=list(x),
            y=[y, y],
            mode="lines",
            name=name,
            line=dict(color=REFERENCE_COLORS[dash], dash=dash, width=1.5),
            hovertemplate=f"{name}: %{{y:.3g}}<extra></extra>",
        )
    )


def gradient_profile_figure(runs: dict[str, SequenceRun]) -> go.Figure:
    """||dL/dx_t|| against t for each kind, at step 0 and at the last step, one log range."""
    last = max(r.steps_run for r in runs.values()) - 1
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=("At initialisation (step 0)", f"After training (step {last})"),
    )
    shown = []
    for kind, run in runs.items():
        if run.steps_run == 0:
            continue
        for row, step in ((1, 0), (2, run.steps_run - 1)):
            values = run.grad_x[step]
            shown.append(values)
            fig.add_trace(
                go.Scatter(
                    x=np.arange(len(values)),
                    y=positive(values),
                    mode="lines+markers",
                    name=KIND_LABELS[kind],
                    legendgroup=kind,
                    showlegend=row == 1,
                    line=dict(color=KIND_COLORS[kind], width=2),
                    marker=dict(symbol=KIND_MARKERS[kind], size=5),
                    hovertemplate=(
                        f"{KIND_LABELS[kind]}, step {step}<br>t = %{{x}}<br>"
                        "||dL/dx_t|| = %{y:.3g}<extra></extra>"
                    ),
                ),
                row=row,
                col=1,
            )
    base_layout(fig, "Gradient reaching each input ||dL/dxₜ||", 640)
    fig.update_layout(margin=dict(l=80))  # decade labels such as 10⁻¹²
    _legend_below(fig, 3)
    fig.update_xaxes(title_text="time step t (0 = first input)", row=2, col=1)
    # One range for both rows, whole decades wide, so the two moments compare by eye.
    logs = np.log10(np.concatenate([np.ravel(positive(a)) for a in shown]))
    logs = logs[np.isfinite(logs)]
    fig.update_yaxes(**log_axis(*shown))
    if logs.size:
        lo = math.floor(logs.min())
        fig.update_yaxes(range=[lo, max(math.ceil(logs.max()), lo + 1)])
    fig.update_yaxes(title_text="||dL/dxₜ|| (log)")
    return fig


def loss_figure(runs: dict[str, SequenceRun], baseline: float) -> go.Figure:
    """Training loss of each kind per step (log), with the loss of always answering 0."""
    fig = go.Figure()
    for kind, run in runs.items():
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(run.loss)),
                y=positive(run.loss),
                mode="lines",
                name=KIND_LABELS[kind],
                line=dict(color=KIND_COLORS[kind], width=1.5),
                hovertemplate=(
                    f"{KIND_LABELS[kind]}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>"
                ),
            )
        )
    solved = SOLVED_SHARE * baseline
    steps = (0, max(len(r.loss) for r in runs.values()) - 1)
    _reference_line(fig, steps, baseline, "always answering 0", "dash")
    _reference_line(fig, steps, solved, f"solved: {SOLVED_SHARE:.0%} of that", "dot")
    base_layout(fig, "Training loss (mean squared error)", 440)
    _legend_below(fig, 5)
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(
        title_text="loss (log)",
        **log_axis(*(r.loss for r in runs.values()), np.array([baseline, solved])),
    )
    return fig


def sweep_figure(sweep: LengthSweep, length: int | None = None) -> go.Figure:
    """Test loss after a short training, as a share of the baseline, against sequence length."""
    fig = go.Figure()
    for kind, share in sweep.share.items():
        fig.add_trace(
            go.Scatter(
                x=list(sweep.lengths),
                y=positive(share),
                mode="lines+markers",
                name=KIND_LABELS[kind],
                line=dict(color=KIND_COLORS[kind], width=2),
                marker=dict(symbol=KIND_MARKERS[kind], size=8),
                hovertemplate=(
                    f"{KIND_LABELS[kind]}<br>length %{{x}}<br>test loss ÷ baseline = "
                    "%{y:.3g}<extra></extra>"
                ),
            )
        )
    _reference_line(fig, (0, max(sweep.lengths) + 3), SOLVED_SHARE, "solved below this", "dot")
    if length is not None:
        fig.add_vline(x=length, line=dict(color=NEUTRAL, dash="dash", width=1))
    base_layout(fig, f"Test loss after {sweep.config.steps} steps, by T", 440)
    _legend_below(fig, 4)
    fig.update_xaxes(
        title_text="sequence length T",
        tickvals=list(sweep.lengths),
        range=[0, max(sweep.lengths) + 3],
    )
    fig.update_yaxes(
        title_text="test loss ÷ always-0 loss (log)",
        **log_axis(*sweep.share.values(), np.array([SOLVED_SHARE])),
    )
    return fig


def attention_figure(run: SequenceRun, needed: list[int]) -> go.Figure:
    """The probe sequence's attention weights after training: row s looks at columns t <= s."""
    if run.probe_attention is None:
        raise ValueError(f"a {run.kind} run has no attention weights")
    recorded = run.probe_attention
    A = np.array(recorded[-1], dtype=np.float64)
    T = A.shape[0]
    A[np.triu_indices(T, 1)] = np.nan  # the future: not looked at, drawn blank
    fig = go.Figure(
        go.Heatmap(
            z=A,
            x=np.arange(T),
            y=np.arange(T),
            colorscale=MAGNITUDE,
            zmin=0.0,
            zmax=float(np.nanmax(A)),
            colorbar=dict(title=dict(text="weight", side="right"), thickness=12),
            hovertemplate="position %{y} looks at %{x}<br>weight %{z:.3f}<extra></extra>",
        )
    )
    for t in needed:
        fig.add_vline(x=t, line=dict(color=ACCENT, dash="dash", width=1.5))
    fig.add_shape(
        type="rect",
        x0=-0.5,
        x1=T - 0.5,
        y0=T - 1.5,
        y1=T - 0.5,
        line=dict(color=ACCENT, width=2),
    )
    steps = int(run.record_steps[len(recorded) - 1])
    base_layout(fig, f"Attention weights after {steps} steps", 460)
    fig.update_xaxes(title_text="position looked at t", showgrid=False)
    fig.update_yaxes(title_text="looking position s", autorange="reversed", showgrid=False)
    return fig


def forget_figure(run: SequenceRun) -> go.Figure:
    """The LSTM's forget gates on the probe sequence, and how much of each step's cell is kept."""
    if run.probe_forget is None:
        raise ValueError(f"a {run.kind} run has no forget gates")
    gates = run.probe_forget
    first, last = 0, len(gates) - 1
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=(
            "Forget gate fₜ, mean over units",
            "Share of cell cₜ kept at the last step",
        ),
    )
    kept = []
    for index, dash, label in (
        (first, "dot", "at initialisation"),
        (last, "solid", "after training"),
    ):
        step = int(run.record_steps[index])
        f = gates[index]
        keep = memory_kept(f)
        kept.append(keep)
        for row, values, what in ((1, f.mean(axis=1), "mean fₜ"), (2, keep, "kept")):
            fig.add_trace(
                go.Scatter(
                    x=np.arange(len(values)),
                    y=values if row == 1 else positive(values),
                    mode="lines",
                    name=f"{label} ({step} steps)" if step else label,
                    legendgroup=label,
                    showlegend=row == 1,
                    line=dict(color=KIND_COLORS["lstm"], dash=dash, width=2),
                    hovertemplate=f"{label}<br>t = %{{x}}<br>{what} = %{{y:.3g}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
    # The lower panel's top label (10⁰) reaches up to its title: lift the titles clear of it.
    fig.update_annotations(yshift=8)
    base_layout(fig, "LSTM: what the forget gates keep", 600)
    _legend_below(fig, 2)
    fig.update_yaxes(title_text="fₜ", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="kept (log)", **log_axis(*kept), row=2, col=1)
    fig.update_xaxes(title_text="time step t", row=2, col=1)
    return fig
