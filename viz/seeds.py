"""Figures of the same network trained from several seeds: final losses, curves, boundaries."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from engine.analysis.grid import grid_for
from engine.analysis.seeds import SAME_FLOOR, SeedRuns, Verdict
from viz.gradients import log_axis, positive
from viz.style import ACCENT, CLASS_COLORS, DIVERGING, NEGATIVE, NEUTRAL, POSITIVE, base_layout

BEST, WORST = POSITIVE, NEGATIVE


def _colours(result: SeedRuns) -> list[str]:
    colours = [NEUTRAL] * len(result.seeds)
    colours[result.worst] = WORST
    colours[result.best] = BEST
    return colours


def final_losses_figure(result: SeedRuns, median: float) -> go.Figure:
    """One bar per seed: its final training loss; best blue, worst red, the median dashed."""
    labels = [str(s) for s in result.seeds]
    shown = np.where(np.isfinite(result.final), result.final, np.nan)
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=shown,
            marker_color=_colours(result),
            hovertemplate="seed %{x}<br>final loss %{y:.4g}<extra></extra>",
            name="final loss",
            showlegend=False,
        )
    )
    if np.isfinite(median):
        fig.add_hline(y=median, line=dict(color=ACCENT, dash="dash", width=1.5))
        # To the right of the plot, at the line's height: never over a bar.
        fig.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            y=median,
            yanchor="middle",
            text=f"median<br>{median:.3g}",
            showarrow=False,
            align="left",
            font=dict(size=11, color=ACCENT),
        )
    base_layout(fig, "Final training loss of each run", 340)
    fig.update_layout(margin=dict(r=70))
    fig.update_xaxes(title_text="seed", type="category")
    fig.update_yaxes(title_text="loss on the training set", rangemode="tozero")
    return fig


def loss_curves_figure(result: SeedRuns) -> go.Figure:
    """Every run's training-set loss over the steps, best and worst drawn over the rest."""
    fig = go.Figure()
    order = [k for k in range(len(result.seeds)) if k not in (result.best, result.worst)]
    for k in [*order, result.worst, result.best]:
        role = {result.best: "best", result.worst: "worst"}.get(k, "other runs")
        fig.add_trace(
            go.Scatter(
                x=result.eval_steps,
                y=positive(result.curves[k]),
                mode="lines",
                line=dict(
                    color={"best": BEST, "worst": WORST}.get(role, NEUTRAL),
                    width=3 if role != "other runs" else 1.2,
                ),
                name=f"{role} (seed {result.seeds[k]})" if role != "other runs" else role,
                legendgroup=role,
                showlegend=role != "other runs" or k == order[0],
                hovertemplate=f"seed {result.seeds[k]}<br>step %{{x}}<br>loss %{{y:.4g}}"
                "<extra></extra>",
            )
        )
    base_layout(fig, "Training-set loss of every run", 420)
    # The legend below the axis: above it, it runs into the title in a half-width column.
    fig.update_layout(
        margin=dict(b=120),
        legend=dict(orientation="h", x=0.0, xanchor="left", y=-0.22, yanchor="top"),
    )
    fig.update_xaxes(title_text="training step")
    fig.update_yaxes(title_text="loss (log scale)", **log_axis(result.curves))
    return fig


def _panel(task: str, xs: np.ndarray, ys: np.ndarray, z: np.ndarray, show_scale: bool):
    with np.errstate(over="ignore", invalid="ignore"):
        if task == "multiclass":
            n = z.shape[-1]
            scale = []
            for k in range(n):
                colour = CLASS_COLORS[k % len(CLASS_COLORS)]
                scale += [[k / n, colour], [(k + 1) / n, colour]]
            return go.Heatmap(
                x=xs,
                y=ys,
                z=np.nan_to_num(z).argmax(axis=-1).astype(np.int8),
                zmin=-0.5,
                zmax=n - 0.5,
                colorscale=scale,
                opacity=0.45,
                showscale=False,
                hovertemplate="predicted class %{z}<extra></extra>",
            )
        binary = task == "binary"
        return go.Heatmap(
            x=xs,
            y=ys,
            z=np.asarray(z, dtype=np.float32),
            zmin=0.0 if binary else None,
            zmax=1.0 if binary else None,
            zmid=None if binary else 0.0,
            colorscale=DIVERGING,
            opacity=0.6,
            showscale=show_scale,
            colorbar=dict(title=dict(text="output ŷ", side="right"), thickness=12, len=0.8),
            hovertemplate="output ŷ %{z:.3g}<extra></extra>",
        )


def boundaries_figure(result: SeedRuns, best: np.ndarray, worst: np.ndarray) -> go.Figure:
    """The best and the worst run's output over the input plane, side by side, with the data."""
    run = result.runs[result.best]
    data = run.data
    xs, ys, _ = grid_for(data, best.shape[0])
    titles = [
        # Two short lines: side by side on a phone, one long line each would overlap.
        f"best: seed {result.seeds[result.best]}<br>loss {result.final[result.best]:.3g}",
        f"worst: seed {result.seeds[result.worst]}<br>loss {result.final[result.worst]:.3g}",
    ]
    fig = make_subplots(rows=1, cols=2, subplot_titles=titles, horizontal_spacing=0.08)
    fig.update_annotations(font_size=12)  # Plotly's 16 px titles meet over narrow panels
    colour: list[float] | list[str] = (
        data.y_train.astype(float).tolist()
        if data.task == "regression"
        else [CLASS_COLORS[int(k) % len(CLASS_COLORS)] for k in data.y_train]
    )
    for col, z in ((1, best), (2, worst)):
        fig.add_trace(_panel(data.task, xs, ys, z, show_scale=col == 2), row=1, col=col)
        fig.add_trace(
            go.Scatter(
                x=data.X_train[:, 0],
                y=data.X_train[:, 1],
                mode="markers",
                marker=dict(
                    color=colour,
                    size=5,
                    line=dict(color="white", width=0.5),
                    colorscale=DIVERGING if data.task == "regression" else None,
                ),
                showlegend=False,
                hovertemplate="x1 %{x:.3f}, x2 %{y:.3f}<extra>training point</extra>",
            ),
            row=1,
            col=col,
        )
    base_layout(fig, "Where the best and the worst run ended", 440)
    fig.update_layout(margin=dict(t=110))
    fig.update_xaxes(range=[xs[0], xs[-1]], showgrid=False, title_text=data.feature_names[0])
    fig.update_yaxes(range=[ys[0], ys[-1]], showgrid=False)
    fig.update_yaxes(title_text=data.feature_names[1], row=1, col=1)
    return fig


def verdict_text(v: Verdict, result: SeedRuns) -> str:
    """Whether the runs ended in the same place, said with the numbers that decide it."""
    n = len(result.seeds)
    best_seed, worst_seed = result.seeds[result.best], result.seeds[result.worst]
    if v.diverged == n:
        return f"All {n} runs diverged: lower the **Learning rate**."
    numbers = (
        f"Best: seed {best_seed}, final loss {v.best:.3g}. Worst: seed {worst_seed}, "
        f"{'diverged' if v.diverged else f'final loss {v.worst:.3g}'}. Median {v.median:.3g}."
    )
    if v.same:
        return (
            f"{numbers} The {n} runs ended in about the same place: best and worst differ by "
            f"{v.worst - v.best:.3g}, less than half the median or {SAME_FLOOR:g}. From "
            "these starts, training finds equally good solutions."
        )
    if v.diverged:
        head = f"{numbers} {v.diverged} of the {n} runs diverged: the same settings can "
        return head + "train or blow up depending on the starting weights."
    tail = (
        f" The worst run was still improving at its last step (its loss fell by "
        f"{v.worst_drop:.0%} over the last quarter): it may be crossing a plateau, and more "
        "**Steps** would show whether it gets out."
        if v.worst_still_falling
        else f" The worst run had stopped improving (its loss changed by {v.worst_drop:.1%} "
        "over the last quarter): it is stuck in a local minimum or on a plateau it cannot "
        "leave at this learning rate."
    )
    return (
        f"{numbers} The runs did not end in the same place: best and worst differ by "
        f"{v.worst - v.best:.3g}, {v.spread:.2g} times the median.{tail}"
    )
