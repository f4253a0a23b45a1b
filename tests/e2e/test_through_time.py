"""Gradients through time in a real browser: a deep link with its settings, a hostile one."""

from __future__ import annotations

import re

import pytest

LINK = {"seq_task": "adding", "seq_len": "12", "seq_hidden": "8", "seq_lr": "0.03"}
LINK_QUERY = "&".join(f"{k}={v}" for k, v in {**LINK, "seq_steps": "30"}.items())


def _main_slider(app, label: str):
    name = re.compile(rf"^\s*{re.escape(label)}\s*$")
    label_el = app.page.locator('[data-testid="stWidgetLabel"]', has_text=name)
    return app.page.locator('[data-testid="stMain"] [data-testid="stSlider"]').filter(has=label_el)


def _slider_value(app, label: str) -> str:
    return _main_slider(app, label).locator('[data-testid="stSliderThumbValue"]').inner_text()


def test_a_deep_link_opens_the_page_with_its_settings_and_a_slider_updates_the_link(app):
    app.open("/through_time?" + LINK_QUERY)
    assert app.path == "/through_time"
    assert app.active_page() == "Gradients through time"
    assert app.charts_drawn(minimum=5) == 5
    assert app.exceptions() == [] and app.dialogs() == []
    params = app.params()
    assert {k: params.get(k) for k in LINK} == LINK
    assert _slider_value(app, "Sequence length T") == "12"
    assert _slider_value(app, "Training steps") == "30"
    task = app.page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]')
    assert task.locator('input[role="combobox"]').input_value() == "adding"
    assert re.fullmatch(r"[0-9.e-]+", app.metric("tanh RNN"))

    thumb = _main_slider(app, "Sequence length T").locator('input[type="range"]')
    thumb.focus()
    thumb.press("ArrowRight")
    app.until(lambda: app.params().get("seq_len") == "13", 15, "seq_len=13 in the URL")
    app.wait()
    assert _slider_value(app, "Sequence length T") == "13"
    assert app.charts_drawn(minimum=5) == 5
    assert app.exceptions() == []


@pytest.fixture
def dialogs(app):
    seen: list[str] = []
    app.page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def test_a_hostile_link_is_clamped_with_warnings_and_runs_nothing(app, dialogs):
    app.open("/through_time?seq_len=99999&seq_task=<script>alert(1)</script>&seq_steps=10")
    warnings = "\n".join(app.alerts("warning"))
    assert "seq_len" in warnings and "seq_task" in warnings
    assert _slider_value(app, "Sequence length T") == "100"  # clamped, not reset
    assert app.params() == {"seq_len": "100", "seq_steps": "10"}
    assert app.charts_drawn(minimum=5) == 5
    assert app.exceptions() == []
    assert app.page.locator("script", has_text="alert(1)").count() == 0
    assert dialogs == []
