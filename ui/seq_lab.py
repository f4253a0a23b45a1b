"""Controls and cached runs of the Gradients through time page."""

from __future__ import annotations

import streamlit as st

from engine.sequence import (
    TASK_LABELS,
    TASKS,
    LengthSweep,
    SequenceConfig,
    SequenceRun,
    compare_kinds,
    length_sweep,
    max_steps,
)
from ui import workers
from ui.cache import immutable_cache
from ui.page_params import page_param_default
from ui.progress import Progress, jobs_bar
from ui.seq_params import (
    BATCH,
    FORGET_BIAS_GRID,
    HIDDEN_RANGE,
    LENGTH_RANGE,
    SEQ_LR_GRID,
    STEPS_RANGE,
)
from ui.settings import CACHE_TTL

# A comparison holds three runs of at most about 3 MB each; the sweep is a few numbers.
CACHE_ENTRIES = 8

# Counts real (uncached) computations in this process; tests read it to prove caching.
CALLS = {"comparison": 0, "sweep": 0}


def controls() -> tuple[SequenceConfig, list[str]]:
    """The page's sliders, bound to the URL, and the config they describe (within budget)."""
    left, middle, right = st.columns(3)
    task = left.selectbox(
        "Task",
        TASKS,
        index=TASKS.index(page_param_default("seq_task")),
        key="seq_task",
        bind="query-params",
        # The option itself travels in the link (a format_func's label would), so show ids.
        help="; ".join(f"{k}: {v}" for k, v in TASK_LABELS.items()),
    )
    length = middle.slider(
        "Sequence length T",
        *LENGTH_RANGE,
        value=page_param_default("seq_len"),
        key="seq_len",
        bind="query-params",
    )
    hidden = right.slider(
        "Hidden units",
        *HIDDEN_RANGE,
        value=page_param_default("seq_hidden"),
        key="seq_hidden",
        bind="query-params",
    )
    lr = left.select_slider(
        "Learning rate (Adam)",
        SEQ_LR_GRID,
        value=page_param_default("seq_lr"),
        key="seq_lr",
        bind="query-params",
    )
    steps = middle.slider(
        "Training steps",
        *STEPS_RANGE,
        value=page_param_default("seq_steps"),
        key="seq_steps",
        bind="query-params",
    )
    forget = right.select_slider(
        "LSTM forget-gate bias",
        FORGET_BIAS_GRID,
        value=page_param_default("seq_forget"),
        key="seq_forget",
        bind="query-params",
        help="The forget gate's bias at initialisation: f = σ(bias + …) starts near σ(bias).",
    )
    notes = []
    most = max_steps(length, hidden, BATCH)
    if steps > most:
        notes.append(
            f"To keep this page quick, sequences of {length} steps with {hidden} units train "
            f"for {most} steps, not {steps}."
        )
        steps = most
    config = SequenceConfig(
        task=task,
        length=length,
        hidden=hidden,
        lr=lr,
        steps=steps,
        batch=BATCH,
        forget_bias=forget,
    )
    return config, notes


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def comparison(config: SequenceConfig) -> dict[str, SequenceRun]:
    """The three kinds trained on the config's task, with a progress bar; shared, never copied."""
    CALLS["comparison"] += 1
    bar = Progress("Training the three…")
    runs = compare_kinds(config, jobs_bar(bar, "the three models"), workers.run_jobs)
    bar.done()
    return runs


@immutable_cache(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL)
def sweep(task: str, lr: float, forget_bias: float) -> LengthSweep:
    """Each kind trained briefly at several lengths, with a progress bar."""
    CALLS["sweep"] += 1
    bar = Progress("Training at each sequence length…")
    result = length_sweep(
        task, lr, forget_bias=forget_bias, on_progress=bar.update, run_jobs=workers.run_jobs
    )
    bar.done()
    return result
