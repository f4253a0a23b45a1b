"""Figures that the page's transport (Play, Pause, Step) moves in the browser, one frame a step.

Each figure opens at the run's last recorded step and carries one Plotly frame per recorded
step, named by the step: the figure does not depend on the step the user chose, so choosing
another step rebuilds and resends nothing, and the browser shows the step by animating to
the frame of that name. The frames hold only what changes between steps.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from engine import Run
from engine.analysis.chain_rule import delta_norms
from engine.analysis.experiments import gradient_flow
from engine.analysis.loss_curves import CURVE_OUTPUTS
from viz.backward import delta_norm_title, flow_series, flow_title, shown_layers
from viz.curves import with_gaps
from viz.error import (
    loss_functions_figure,
    prediction_series,
    predictions_title,
    run_curve,
    sample_marks,
    target_one_logits,
)
from viz.forward import box_stats, forward_graph_figure, graph_step
from viz.frames import attach_frames
from viz.gradients import log_axis, positive
from viz.network_graph import (
    EDGE_BINS,
    edge_bins,
    finite_max_abs,
    fits_graph,
    highlight_segments,
    node_positions,
)
from viz.overview import boundary_figure, frame_data, loss_figure, network_diagram


def shows_step(fig: go.Figure, step: int) -> go.Figure:
    """Mark `fig` as drawn at `step`, so the browser does not animate it to the step it shows."""
    fig.update_layout(meta=dict(bpStep=str(step)))
    return fig


def with_moving_line(fig: go.Figure, steps: list[int], at: int) -> go.Figure:
    """`fig`, whose step line (a vertical shape) is drawn at `at`, with a frame per step
    moving that line: for charts whose only step-dependent part is the line."""
    shapes = [shape.to_plotly_json() for shape in fig.layout.shapes]
    lines = {i for i, sh in enumerate(shapes) if sh.get("x0") == at and sh.get("x1") == at}
    if not lines:
        return fig
    frames = [
        dict(
            name=str(s),
            layout=dict(
                shapes=[dict(sh, x0=s, x1=s) if i in lines else sh for i, sh in enumerate(shapes)]
            ),
        )
        for s in steps
    ]
    attach_frames(fig, frames)
    return shows_step(fig, at)


def with_box_frames(fig: go.Figure, run: Run, at: int) -> go.Figure:
    """The activation boxes (one per hidden layer, drawn at `at`), with a frame per recorded
    step holding that step's quartiles, mean and range of each layer's activations.

    The y axis spans every step's activations: a frame does not rescale its axes.
    """
    names = run.layer_names[:-1]
    if len(fig.data) != len(names):
        return fig  # a layer without finite activations has no box: leave the chart still
    title = fig.layout.title.text
    frames = []
    lo, hi = np.inf, -np.inf
    for s in run.recorded_steps:
        boxes = []
        for name in names:
            stats = box_stats(run.records[s].layers[name].a)
            if stats is None:
                return fig
            lo, hi = min(lo, stats["lowerfence"][0]), max(hi, stats["upperfence"][0])
            boxes.append(dict(type="box", **stats))
        frames.append(
            dict(
                name=str(s),
                data=boxes,
                traces=list(range(len(names))),
                layout=dict(title=dict(text=title.replace(f"step {at}", f"step {s}"))),
            )
        )
    pad = 0.05 * (hi - lo) or 0.1
    fig.update_yaxes(range=[lo - pad, hi + pad])
    attach_frames(fig, frames)
    return shows_step(fig, at)


def fixed_log_axis(*arrays: np.ndarray) -> dict:
    """log_axis over every step's values, with its range always given: a frame does not
    rescale its axes, and log_axis leaves a range of more than a decade to Plotly's autorange
    (which the browser works out once, from the drawn step only)."""
    axis = log_axis(*arrays)
    values = np.concatenate([np.ravel(a) for a in arrays])
    logs = np.log10(values[np.isfinite(values) & (values > 0)])
    if logs.size:
        axis["range"] = [math.floor(logs.min() - 0.05), math.ceil(logs.max() + 0.05)]
    return axis


def with_delta_frames(fig: go.Figure, run: Run, at: int) -> go.Figure:
    """The error size bars (||delta|| per layer, drawn at `at`), with a frame per recorded
    step holding that step's bars and title.

    One log axis spans every step's sizes, so the bars of different steps compare.
    """
    frames, shown = [], []
    for s in run.recorded_steps:
        norms = delta_norms(run.records[s], run.layer_names)
        shown.append(np.where(norms > 0, norms, np.nan))
        frames.append(
            dict(
                name=str(s),
                data=[dict(type="bar", y=shown[-1], customdata=norms)],
                traces=[0],
                layout=dict(title=dict(text=delta_norm_title(s))),
            )
        )
    fig.update_yaxes(**fixed_log_axis(*shown))
    attach_frames(fig, frames)
    return shows_step(fig, at)


def with_flow_frames(fig: go.Figure, run: Run, at: int) -> go.Figure:
    """The gradient flow bars (max, then mean |dL/dW| per layer, drawn at `at`), with a frame
    per recorded step holding that step's bars and title, on one log axis for every step."""
    title = fig.layout.title.text
    frames, shown = [], []
    for s in run.recorded_steps:
        _, mean_abs, max_abs = gradient_flow(run.records[s])
        shown += [mean_abs, max_abs]
        frames.append(
            dict(
                name=str(s),
                data=[
                    dict(type="bar", y=positive(max_abs)),
                    dict(type="bar", y=positive(mean_abs)),
                ],
                traces=[0, 1],
                layout=dict(title=dict(text=title.replace(f"step {at}:", f"step {s}:"))),
            )
        )
    fig.update_yaxes(**fixed_log_axis(*shown))
    attach_frames(fig, frames)
    return shows_step(fig, at)


def without_controls(fig: go.Figure) -> go.Figure:
    """`fig` without its own play buttons and slider: the page's transport drives it."""
    fig.layout.updatemenus = ()
    fig.layout.sliders = ()
    fig.update_layout(margin=dict(b=60))
    return fig


def animated_boundary(run: Run, steps: list[int], preds: np.ndarray) -> go.Figure:
    """The decision boundary at the last of `steps`, with a frame per step (preds per step).

    A binary task's contour becomes a heatmap on the same colour scale (white at output
    0.5, where the boundary runs): the browser redraws a heatmap frame in about half the
    time of a contour's, which is what lets every chart keep up with Play.
    """
    fig = without_controls(boundary_figure(run, steps, preds, steps[-1]))
    background = fig.data[0]
    if background.type == "contour":
        heat = go.Heatmap(
            x=background.x,
            y=background.y,
            z=background.z,
            zmin=background.zmin,
            zmax=background.zmax,
            zsmooth="fast",
            colorscale=background.colorscale,
            colorbar=background.colorbar.to_plotly_json(),
            hovertemplate=background.hovertemplate,
            name=background.name,
        )
        frames = [
            dict(
                name=str(s), data=[dict(frame_data("binary", preds[i]), type="heatmap")], traces=[0]
            )
            for i, s in enumerate(steps)
        ]
        fig = attach_frames(go.Figure([heat, *fig.data[1:]], layout=fig.layout), frames)
        fig.update_layout(title_text="Decision boundary (white: output 0.5)")
    return shows_step(fig, steps[-1])


def animated_loss(run: Run, log_y: bool = False) -> go.Figure:
    """The loss curve with the marker and line of the chosen step in a frame per recorded step.

    The step's line is a trace, not a shape, so a frame changes traces only and the browser
    can move it without redrawing the chart.
    """
    steps = [s for s in run.recorded_steps if s < run.steps_run]
    fig = loss_figure(run, steps[-1], log_y=log_y)
    # Drawn in half the page's width, where the legend takes two rows.
    fig.update_layout(margin=dict(b=140))
    line = fig.layout.shapes[-1].line
    fig.layout.shapes = fig.layout.shapes[:-1]
    values = np.concatenate([with_gaps(np.asarray(t.y, dtype=float)) for t in fig.data])
    finite = values[np.isfinite(values)]
    span = [float(finite.min()), float(finite.max())] if finite.size else [0.0, 1.0]
    fig.add_trace(
        go.Scatter(
            x=[steps[-1]] * 2,
            y=span,
            mode="lines",
            line=dict(color=line.color, width=line.width, dash=line.dash),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    marker = len(fig.data) - 2  # loss_figure adds the chosen step's marker last
    loss = with_gaps(run.loss)
    frames = []
    for s in steps:
        y = None if not np.isfinite(loss[s]) else float(loss[s])
        frames.append(
            dict(
                name=str(s),
                data=[dict(x=[s], y=[y], name=f"step {s}: batch loss"), dict(x=[s, s])],
                traces=[marker, marker + 1],
            )
        )
    attach_frames(fig, frames)
    return shows_step(fig, steps[-1])


def animated_network(run: Run, steps: list[int]) -> go.Figure:
    """The network diagram at the last of `steps` (recorded steps), with a frame per step."""
    last = steps[-1]
    frames: list[dict] = []
    if not fits_graph(run.sizes):
        fig = network_diagram(run, last)
        # One block per layer: only the hover text (each layer's |W| at the step) changes.
        detail = fig.data[-1]
        for s in steps:
            row = run.metric("weight_norm")[min(s, run.steps_run - 1)]
            text = [detail.text[0]] + [
                f"{name}: {n} units<br>‖W‖ = {w:.4g}"
                for name, n, w in zip(run.layer_names, run.sizes[1:], row, strict=True)
            ]
            frames.append(dict(name=str(s), data=[dict(text=text)], traces=[len(fig.data) - 1]))
        attach_frames(fig, frames)
        return shows_step(fig, last)
    # One colour range over the frames: a frame cannot redraw the colour bar, which then
    # holds for every step, and two steps' edges compare.
    w_max = finite_max_abs([run.records[s].layers[n].W for s in steps for n in run.layer_names])
    fig = network_diagram(run, last, w_max)
    title = fig.layout.title.text
    pos = node_positions(run.sizes)
    units = fig.data[-1]
    for s in steps:
        layers = run.records[s].layers
        weights = [layers[n].W for n in run.layer_names]
        unit_text = list(units.text[: run.sizes[0]])
        for name in run.layer_names:
            b = layers[name].b
            unit_text += [f"{name} unit {u}<br>bias b = {b[u]:.4g}" for u in range(b.size)]
        frames.append(
            dict(
                name=str(s),
                data=[
                    *(dict(x=t["x"], y=t["y"]) for t in edge_bins(weights, pos, w_max)),
                    dict(marker=dict(color=np.concatenate([W.reshape(-1) for W in weights]))),
                    dict(text=unit_text),
                ],
                traces=list(range(2 * EDGE_BINS + 2)),
                layout=dict(title=dict(text=title.replace(f"step {last}", f"step {s}"))),
            )
        )
    attach_frames(fig, frames)
    return shows_step(fig, last)


# The most a forward graph's frames may send to the browser: with the page's other charts,
# under the 2 MB a page may send (benchmarks/pages.py). A larger graph is drawn one step
# at a time instead.
GRAPH_FRAMES_BYTES = 1_500_000


def graph_frame_bytes(sizes: list[int]) -> int:
    """About how many bytes of JSON one frame of the forward graph takes (a little more than
    measured: edge coordinates and colours, node colours and hover texts)."""
    edges = sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    return 600 + 40 * edges + 100 * sum(sizes)


def graph_frames_fit(sizes: list[int], frames: int) -> bool:
    """Whether `frames` frames of the forward graph of a network of these widths fit
    GRAPH_FRAMES_BYTES."""
    return frames * graph_frame_bytes(sizes) <= GRAPH_FRAMES_BYTES


def animated_forward_graph(run: Run, sample: int) -> go.Figure:
    """One sample's forward pass at the last recorded step, with a frame per recorded step.

    The weights and the node values each keep one colour range over every step, so the
    colour bars hold for every frame and two steps' colours compare. A frame holds the edge
    bins, the accented edges, the weights' and nodes' colours and the nodes' hover text.
    """
    steps = run.recorded_steps
    parts = {s: graph_step(run, run.records[s], sample) for s in steps}
    ranges = (
        finite_max_abs([W for p in parts.values() for W in p.weights]),
        finite_max_abs([v for p in parts.values() for v in p.values]),
    )
    last = steps[-1]
    fig = forward_graph_figure(run, run.records[last], sample, ranges)
    title = fig.layout.title.text  # wrapped as base_layout wraps it
    pos = node_positions(run.sizes)
    frames = []
    for s, part in parts.items():
        hx, hy = highlight_segments(part.highlight, pos)
        frames.append(
            dict(
                name=str(s),
                data=[
                    *(dict(x=t["x"], y=t["y"]) for t in edge_bins(part.weights, pos, ranges[0])),
                    dict(x=hx, y=hy),
                    dict(marker=dict(color=np.concatenate([W.reshape(-1) for W in part.weights]))),
                    dict(
                        marker=dict(color=np.concatenate(part.values)),
                        text=[t for layer in part.hover for t in layer],
                    ),
                ],
                traces=list(range(2 * EDGE_BINS + 3)),
                layout=dict(title=dict(text=title.replace(f"step {last}:", f"step {s}:"))),
            )
        )
    attach_frames(fig, frames)
    return shows_step(fig, last)


def with_prediction_frames(fig: go.Figure, run: Run, at: int) -> go.Figure:
    """The predictions chart (drawn at `at`), with a frame per recorded step holding that
    step's predictions, targets and sample losses.

    Both axes span every step's values: a frame does not rescale its axes, so a step with
    larger losses than the drawn one would run off the chart.
    """
    frames = []
    outputs, losses = [np.array([0.0])], [np.array([0.0])]
    for s in run.recorded_steps:
        series = prediction_series(run, run.records[s])
        outputs += [np.asarray(d["y"], dtype=float) for d in series[:-1] if "y" in d]
        losses.append(np.asarray(series[-1]["y"], dtype=float))
        frames.append(
            dict(
                name=str(s),
                data=series,
                traces=list(range(len(series))),
                layout=dict(title=dict(text=predictions_title(s))),
            )
        )
    if run.data.task == "multiclass":
        outputs.append(np.array([1.12]))  # the target-class stars above the bars
    for row, values in ((1, outputs), (2, losses)):
        finite = np.concatenate(values)
        finite = finite[np.isfinite(finite)]
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.05 * (hi - lo) or 0.5
        fig.update_yaxes(range=[lo - pad if lo < 0 else 0.0, hi + pad], row=row, col=1)
    attach_frames(fig, frames)
    return shows_step(fig, at)


def animated_loss_functions(run: Run) -> go.Figure:
    """The loss functions chart with the run's target-1 samples marked at the last recorded
    step, and a frame per recorded step marking that step's samples instead.

    The curves reach every step's samples, so they are the same in every frame.
    """
    last = run.recorded_steps[-1]
    current = run_curve(run.config.loss, run.config.output)
    per_step = {s: target_one_logits(run, run.records[s]) for s in run.recorded_steps}
    if per_step[last] is None:
        return loss_functions_figure(None, current)  # no samples to mark: nothing moves
    reach = np.concatenate([z for z in per_step.values() if z is not None])
    fig = loss_functions_figure(per_step[last], current, reach=reach)
    losses = list(CURVE_OUTPUTS)
    first = len(fig.data) - 2 * len(losses)  # the sample marks come after the curves
    frames = [
        dict(
            name=str(s),
            data=sample_marks(z if z is not None else np.empty(0), losses),
            traces=list(range(first, len(fig.data))),
        )
        for s, z in per_step.items()
    ]
    attach_frames(fig, frames)
    return shows_step(fig, last)


def with_flow_step_frames(fig: go.Figure, run: Run, at: int, scale: str) -> go.Figure:
    """The error flow heatmaps (drawn at `at`, with their own frames revealing the layers),
    with a frame per recorded step holding that step's deltas and gradients.

    The layer frames only show and hide traces, and the step frames only change their
    values, so the two animations do not undo each other.
    """
    names = shown_layers(run.layer_names)
    frames = []
    for s in run.recorded_steps:
        record = run.records[s]
        series, layout = flow_series(record, names, scale)
        layout["title"] = dict(text=flow_title(record, run.layer_names, names))
        frames.append(
            dict(name=str(s), data=series, traces=list(range(len(series))), layout=layout)
        )
    attach_frames(fig, frames)
    return shows_step(fig, at)
