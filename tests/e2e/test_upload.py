"""Uploading a CSV in the sidebar: a good file becomes the data set, a broken one is refused."""

from __future__ import annotations

import numpy as np
import pytest

EXPANDER = "Your own data (CSV)"


@pytest.fixture
def good_csv(tmp_path):
    """120 rows: two features and a 0/1 label (the XOR pattern)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    rows = [f"{a:.4f},{b:.4f},{t}" for (a, b), t in zip(X, y, strict=True)]
    path = tmp_path / "my_points.csv"
    path.write_text("x_one,x_two,label\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def broken_csv(tmp_path):
    """Not a table of numbers: too few columns and binary junk."""
    path = tmp_path / "broken.csv"
    path.write_bytes(b"only one column\n\x00\xff\xfe junk\n")
    return path


def _upload(app, path, outcome: str) -> None:
    """Choose ``path`` in the sidebar's uploader; wait for a ``success`` or ``error`` verdict."""
    expander = app.sidebar.locator('[data-testid="stExpander"]').filter(has_text=EXPANDER)
    if expander.locator("details[open]").count() == 0:
        expander.locator("summary").click()
    expander.locator('input[type="file"]').set_input_files(str(path))

    def verdict() -> bool:
        # Only the new verdict counts: a success names its file, an error stands alone.
        if outcome == "success":
            return any(path.name in text for text in app.alerts("success"))
        return bool(app.alerts("error")) and not app.alerts("success")

    app.until(verdict, 30, f"the {outcome} message for {path.name}")
    app.wait()


def test_an_uploaded_csv_becomes_the_data_set(app, good_csv):
    app.open("/?steps=60")
    assert app.select_enabled("Data set")
    _upload(app, good_csv, "success")
    success = app.alerts("success")
    assert any("120 rows" in text for text in success), success
    assert app.alerts("error") == []
    assert not app.select_enabled("Data set")  # the upload replaces the built-in data
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    # The boundary plot's axes are the file's feature columns.
    assert any("x_one" in t for t in app.page.locator(".g-xtitle").all_text_contents())


def test_a_broken_csv_is_refused_with_a_message(app, good_csv, broken_csv):
    app.open("/?steps=60")
    _upload(app, broken_csv, "error")
    assert app.sidebar.locator('[data-testid="stAlertContentError"]').count() == 1
    assert app.select_enabled("Data set")  # nothing usable was uploaded: built-in data stay
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    # A good file after a broken one is taken.
    _upload(app, good_csv, "success")
    assert app.alerts("error") == []
    assert not app.select_enabled("Data set")
    assert app.exceptions() == []


def test_a_broken_csv_after_a_good_one_keeps_the_good_data(app, good_csv, broken_csv):
    # Replacing a file reruns once with no file at all; the good data must survive that.
    app.open("/?steps=60")
    _upload(app, good_csv, "success")
    _upload(app, broken_csv, "error")
    assert app.exceptions() == []
    assert not app.select_enabled("Data set")
