"""Forward pass: one sample flowing through the network, and each layer's activations."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from engine import Run, StepRecord
from ui import layout, lesson, runs, transport, weight_picker
from ui.settings import ACTIVATION_LATEX
from viz.forward import (
    activation_boxes_figure,
    activation_stats_figure,
    forward_graph_figure,
    layer_heatmap_figure,
)
from viz.network_graph import MAX_GRAPH_LAYERS, MAX_GRAPH_UNITS, fits_graph
from viz.transport import animated_forward_graph, graph_frames_fit, with_box_frames

LAYER_KEY = "forward_layer"
GRAPH_CAPTION = (
    "Hover a unit for its exact z and a, and an edge's midpoint for its weight. "
    "Orange: for each unit, the incoming edge that contributes most, |w·h|, to its z."
)


def _values(v: np.ndarray) -> str:
    return ", ".join(f"{x:.3g}" for x in v)


def _sample_caption(run: Run, record: StepRecord, sample: int) -> str:
    x, y, y_hat = record.x[sample], record.y[sample], record.layers["out"].a[sample]
    target = f"class {int(np.argmax(y))}" if run.data.task == "multiclass" else _values(y)
    return (
        f"Sample {sample} (row {record.batch_index[sample]} of the training set): "
        f"x = ({_values(x)}), target y = {target}, prediction ŷ = ({_values(y_hat)})."
    )


def graph_view(run: Run) -> tuple[int, DeltaGenerator]:
    """The sample picker and its forward pass, a frame per recorded step: the sample chosen,
    and the place for its numbers at the step."""
    sample = weight_picker.pick_sample_slider(run.record_at(run.recorded_steps[-1]).x.shape[0])
    numbers = st.container()
    graph = transport.over_steps(
        (run.config, "graph", sample), lambda: animated_forward_graph(run, sample)
    )
    layout.chart(graph, key="forward_graph")
    st.caption(f"{GRAPH_CAPTION} The colours keep one scale over training, so steps compare.")
    return sample, numbers


def step_sample_view(run: Run, record: StepRecord) -> None:
    """A network too large for a graph with a frame per step: the chosen sample's forward
    pass at the chosen step, as a graph or, larger still, as each layer's heatmap."""
    sample = weight_picker.pick_sample_slider(record.x.shape[0])
    st.caption(_sample_caption(run, record, sample))
    if fits_graph(run.sizes):
        layout.chart(forward_graph_figure(run, record, sample), key="forward_graph")
        st.caption(GRAPH_CAPTION)
        return
    st.info(
        f"This network has more than {MAX_GRAPH_UNITS} units in a layer or more than "
        f"{MAX_GRAPH_LAYERS} layers, too many to draw unit by unit, so each layer is shown "
        "as a heatmap of its units for every sample of the batch.",
        icon=":material/grid_on:",
    )
    names = run.layer_names
    if st.session_state.get(LAYER_KEY) not in names:
        st.session_state[LAYER_KEY] = names[0]
    layer = st.select_slider("Layer", options=names, key=LAYER_KEY)
    layout.chart(layer_heatmap_figure(record, layer, sample), key="forward_heatmap")


def _boxes(run: Run) -> go.Figure:
    """The activation boxes at the last recorded step, with a frame per recorded step."""
    last = run.recorded_steps[-1]
    return with_box_frames(activation_boxes_figure(run, run.record_at(last)), run, last)


cfg = runs.config()

link = layout.header(
    "Forward pass",
    "The forward pass turns an input into a prediction, one layer at a time. Here is the "
    "network at the chosen step, with the numbers one sample of that step's batch produced.",
    link_later=True,
)
layout.try_this(
    "Set **Hidden layers** to 8, **Init** to normal and **Init std** to 0.01, then move "
    "**Step** to 0: layer after layer the boxes shrink to a line, so almost nothing of the "
    "input reaches the output.",
    apply={"depth": 8, "init": "normal", "init_std": 0.01},
    key="try_forward",
)
run = runs.run()
layout.divergence_banner(run)
layout.health_banner(run)
controls = st.container()

left, right = st.columns([1, 1.4], gap="medium")
with left:
    st.markdown(
        "Each unit takes the previous layer's output **h**, forms a weighted sum **z** with "
        "its weights and bias, and passes it through the activation function **f** to get "
        "its activation **a**:"
    )
    st.latex(r"z = h\,W + b, \qquad a = f(z)")
    st.markdown(f"With **{cfg.activation}** as the activation:")
    st.latex(f"f(z) = {ACTIVATION_LATEX[cfg.activation]}")
    if cfg.layer_norm:
        st.markdown("With **LayerNorm**, z is normalised over the layer's units before f.")
    if cfg.residual:
        st.markdown("With **Residual** on, a layer passes on h + a instead of a.")
    st.markdown(
        "The input layer's values are the sample's features x; the output layer's a is the "
        "prediction ŷ."
    )

with right:
    # The graph moves with the transport, so a step change leaves it in the browser; it is
    # redrawn when the sample changes (a full rerun). A larger network's graph or heatmaps
    # show one step each, drawn by the step fragment.
    moving = fits_graph(run.sizes) and graph_frames_fit(run.sizes, len(run.recorded_steps))
    graph = graph_view(run) if moving else None
    per_step = st.container()

st.subheader("Activations layer by layer", divider="gray")
st.markdown(
    "Left: the spread of each layer's activations over the recorded batch (box: middle "
    "half, whiskers: smallest and largest). Right: the same layers over training. "
    "A box that shrinks to a line means the layer outputs almost the same for every sample; "
    "a box pressed against ±1 (tanh) or 0 and 1 (sigmoid) means saturated units, whose "
    "gradient is close to zero."
)
boxes, lines = st.columns([1, 2], gap="medium")
with boxes:
    layout.chart(transport.over_steps((cfg, "boxes"), lambda: _boxes(run)), key="forward_boxes")
with lines:
    stats = transport.line_over_steps(
        (cfg, "stats"), run, lambda step: activation_stats_figure(run, step)
    )
    layout.chart(stats, key="forward_stats")
nav = st.container()


@st.fragment
def at_step(run: Run) -> None:
    """Everything that shows the chosen step: moving the step reruns only this."""
    with controls:
        step = transport.controls(run, cfg)
    record = run.record_at(step)
    if graph is not None:
        sample, numbers = graph
        with numbers:
            st.caption(_sample_caption(run, record, sample))
    else:
        with per_step:
            step_sample_view(run, record)
    lesson.links_at_step(link, nav, "app_pages/forward.py")


at_step(run)
