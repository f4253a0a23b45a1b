"""Uploading a CSV through the sidebar: a good file is used, each bad kind gets a message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.training.datasets import MAX_UPLOAD_BYTES
from tests.apptest_utils import run_page
from ui import runs


def _csv(n: int = 60, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    return pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y}).to_csv(index=False).encode()


def _upload(at, content: bytes, name: str = "data.csv"):
    at.sidebar.file_uploader(key="upload_file").set_value((name, content, "text/csv")).run()
    return at


def test_good_file_becomes_the_data_set():
    at = _upload(run_page(""), _csv())
    assert not at.exception
    cfg = at.session_state[runs.CONFIG_KEY]
    assert cfg.dataset == "upload_binary"
    data = at.session_state[runs.UPLOAD_KEY]
    assert len(data.X) == 60 and data.task == "binary"
    assert any("Using data\\.csv" in s.value for s in at.sidebar.success)
    assert at.sidebar.selectbox(key="dataset").disabled
    # The share link cannot carry the file, and says so.
    assert "dataset=upload" not in at.main.code[0].value  # the header's Copy link
    assert any("can't travel in a link" in c.value for c in at.sidebar.caption)


BAD_FILES = {
    "empty": b"",
    "text": b"a,b,c\nx,y,z\np,q,r\n",
    "nan": b"a,b,c\n" + b"\n".join(b"1,2,0" if i != 5 else b"1,,0" for i in range(40)),
    "two columns": b"a,b\n" + b"\n".join(b"1,2" for _ in range(40)),
    "too few rows": b"a,b,c\n1,2,0\n3,4,1\n",
    "binary junk": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_gets_a_message_and_the_previous_data_stays(kind):
    at = _upload(run_page(""), _csv())
    before = at.session_state[runs.UPLOAD_KEY]
    at = _upload(at, BAD_FILES[kind], name="bad.csv")
    assert not at.exception
    assert at.sidebar.error, f"no message for {kind}"
    assert "Still using the previous data" in at.sidebar.error[0].value
    assert at.session_state[runs.UPLOAD_KEY] is before


def test_too_large_file_is_refused_on_the_server():
    big = b"a,b,c\n" + b"1.0,2.0,0\n" * (MAX_UPLOAD_BYTES // 10 + 10)
    at = _upload(run_page(""), big, name="big.csv")
    assert not at.exception
    assert "limit" in at.sidebar.error[0].value
    assert at.session_state[runs.CONFIG_KEY].dataset == "circle"


def test_regression_target_is_detected():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 2))
    df = pd.DataFrame({"u": X[:, 0], "v": X[:, 1], "t": X[:, 0] * 0.3 + 0.1})
    at = _upload(run_page(""), df.to_csv(index=False).encode())
    cfg = at.session_state[runs.CONFIG_KEY]
    assert cfg.dataset == "upload_regression"
    assert cfg.loss == "mse" and cfg.output == "identity"
