"""The lesson path: the "One training step" pages in order, and the choices that follow it.

Every page of the path ends with Previous and Next links that carry the settings, the step
and the lesson's shared choices (the sample and the weight). Streamlit forgets a widget's
value when a page does not draw it, so each shared choice is also kept in a session key of
its own and handed to the next page that draws its widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.layout import STEP_KEY, share_link
from ui.page_params import I_KEY, J_KEY, LAYER_KEY, SAMPLE_KEY

# (script, title, icon) in lesson order.
LESSON: tuple[tuple[str, str, str], ...] = (
    ("app_pages/overview.py", "Overview", ":material/home:"),
    ("app_pages/forward.py", "Forward pass", ":material/arrow_forward:"),
    ("app_pages/error.py", "Error", ":material/target:"),
    ("app_pages/backward.py", "Backward pass", ":material/arrow_back:"),
    ("app_pages/update.py", "Update", ":material/update:"),
    ("app_pages/worked_example.py", "Worked example", ":material/calculate:"),
)

# The sample of the batch and the weight (layer, from-unit, to-unit) the lesson follows.
CARRIED = (SAMPLE_KEY, LAYER_KEY, I_KEY, J_KEY)


def _kept(key: str) -> str:
    return f"_lesson_{key}"


def neighbours(page: str) -> tuple[tuple[str, str, str] | None, tuple[str, str, str] | None]:
    """The lesson pages before and after `page` (None at either end)."""
    scripts = [p for p, _, _ in LESSON]
    at = scripts.index(page)
    before = LESSON[at - 1] if at > 0 else None
    after = LESSON[at + 1] if at + 1 < len(LESSON) else None
    return before, after


def carry(key: str, valid: Callable[[Any], bool], fallback: Any) -> None:
    """Before drawing the widget `key`: start it at the lesson's choice, or `fallback`.

    The choice is the widget's own value (same page), else the one kept from another page,
    else the link's. A choice this run cannot show (a sample beyond the batch) falls back.
    """
    if key in st.session_state:
        current = st.session_state[key]
    elif _kept(key) in st.session_state:
        current = st.session_state[_kept(key)]
    elif key in st.query_params:
        text = st.query_params[key]
        # The link's value was checked on load (ui.page_params); here it is only typed.
        current = int(text) if isinstance(fallback, int) and text.isdigit() else text
    else:
        return
    st.session_state[key] = current if valid(current) else fallback


def keep(key: str, value: Any, default: Any) -> None:
    """Remember a shared choice for the next page that draws its widget, and put it in the URL.

    The widgets are not bound to the URL: on a page change Streamlit drops a bound parameter
    whose widget lived on the previous page, so a link's choice would vanish from the
    address. Written here, it stays (and a default value stays out, like the sidebar's).
    """
    st.session_state[_kept(key)] = value
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)


def link_params() -> dict[str, str]:
    """The query parameters a lesson link carries: the settings, the step, the choices."""
    params = {k: st.query_params[k] for k in st.query_params}
    step = st.session_state.get(STEP_KEY)
    if step is not None:
        params[STEP_KEY] = str(step)
    for key in CARRIED:
        value = st.session_state.get(key, st.session_state.get(_kept(key)))
        if value is not None:
            params[key] = str(value)
    return params


def nav(page: str) -> None:
    """Previous and Next links along the lesson, at the end of `page`."""
    before, after = neighbours(page)
    params = link_params()
    st.divider()
    left, right = st.columns(2)
    if before is not None:
        script, title, icon = before
        left.page_link(script, label=f"Previous: {title}", icon=icon, query_params=params)
    if after is not None:
        script, title, icon = after
        right.page_link(
            script, label=f"Next: {title}", icon=icon, icon_position="right", query_params=params
        )


def links_at_step(link: DeltaGenerator, nav_slot: DeltaGenerator, page: str) -> None:
    """The copy link and the Previous/Next links of `page`, written by its step fragment
    into the containers the page placed for them, so they carry the chosen step."""
    with link:
        share_link()
    with nav_slot:
        nav(page)
