"""Gradient norms: how big each layer's gradient and update are, at every step of training."""

from functools import partial

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from engine import Run
from engine.analysis.experiments import first_last_ratio, gradient_flow, percentile_bands
from ui import layout, runs, transport
from ui.sentences import trend
from ui.vanishing_runs import sci
from viz.gradients import (
    UPDATE_RATIO_GUIDE,
    distribution_bands,
    grad_norm_heatmap,
    grad_norm_lines,
    gradient_flow_figure,
    update_ratio_figure,
)
from viz.transport import with_flow_frames


def norms_sentence(run: Run, step: int) -> str:
    """The heatmap's column at `step` in words: first, last hidden and output layer."""
    names = run.layer_names
    norms = run.metric("grad_norm")[step]
    comparison = (
        f"{sci(norms[-2])} in the last hidden layer ({names[-2]}) and {sci(norms[-1])} in the "
        f"output layer: from the last hidden layer back to the first, the gradient "
        f"{trend(first_last_ratio(norms))}."
        if len(names) > 2
        else f"{sci(norms[-1])} in the output layer."
    )
    return (
        "Each row is a layer, each column a training step; one colour step is a factor of 10. "
        f"At step {step}, ||dL/dW|| is {sci(norms[0])} in the first layer ({names[0]}), "
        + comparison
    )


def ratios_sentence(run: Run, step: int) -> str:
    """The rule of thumb for the update ratio, and the range of the ratios at `step`."""
    ratios = run.metric("update_ratio")[step]
    finite = np.isfinite(ratios)
    return (
        f"A rule of thumb: each step should change a layer's weights by about "
        f"{UPDATE_RATIO_GUIDE:g} of their size (the dashed line). Far above it training is "
        "unstable; far below, the layer hardly learns."
        + (
            f" At step {step} the ratios run from {sci(ratios[finite].min())} to "
            f"{sci(ratios[finite].max())}."
            if finite.any()
            else ""
        )
    )


def _flow_bars(run: Run) -> go.Figure:
    """The gradient flow bars at the last recorded step, with a frame per recorded step."""
    last = run.recorded_steps[-1]
    names, mean_abs, max_abs = gradient_flow(run.record_at(last))
    return with_flow_frames(gradient_flow_figure(names, mean_abs, max_abs, last), run, last)


link = layout.header(
    "Gradient norms",
    "How large each layer's gradient ||dL/dW|| is at every training step, and how much each "
    "update changes the weights. This is the first thing to look at when a deep network will "
    "not train.",
    link_later=True,
)
layout.try_this(
    "Set **Activation** to sigmoid and **Hidden layers** to 10: the bottom rows of the heatmap "
    "turn dark, because the first layers get almost no gradient. Then tick **Residual**.",
    apply={"activation": "sigmoid", "depth": 10},
    key="try_gradnorms",
)

cfg = runs.config()
run = runs.run()
layout.divergence_banner(run)
layout.health_banner(run)
controls = st.container()
names = run.layer_names

st.subheader("Every layer, every step")
heatmap = transport.line_over_steps(
    (cfg, "heatmap"), run, lambda step: grad_norm_heatmap(run, step)
)
layout.chart(heatmap, key="gn_heatmap")
heatmap_text = st.container()
lines = transport.line_over_steps((cfg, "lines"), run, lambda step: grad_norm_lines(run, step))
layout.chart(lines, key="gn_lines")
st.caption(
    "The same numbers as lines, on a log axis: dark lines are layers near the input, light ones "
    "near the output. Hover a line to see its layer."
)

st.subheader("Gradient flow at the chosen step")
layout.chart(transport.over_steps((cfg, "flow"), lambda: _flow_bars(run)), key="gn_flow")
st.caption(
    "The mean and the largest |dL/dW| of each layer's weights at the chosen step. Bars that "
    "fall away towards the input mean the error fades on its way back."
)

st.subheader("Update ratio")
ratio_fig = transport.line_over_steps(
    (cfg, "update"), run, lambda step: update_ratio_figure(run, step)
)
layout.chart(ratio_fig, key="gn_update")
ratio_text = st.container()


@st.fragment
def at_step(run: Run) -> None:
    """The step and the sentences that name its numbers: moving it reruns only this."""
    with controls:
        step = transport.controls(run, cfg)
    with heatmap_text:
        st.markdown(norms_sentence(run, step))
    with ratio_text:
        st.markdown(ratios_sentence(run, step))
    with link:
        layout.share_link()


@st.fragment
def distributions() -> None:
    """Percentile bands of one layer's |W| and |dL/dW| over the recorded steps."""
    st.subheader("Weights and gradients over time")
    layer = st.selectbox("Layer", names, key="gn_layer")
    left, right = st.columns(2)
    for column, tensor, label in ((left, "W", "|W|"), (right, "dW", "|dL/dW|")):
        steps, bands = percentile_bands(run, layer, tensor)
        fig = transport.line_over_steps(
            (cfg, tensor, layer), run, partial(distribution_bands, steps, bands, label, layer)
        )
        with column:
            layout.chart(fig, key=f"gn_{tensor.lower()}")
    st.caption(
        f"At each of the {len(steps)} recorded steps: the median of the layer's "
        f"{run.records[steps[0]].layers[layer].W.size} weights (line), the "
        "middle half of them (dark band) and all but the 5 % at either end (light band). "
        "This is what TensorBoard's histograms show: weights that drift apart or gradients that "
        "collapse towards 0 are easy to spot."
    )


distributions()
at_step(run)

st.subheader("Download")
layout.downloads(run)
