"""Gradients through time: a tanh RNN, an LSTM and attention on a task that needs an early input."""

import numpy as np
import streamlit as st

from engine.sequence import KIND_LABELS, KINDS, SOLVED_SHARE, TASK_LABELS
from engine.sequence.tasks import needed_positions
from engine.sequence.training import memory_kept
from ui import layout, seq_lab
from ui.seq_text import (
    STRONGER_ABOVE,
    attention_sentence,
    memory_sentence,
    per_step_factor,
    ratio_sentence,
    solved_sentence,
    subscript,
)
from ui.vanishing_runs import sci
from viz.sequence import (
    attention_figure,
    forget_figure,
    gradient_profile_figure,
    loss_figure,
    sweep_figure,
)

layout.header(
    "Gradients through time",
    "A sequence model reads $x_0, x_1, \\dots, x_{T-1}$ and answers at the end. When the "
    "answer depends on the first input, the gradient has to travel back through every step "
    "to reach it. How much arrives, through a recurrent net, an LSTM's cell and attention?",
)
st.caption(
    ":material/info: The sidebar's settings are for the feed-forward pages; this page uses "
    "only the controls below."
)

config, notes = seq_lab.controls()
for note in notes:
    st.warning(note, icon=":material/tune:")
runs = seq_lab.comparison(config)
T = config.length
diverged = [KIND_LABELS[k] for k, r in runs.items() if r.diverged_at is not None]
if diverged:
    st.error(
        f"Training diverged for: {', '.join(diverged)} (the loss became NaN or infinite). Their "
        "curves stop there; lower the **Learning rate (Adam)**.",
        icon=":material/warning:",
    )

st.subheader("How much gradient reaches each input")
layout.chart(
    layout.figure(gradient_profile_figure, ("seq_profile", config), runs), key="seq_chart_profile"
)
ratios = {k: r.ratio() for k, r in runs.items()}
st.markdown(f"**First input ÷ last input**, ||dL/dx₀|| ÷ ||dL/dx{subscript(T - 1)}|| at step 0")
for column, kind in zip(st.columns(len(KINDS)), KINDS, strict=True):
    column.metric(
        KIND_LABELS[kind],
        sci(ratios[kind]),
        help=f"After training (step {runs[kind].steps_run - 1}): {sci(runs[kind].ratio(False))}",
    )
st.markdown(ratio_sentence(ratios, T, "At initialisation"))
trained = {k: r.ratio(False) for k, r in runs.items()}
st.markdown(ratio_sentence(trained, T, "After training"))
if any(r > STRONGER_ABOVE for r in trained.values()):
    st.caption(
        "A model that has learned the task needs the early input and can ignore the last "
        "ones, so after training its gradient can be larger at x₀ than at the last input."
    )

factor = per_step_factor(ratios["rnn"], T)
st.markdown(
    "**A recurrent net is a deep network.** Unrolled over time, the tanh RNN is a network "
    f"of {T} layers that all share one weight matrix $W_h$: going back one step multiplies the "
    "gradient by $W_h^\\top$ and by the slope of tanh, exactly like going back one layer on the "
    f"feed-forward pages. Here that is a factor of about **{sci(factor)}** per step, "
    f"compounded {T - 1} times."
)
st.page_link(
    "app_pages/vanishing.py",
    label="Vanishing gradients, layer by layer",
    icon=":material/trending_down:",
)

st.subheader(f"Training the three on “{TASK_LABELS[config.task]}”")
layout.chart(
    layout.figure(loss_figure, ("seq_loss", config), runs, config.baseline), key="seq_chart_loss"
)
st.markdown(
    "Test loss after training, as a share of always answering 0: "
    + ", ".join(
        f"{KIND_LABELS[k]} **{sci(r.test_loss_end / config.baseline)}**" for k, r in runs.items()
    )
    + f" (solved below {SOLVED_SHARE:.0%})."
)

st.subheader("Which ones solve it as T grows")
sweep = seq_lab.sweep(config.task, config.lr, config.forget_bias)
layout.chart(
    layout.figure(sweep_figure, ("seq_sweep", sweep.config, T), sweep, T), key="seq_chart_sweep"
)
st.markdown(solved_sentence(sweep))
st.caption(
    f"Each point is a fresh model trained for {sweep.config.steps} steps on batches of "
    f"{sweep.config.batch}, with your task, learning rate and forget-gate bias; the dashed line "
    "is your sequence length."
)

attention = runs["attention"]
needed = needed_positions(config.task, attention.probe_X)
st.subheader("Where attention looks")
if attention.probe_attention is not None:
    layout.chart(
        layout.figure(attention_figure, ("seq_attention", config), attention, needed),
        key="seq_chart_attention",
    )
    st.markdown(attention_sentence(attention.probe_attention[-1][-1], needed))
st.markdown(
    "**Attention** gives the last position a direct path to every input: one softmax weight "
    "and one matrix, whatever the distance. The gradient reaching x₀ is that weight times the "
    "same few factors as for any other position, so it does not shrink with T. At "
    "initialisation the weights are spread over all positions, so each gets about 1/T; "
    "training moves weight onto the positions that matter (dashed lines; the outlined row is "
    "the last position, the one read out)."
)

lstm = runs["lstm"]
st.subheader("What the LSTM's forget gates keep")
if lstm.probe_forget is not None:
    layout.chart(layout.figure(forget_figure, ("seq_forget", config), lstm), key="seq_chart_forget")
    gates = lstm.probe_forget[-1]
    st.markdown(memory_sentence(float(memory_kept(gates)[0]), float(np.mean(gates)), T))
st.markdown(
    "**The LSTM** adds a second path through time, its cell: "
    "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$. "
    "Going back one step along the cell multiplies the gradient only by the forget gate $f_t$, "
    "between 0 and 1. A forget gate near 1 carries the early signal far; a forget-gate bias "
    "of 1 starts the gates near σ(1) ≈ 0.73, which still fades over many steps unless "
    "training opens them further."
)
st.markdown(
    "**The tanh RNN** has only one path, through $W_h$ and tanh at every step: unless the "
    "weights are tuned just so, the product shrinks (or blows up) exponentially with T, and "
    "the first input's gradient vanishes, so training cannot learn to use it."
)
layout.try_this(
    "Move **Sequence length T** to 60: the tanh RNN's line falls by more orders of magnitude "
    "while attention's stays level. Then set **LSTM forget-gate bias** to 3 and watch the "
    "LSTM's line level out, or to −2 and watch it fall like the RNN's."
)
