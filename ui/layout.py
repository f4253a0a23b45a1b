"""Building blocks every page shares: header, hints, banners, step picker, charts, downloads."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from engine import Run
from ui.runs import CACHE_TTL, data_key
from ui.text import plain

STEP_KEY = "step"
RAW_STEP_KEY = "_raw_step"  # the step a shared link asked for, checked once
PLOTLY_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"scale": 2}}


def header(title: str, intro: str) -> None:
    """Page title and a one-paragraph introduction."""
    st.title(title)
    st.markdown(intro)


def try_this(text: str) -> None:
    """A hint that names a control to move."""
    st.info(f"**Try this:** {text}", icon=":material/lightbulb:")


def divergence_banner(run: Run) -> None:
    """Say so, plainly, when training diverged."""
    if run.diverged_at is not None:
        st.error(
            f"Training diverged at step {run.diverged_at} (the loss became "
            f"{run.loss[run.diverged_at]}): lower the **Learning rate**. "
            f"Everything up to step {run.diverged_at} is still shown.",
            icon=":material/warning:",
        )


def step_picker(run: Run, label: str = "Step") -> int:
    """A slider over the run's recorded steps, shared by the pages and kept in the URL."""
    steps = run.recorded_steps
    current = st.session_state.get(STEP_KEY)
    raw = st.session_state.pop(RAW_STEP_KEY, None)
    if raw is not None and not (raw.isdigit() and int(raw) in steps):
        st.warning(
            f"step: {plain(raw)} is not a recorded step of this run; showing step {steps[-1]}."
        )
    help_text = (
        f"Full tensors are recorded at {len(steps)} of the {run.steps_run} steps "
        f"(every {run.stride}), always including the first and the last."
    )
    options: dict[str, Any] = {
        "options": steps,
        "key": STEP_KEY,
        "bind": "query-params",
        "help": help_text,
    }
    if current is None:
        # The session's first slider: the URL decides, else the last step.
        return int(st.select_slider(label, value=steps[-1], **options))
    # Each page's slider is a separate widget: carry the chosen step over explicitly.
    st.session_state[STEP_KEY] = current if current in steps else steps[-1]
    return int(st.select_slider(label, **options))


# Built figures, shared by all sessions: Plotly's object model makes building a figure
# cost tens of milliseconds, rendering one a fraction of that.
FIGURE_CACHE_ENTRIES = 256


@st.cache_resource(max_entries=FIGURE_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _cached_figure(name: str, key: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def figure(build: Callable[..., go.Figure], key: Hashable, *args, **kwargs) -> go.Figure:
    """build(*args, **kwargs), built once per `key`: everything the figure depends on.

    The key must name the run (its Config and data_key()) and every view setting; the
    figure is shared read-only, so callers must not modify it.
    """
    name = f"{build.__module__}.{build.__qualname__}"
    return _cached_figure(name, (key, data_key()), lambda: build(*args, **kwargs))


def chart(fig: go.Figure, key: str | None = None) -> None:
    """Show a Plotly figure at full width with the app's chart settings."""
    st.plotly_chart(fig, width="stretch", key=key, config=PLOTLY_CONFIG, theme=None)


def downloads(run: Run, key: str = "dl") -> None:
    """Download buttons for the run's per-step scalars (CSV) and recorded tensors (.npz)."""
    left, right = st.columns(2)
    left.download_button(
        "Download per-step records (CSV)",
        data=run.scalars_csv,
        file_name="backprop_lab_records.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        "Download recorded tensors (.npz)",
        data=run.tensors_npz,
        file_name="backprop_lab_tensors.npz",
        mime="application/octet-stream",
        key=f"{key}_npz",
        icon=":material/download:",
        on_click="ignore",
    )
