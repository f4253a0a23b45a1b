"""Error: the loss over training, per sample, and how each loss turns an error into a gradient."""

import plotly.graph_objects as go
import streamlit as st

from engine import Run, StepRecord
from ui import layout, lesson, runs, transport, weight_picker
from viz.error import (
    accuracy_figure,
    loss_figure,
    prediction_table,
    predictions_figure,
    target_one_logits,
)
from viz.transport import animated_loss_functions, with_prediction_frames


def sample_error_view(run: Run, record: StepRecord) -> None:
    """The error of the lesson's sample (the one the Forward pass showed)."""
    n = weight_picker.pick_sample_slider(record.x.shape[0], "Follow one sample")
    row = prediction_table(run, record).iloc[n]
    values = ", ".join(f"{k} = {v:.4g}" for k, v in row.items() if k != "training row")
    st.markdown(
        f"Sample {n} (training-set row {int(row['training row'])}), the one the Forward pass "
        f"showed: {values}. The step's loss L = {record.loss:.4g} is the mean of these "
        "per-sample losses over the whole batch."
    )


def predictions_text(run: Run, record: StepRecord) -> None:
    """What the predictions chart below shows at the step."""
    st.subheader(f"Predictions against targets at step {record.step}")
    st.markdown(
        f"The first {len(record.y)} samples of step {record.step}'s batch: what the network "
        f"predicted, what it should have predicted, and each sample's **{run.config.loss}** "
        "loss. The step's loss is the mean over the whole batch."
    )


def predictions_numbers(run: Run, record: StepRecord) -> None:
    """The step's predictions as a table, and the lesson's sample in words."""
    with st.expander("The numbers"):
        st.dataframe(prediction_table(run, record), hide_index=True, width="stretch")
    sample_error_view(run, record)


def curves_caption(run: Run, record: StepRecord) -> None:
    """What the orange dots of the loss functions chart are at the step."""
    sample_z = target_one_logits(run, record)
    if sample_z is not None:
        st.caption(
            f"Orange dots: the {len(sample_z)} target-1 samples of step {record.step}'s batch, "
            "at their own z on every curve. On the right, compare how much gradient each loss "
            "would give the same samples."
        )
    else:
        st.caption(
            "The orange dots of this run's samples appear for a two-class data set with a "
            "sigmoid **Output function**."
        )


def _predictions(run: Run) -> go.Figure:
    """The predictions chart at the last recorded step, with a frame per recorded step."""
    last = run.recorded_steps[-1]
    return with_prediction_frames(predictions_figure(run, run.record_at(last)), run, last)


link = layout.header(
    "Error",
    "The loss compares the prediction ŷ with the target y and sums up, in one number, how "
    "wrong the network is. Its gradient at the output, dL/dz, is where the backward pass starts.",
    link_later=True,
)
layout.try_this(
    "Set **Loss** to mse and **Activation** to sigmoid, then compare the gradients of the "
    "samples (orange dots) at the bottom of this page with those you get with **Loss** bce.",
    apply={"loss": "mse", "activation": "sigmoid"},
    key="try_error",
)

run = runs.run()
cfg = run.config
layout.divergence_banner(run)
layout.health_banner(run)

st.subheader("Loss over training")
scale, picker = st.columns([1, 4], gap="large", vertical_alignment="center")
with scale:
    log_y = layout.loss_scale()
player = st.container()
loss_fig = transport.line_over_steps(
    (cfg, "loss", log_y), run, lambda step: loss_figure(run, log_y=log_y, step=step)
)
layout.chart(loss_fig, key="error_loss")
st.caption(
    "Thin line: the loss of each step's mini-batch, noisy because every step sees other "
    "samples. Thick lines: the loss on the whole training set and on the test set, which "
    "the network never trains on. A test loss that rises while the training loss falls "
    "means overfitting. The dashed line is the chosen step."
)
if cfg.task != "regression":
    acc_fig = transport.line_over_steps(
        (cfg, "acc"), run, lambda step: accuracy_figure(run, step=step)
    )
    layout.chart(acc_fig, key="error_accuracy")
predictions = st.container()
layout.chart(
    transport.over_steps((cfg, "predictions"), lambda: _predictions(run)), key="error_predictions"
)
numbers = st.container()

st.subheader("Why cross-entropy keeps learning where squared error stalls")
st.markdown(
    "Take one output unit with a sigmoid, ŷ = σ(z), and a sample whose target is 1. "
    "The backward pass starts from dL/dz, so that number decides how hard the weights "
    "are pushed."
)
left, right = st.columns(2)
with left:
    st.markdown("**Squared error (mse)**")
    st.latex(
        r"L = (\hat y - y)^2 \qquad \frac{\partial L}{\partial z} = 2(\hat y - y)\,\hat y(1-\hat y)"
    )
    st.markdown(
        "The factor ŷ(1 − ŷ) is the sigmoid's slope. When the unit is confidently wrong "
        "(z far below 0, ŷ near 0) the slope is nearly 0, and so is the gradient: the worst "
        "mistakes learn the slowest."
    )
with right:
    st.markdown("**Binary cross-entropy (bce)**")
    st.latex(
        r"L = -\left(y\log\hat y + (1-y)\log(1-\hat y)\right) \qquad "
        r"\frac{\partial L}{\partial z} = \hat y - y"
    )
    st.markdown(
        "The log undoes the sigmoid's flat tail: the slope cancels and the gradient is just "
        "the error, close to −1 for a confidently wrong unit. Softmax with cross-entropy "
        "has the same gradient, ŷ − y."
    )
st.markdown(
    "**Cosine** loss, 1 − cos(ŷ, y), needs at least two output units: with one unit the "
    "cosine only sees the sign of ŷ. Here it uses two softmax units, ŷ = (1 − σ(z), σ(z)) "
    "against y = (0, 1). Like squared error it is bounded, and its gradient also fades "
    "when the unit saturates."
)
curves = transport.over_steps((cfg, "curves"), lambda: animated_loss_functions(run))
layout.chart(curves, key="error_curves")
curves_text = st.container()
nav = st.container()


@st.fragment
def at_step(run: Run) -> None:
    """Everything that shows the chosen step: moving the step or the sample reruns only this."""
    with picker:
        step = layout.step_picker(run)
    with player:
        transport.bar(run, step, transport.run_id(cfg))
    record = run.record_at(step)
    with predictions:
        predictions_text(run, record)
    with numbers:
        predictions_numbers(run, record)
    with curves_text:
        curves_caption(run, record)
    lesson.links_at_step(link, nav, "app_pages/error.py")


at_step(run)
