"""Gradient norms: how big each layer's gradient and update are, at every step of training."""

from collections.abc import Hashable

import numpy as np
import streamlit as st

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
from viz.transport import with_flow_frames, with_moving_line

layout.header(
    "Gradient norms",
    "How large each layer's gradient ||dL/dW|| is at every training step, and how much each "
    "update changes the weights. This is the first thing to look at when a deep network will "
    "not train.",
)
layout.try_this(
    "Set **Activation** to sigmoid and **Hidden layers** to 10: the bottom rows of the heatmap "
    "turn dark, because the first layers get almost no gradient. Then tick **Residual**.",
    apply={"activation": "sigmoid", "depth": 10},
    key="try_gradnorms",
)

run = runs.run()
layout.divergence_banner(run)
layout.health_banner(run)
step = layout.step_picker(run)
transport.bar(run, step, transport.run_id(runs.config()))
record = run.record_at(step)
cfg, recorded = runs.config(), run.recorded_steps


def moving(fig, chart: Hashable):
    """The chart with its step line moved by the page's transport, one frame a step."""
    return transport.frames(
        fig, record.step, (cfg, chart), lambda f: with_moving_line(f, recorded, record.step)
    )


names = run.layer_names

st.subheader("Every layer, every step")
layout.chart(moving(grad_norm_heatmap(run, record.step), "heatmap"), key="gn_heatmap")
norms = run.metric("grad_norm")[record.step]
comparison = (
    f"{sci(norms[-2])} in the last hidden layer ({names[-2]}) and {sci(norms[-1])} in the "
    f"output layer: from the last hidden layer back to the first, the gradient "
    f"{trend(first_last_ratio(norms))}."
    if len(names) > 2
    else f"{sci(norms[-1])} in the output layer."
)
st.markdown(
    "Each row is a layer, each column a training step; one colour step is a factor of 10. "
    f"At step {record.step}, ||dL/dW|| is {sci(norms[0])} in the first layer ({names[0]}), "
    + comparison
)
layout.chart(moving(grad_norm_lines(run, record.step), "lines"), key="gn_lines")
st.caption(
    "The same numbers as lines, on a log axis: dark lines are layers near the input, light ones "
    "near the output. Hover a line to see its layer."
)

st.subheader(f"Gradient flow at step {record.step}")
flow_names, mean_abs, max_abs = gradient_flow(record)
flow = gradient_flow_figure(flow_names, mean_abs, max_abs, record.step)
flow = transport.frames(
    flow, record.step, (cfg, "flow"), lambda f: with_flow_frames(f, run, record.step)
)
layout.chart(flow, key="gn_flow")
st.caption(
    "The mean and the largest |dL/dW| of each layer's weights at the chosen step. Bars that "
    "fall away towards the input mean the error fades on its way back."
)

st.subheader("Update ratio")
layout.chart(moving(update_ratio_figure(run, record.step), "update"), key="gn_update")
ratios = run.metric("update_ratio")[record.step]
finite = np.isfinite(ratios)
st.markdown(
    f"A rule of thumb: each step should change a layer's weights by about "
    f"{UPDATE_RATIO_GUIDE:g} of their size (the dashed line). Far above it training is "
    "unstable; far below, the layer hardly learns."
    + (
        f" At step {record.step} the ratios run from {sci(ratios[finite].min())} to "
        f"{sci(ratios[finite].max())}."
        if finite.any()
        else ""
    )
)


@st.fragment
def distributions() -> None:
    """Percentile bands of one layer's |W| and |dL/dW| over the recorded steps."""
    st.subheader("Weights and gradients over time")
    layer = st.selectbox("Layer", names, key="gn_layer")
    left, right = st.columns(2)
    with left:
        steps, bands = percentile_bands(run, layer, "W")
        layout.chart(
            moving(distribution_bands(steps, bands, "|W|", layer, record.step), ("w", layer)),
            key="gn_w",
        )
    with right:
        steps, bands = percentile_bands(run, layer, "dW")
        dw = distribution_bands(steps, bands, "|dL/dW|", layer, record.step)
        layout.chart(moving(dw, ("dw", layer)), key="gn_dw")
    st.caption(
        f"At each of the {len(steps)} recorded steps: the median of the layer's "
        f"{run.records[steps[0]].layers[layer].W.size} weights (line), the "
        "middle half of them (dark band) and all but the 5 % at either end (light band). "
        "This is what TensorBoard's histograms show: weights that drift apart or gradients that "
        "collapse towards 0 are easy to spot."
    )


distributions()

st.subheader("Download")
layout.downloads(run)
