"""Uploading a CSV as the data set: validated, with a clear message when it can't be used."""

from __future__ import annotations

import hashlib

import streamlit as st

from engine import Dataset, TableError
from engine.training.datasets import (
    MAX_UPLOAD_BYTES,
    dataset_from_table,
    numeric_columns,
    read_table,
)
from ui.runs import UPLOAD_KEY
from ui.settings import CACHE_TTL
from ui.text import plain

FILE_KEY = "upload_file"
# The last file that worked: replacing a file reruns once with no file at all, so the
# data set in use is not enough to fall back on when the new file is broken.
LAST_GOOD_KEY = "_upload_last_good"


def controls(container) -> Dataset | None:
    """File uploader and column pickers; returns the uploaded data set when it is in use."""
    with container.expander("Your own data (CSV)", expanded=False):
        st.caption(
            f"Two numeric feature columns and a target, at most {MAX_UPLOAD_BYTES // 1_000_000} MB "
            "and 2,000 rows. A target with up to 10 whole-number values is a class label."
        )
        file = st.file_uploader("CSV file", type=["csv"], key=FILE_KEY)
        if file is None:
            st.session_state.pop(UPLOAD_KEY, None)
            return None
        try:
            df = _parse(file.getvalue())
        except TableError as err:
            return _keep_previous(str(err))
        columns = numeric_columns(df)
        if len(columns) < 3:
            return _keep_previous(
                "The file needs at least three columns of numbers (two features and a target)."
            )
        x1 = st.selectbox("Feature 1", columns, index=0, key="upload_x1")
        x2 = st.selectbox("Feature 2", columns, index=1, key="upload_x2")
        target = st.selectbox("Target", columns, index=len(columns) - 1, key="upload_target")
        try:
            share = st.session_state.get("train_share", 0.7)
            data = dataset_from_table(df, (x1, x2), target, train_share=share, seed=0)
        except TableError as err:
            return _keep_previous(str(err))
        st.session_state[UPLOAD_KEY] = st.session_state[LAST_GOOD_KEY] = data
        scaled = "features and target" if data.task == "regression" else "features"
        st.success(
            f"Using {plain(file.name)}: {len(data.X)} rows, a {data.task} task "
            f"({scaled} standardised to mean 0, std 1)."
        )
        return data


def _keep_previous(problem: str) -> Dataset | None:
    """Say what is wrong with the file and go on with the last data that worked."""
    previous = st.session_state.get(LAST_GOOD_KEY)
    st.session_state[UPLOAD_KEY] = previous
    fallback = "the previous data" if previous is not None else "the built-in data set"
    st.error(f"{plain(problem)} Still using {fallback}.", icon=":material/error:")
    return previous


@st.cache_data(max_entries=8, ttl=CACHE_TTL, show_spinner=False)
def _parse_cached(digest: str, _data: bytes):
    return read_table(_data)


def _parse(data: bytes):
    # The server enforces the size limit itself; the uploader's limit is only a hint.
    if len(data) > MAX_UPLOAD_BYTES:
        raise TableError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )
    return _parse_cached(hashlib.sha256(data).hexdigest(), data)
