"""Overview figures: the decision boundary through training, the loss curve, the network."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from engine import Run
from engine.analysis.grid import grid_for
from viz.curves import loss_traces, with_gaps
from viz.frames import attach_frames
from viz.network_graph import blocks_figure, fits_graph, network_figure
from viz.style import (
    ACCENT,
    CLASS_COLORS,
    DIVERGING,
    NEUTRAL,
    animation_controls,
    base_layout,
    log_axis,
)


def _lighten(colour: str, amount: float) -> str:
    """A hex colour mixed with white (amount 0: unchanged, 1: white)."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    r, g, b = np.round(rgb + (255 - rgb) * amount).astype(int)
    return f"rgb({r},{g},{b})"


def _f32(z: np.ndarray) -> np.ndarray:
    """Grid values as float32 (half the JSON of float64); overflowing values become gaps."""
    with np.errstate(over="ignore", invalid="ignore"):
        z32 = np.asarray(z, dtype=np.float32)
    return np.where(np.isfinite(z32), z32, np.float32(np.nan))


def _background(run: Run, xs: np.ndarray, ys: np.ndarray, z: np.ndarray):
    """The model's output on the grid for one step, drawn for its task."""
    task = run.data.task
    coords = "x1 = %{x:.3f}, x2 = %{y:.3f}<br>"
    if task == "binary":
        label = "P(class 1)" if run.config.output == "sigmoid" else "output ŷ"
        return go.Contour(
            x=xs,
            y=ys,
            z=_f32(z),
            zmin=0.0,
            zmax=1.0,
            colorscale=[[p, _lighten(str(c), 0.35)] for p, c in DIVERGING],
            contours=dict(start=0.5, end=0.5, size=0.5, coloring="heatmap", showlabels=False),
            line=dict(color="#111827", width=2),
            colorbar=dict(title=dict(text=label, side="right"), thickness=12, len=0.8),
            hovertemplate=coords + label + " = %{z:.4g}<extra></extra>",
            name="model",
        )
    if task == "multiclass":
        n = z.shape[-1]
        scale = []
        for k in range(n):
            colour = _lighten(CLASS_COLORS[k % len(CLASS_COLORS)], 0.6)
            scale += [[k / n, colour], [(k + 1) / n, colour]]
        return go.Heatmap(
            x=xs,
            y=ys,
            z=z.argmax(axis=-1).astype(np.int8),
            customdata=_f32(z.max(axis=-1)),
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            hovertemplate=coords
            + "predicted class %{z}<br>its output ŷ = %{customdata:.4g}<extra></extra>",
            name="model",
        )
    return go.Heatmap(
        x=xs,
        y=ys,
        z=_f32(z),
        zsmooth="best",
        coloraxis="coloraxis",
        hovertemplate=coords + "prediction ŷ = %{z:.4g}<extra></extra>",
        name="model",
    )


def frame_data(task: str, z: np.ndarray) -> dict:
    """Only what changes between animation frames: the grid values (the rest stays)."""
    if task == "binary":
        return dict(type="contour", z=_f32(z))
    if task == "multiclass":
        return dict(
            type="heatmap", z=z.argmax(axis=-1).astype(np.int8), customdata=_f32(z.max(axis=-1))
        )
    return dict(type="heatmap", z=_f32(z))


def _point_traces(run: Run) -> list[go.Scatter]:
    """Train points as filled circles, test points as diamonds; colour by class or target."""
    data = run.data
    traces = []
    splits = (("train", data.X_train, data.y_train), ("test", data.X_test, data.y_test))
    if data.task == "regression":
        for split, X, y in splits:
            if len(X):
                traces.append(
                    go.Scatter(
                        x=X[:, 0],
                        y=X[:, 1],
                        mode="markers",
                        marker=dict(
                            color=y,
                            coloraxis="coloraxis",
                            size=8 if split == "train" else 9,
                            symbol="circle" if split == "train" else "diamond",
                            line=dict(color="#111827", width=1),
                        ),
                        name=f"{split} points",
                        hovertemplate=f"{split}: target y = %{{marker.color:.4g}}<extra></extra>",
                    )
                )
        return traces
    for split, X, y in splits:
        for k in range(data.n_classes if data.task == "multiclass" else 2):
            mask = y == k
            if not mask.any():
                continue
            colour = CLASS_COLORS[k % len(CLASS_COLORS)]
            train = split == "train"
            traces.append(
                go.Scatter(
                    x=X[mask, 0],
                    y=X[mask, 1],
                    mode="markers",
                    marker=dict(
                        color=colour if train else "white",
                        size=7 if train else 8,
                        symbol="circle" if train else "diamond",
                        line=dict(color="white" if train else colour, width=1 if train else 2),
                    ),
                    name=f"class {k} ({split})",
                    hovertemplate=f"{split}, class {k}<br>"
                    + "x1 = %{x:.3f}, x2 = %{y:.3f}<extra></extra>",
                )
            )
    return traces


def boundary_figure(run: Run, steps: list[int], preds: np.ndarray, chosen: int) -> go.Figure:
    """The data and the model's output on a grid, animated through `steps` (preds per step).

    preds comes from predictions_on_grid(run, steps, resolution); the figure opens at `chosen`.
    """
    xs, ys, _ = grid_for(run.data, preds.shape[1])
    start = int(np.argmin(np.abs(np.asarray(steps) - chosen)))
    fig = go.Figure([_background(run, xs, ys, preds[start]), *_point_traces(run)])
    frame_names = [str(s) for s in steps]
    frames = [
        dict(name=name, data=[frame_data(run.data.task, preds[i])], traces=[0])
        for i, name in enumerate(frame_names)
    ]
    attach_frames(fig, frames)
    title = {
        "binary": "Decision boundary (black line: output 0.5)",
        "multiclass": "Decision regions (colour: largest output)",
        "regression": "Fit (background: prediction; points: target)",
    }[run.data.task]
    base_layout(fig, title, 620)
    if run.data.task == "regression":
        y = np.concatenate([run.data.y_train, run.data.y_test])
        span = float(np.max(np.abs(y))) or 1.0
        fig.update_layout(
            coloraxis=dict(
                colorscale=DIVERGING,
                cmin=-span,
                cmax=span,
                colorbar=dict(title=dict(text="target y", side="right"), thickness=12, len=0.8),
            )
        )
    names = run.data.feature_names
    fig.update_xaxes(title=names[0], range=[xs[0], xs[-1]], showgrid=False, constrain="domain")
    # Square: one unit of x1 is as long as one unit of x2, at any screen width.
    fig.update_yaxes(
        title=names[1],
        range=[ys[0], ys[-1]],
        showgrid=False,
        scaleanchor="x",
        scaleratio=1,
        constrain="domain",
    )
    fig.update_layout(
        # The slider and buttons take the bottom; the legend sits between title and plot
        # (Plotly grows the top margin if it wraps).
        margin=dict(t=125, b=135),
        legend=dict(orientation="h", y=1.0, yref="paper", yanchor="bottom", x=0.0, xanchor="left"),
        **animation_controls(
            frame_names,
            start,
            prefix="step ",
            frame_ms=180,
            from_current=True,
            buttons=("▶", "❚❚"),
            buttons_y=-0.2,
            buttons_pad=22,
            slider_x=0.3,
            slider_y=-0.2,
            font_size=9,
        ),
    )
    return fig


def loss_figure(run: Run, step: int, log_y: bool = False) -> go.Figure:
    """Batch loss at every step, train and test loss at evaluation steps, the chosen step marked."""
    loss = with_gaps(run.loss)
    fig = go.Figure(loss_traces(run, batch_color=NEUTRAL, width=2))
    if 0 <= step < run.steps_run:
        fig.add_trace(
            go.Scatter(
                x=[step],
                y=[loss[step]],
                mode="markers",
                marker=dict(color=ACCENT, size=11, line=dict(color="#111827", width=1)),
                name=f"step {step}: batch loss",
                hovertemplate="chosen step %{x}<br>loss of its batch %{y:.4g}<extra></extra>",
            )
        )
        fig.add_vline(x=step, line=dict(color=ACCENT, width=1, dash="dot"))
    base_layout(fig, f"Loss over training ({run.config.loss})", 340)
    fig.update_xaxes(title="step")
    if log_y:
        values = [t.y for t in fig.data]
        fig.update_yaxes(title="loss", **log_axis(*values))
    else:
        fig.update_yaxes(title="loss", type="linear")
    return fig


def network_diagram(run: Run, step: int, w_max: float | None = None) -> go.Figure:
    """The network with the weights of a recorded step, or one block per layer when large.

    `w_max` fixes the weights' colour range (for a figure with a frame per step).
    """
    record = run.record_at(step)
    names = ["x"] + run.layer_names
    if fits_graph(run.sizes):
        hover = [[f"input {run.data.feature_names[u]}" for u in range(run.sizes[0])]]
        for name in run.layer_names:
            b = record.layers[name].b
            hover.append([f"{name} unit {u}<br>bias b = {b[u]:.4g}" for u in range(b.size)])
        return network_figure(
            [record.layers[n].W for n in run.layer_names],
            names,
            f"The network at step {record.step} (edges: weights)",
            node_hover=hover,
            height=340,
            ranges=None if w_max is None else (w_max, 1.0),
        )
    norms = run.metric("weight_norm")[min(record.step, run.steps_run - 1)]
    detail = [f"input: {run.sizes[0]} features"] + [
        f"{name}: {n} units<br>‖W‖ = {w:.4g}"
        for name, n, w in zip(run.layer_names, run.sizes[1:], norms, strict=True)
    ]
    return blocks_figure(
        run.sizes, names, f"The network: {len(run.sizes) - 2} hidden layers", detail
    )
