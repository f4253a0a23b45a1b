"""The Gradients through time page through AppTest: real numbers, caching, budgets, bad links."""

from __future__ import annotations

import numpy as np
import pytest

from engine.sequence import KIND_LABELS, KINDS, SequenceConfig, compare_kinds
from tests.apptest_utils import (
    HOSTILE_PARAMS,
    assert_ok,
    decode,
    page_text,
    plotly_specs,
    run_page,
)
from ui import seq_lab
from ui.seq_params import BATCH, SEQUENCE_PARAMS
from ui.vanishing_runs import sci

PAGE = "app_pages/through_time.py"
CHARTS = 5
DEFAULT = SequenceConfig(
    **{
        field: SEQUENCE_PARAMS[key].default
        for field, key in (
            ("task", "seq_task"),
            ("length", "seq_len"),
            ("hidden", "seq_hidden"),
            ("lr", "seq_lr"),
            ("steps", "seq_steps"),
            ("forget_bias", "seq_forget"),
        )
    },
    batch=BATCH,
)


@pytest.fixture(scope="module")
def default_page():
    seq_lab.comparison.clear()
    seq_lab.sweep.clear()
    before = dict(seq_lab.CALLS)
    at = run_page(PAGE)
    at.calls_before = before
    return at


@pytest.fixture(scope="module")
def engine_runs():
    return compare_kinds(DEFAULT)


def test_defaults_draw_every_chart_and_say_the_sidebar_does_not_apply(default_page):
    at = default_page
    assert_ok(at, charts=CHARTS)
    assert not at.warning and not at.error
    titles = [s["layout"]["title"]["text"] for s in plotly_specs(at)]
    assert titles[0].startswith("Gradient reaching each input")
    assert titles[1].startswith("Training loss")
    assert titles[2].startswith("Test loss after")
    assert titles[3].startswith("Attention weights")
    assert titles[4].startswith("LSTM")
    text = page_text(at)
    assert "sidebar's settings are for the feed-forward pages" in text
    assert "Try this" in text and "**Sequence length T**" in text
    assert [m.label for m in at.metric] == [KIND_LABELS[k] for k in KINDS]
    assert at.slider(key="seq_len").value == DEFAULT.length
    assert at.selectbox(key="seq_task").value == DEFAULT.task
    links = at.get("page_link")
    assert links and links[0].proto.page == "vanishing"


def test_charts_metrics_and_sentences_are_the_engines_numbers(default_page, engine_runs):
    at = default_page
    profile, losses = plotly_specs(at)[:2]
    for i, kind in enumerate(KINDS):
        np.testing.assert_allclose(decode(profile["data"][2 * i]["y"]), engine_runs[kind].grad_x[0])
        np.testing.assert_allclose(decode(losses["data"][i]["y"]), engine_runs[kind].loss)
    tiles = {m.label: m.value for m in at.metric}
    for kind in KINDS:
        assert tiles[KIND_LABELS[kind]] == sci(engine_runs[kind].ratio())
    text = page_text(at)
    rnn = engine_runs["rnn"].ratio()
    assert f"in the tanh RNN it **vanishes** (first ÷ last = {sci(rnn)})" in text
    factor = rnn ** (1 / (DEFAULT.length - 1))
    assert f"a factor of about **{sci(factor)}** per step" in text
    learned = any(r.ratio(False) > 10 for r in engine_runs.values())
    assert ("can be larger at x₀ than at the last input" in text) == learned
    last_row = engine_runs["attention"].probe_attention[-1][-1]
    assert f"**{last_row[0]:.0%}** of its attention on position 0" in text


def test_runs_are_cached_and_a_slider_retrains_only_what_depends_on_it(default_page):
    at = default_page
    before = at.calls_before
    assert seq_lab.CALLS["comparison"] == before["comparison"] + 1
    assert seq_lab.CALLS["sweep"] == before["sweep"] + 1
    at.run()
    assert seq_lab.CALLS["comparison"] == before["comparison"] + 1
    at.slider(key="seq_len").set_value(12).run()
    assert_ok(at, charts=CHARTS)
    assert seq_lab.CALLS["comparison"] == before["comparison"] + 2
    assert seq_lab.CALLS["sweep"] == before["sweep"] + 1  # the sweep does not use T
    profile = plotly_specs(at)[0]
    assert len(decode(profile["data"][0]["y"])) == 12
    assert "||dL/dx₁₁||" in page_text(at)


def test_a_shared_link_sets_every_control():
    params = {
        "seq_task": "adding",
        "seq_len": "8",
        "seq_hidden": "6",
        "seq_lr": "0.03",
        "seq_steps": "20",
        "seq_forget": "3.0",
    }
    at = run_page(PAGE, params)
    assert_ok(at, charts=CHARTS)
    assert not at.warning
    assert at.selectbox(key="seq_task").value == "adding"
    assert at.slider(key="seq_len").value == 8
    assert at.slider(key="seq_hidden").value == 6
    assert at.select_slider(key="seq_lr").value == 0.03
    assert at.slider(key="seq_steps").value == 20
    assert at.select_slider(key="seq_forget").value == 3.0
    losses = plotly_specs(at)[1]
    assert len(decode(losses["data"][0]["y"])) == 20
    assert "the inputs the answer needs" in page_text(at)  # two marked positions


def test_hostile_link_clamps_with_warnings_and_echoes_no_markup(monkeypatch):
    # Keep the clamped run (T = 100) short: the budget itself is tested below.
    monkeypatch.setattr(seq_lab, "max_steps", lambda length, hidden, batch: 5)
    params = dict(HOSTILE_PARAMS, seq_len="99999", seq_task="<script>alert(1)</script>")
    params.update(seq_hidden="-5", seq_lr="nan", seq_steps="1e308", seq_forget="<b>x</b>")
    at = run_page(PAGE, params)
    assert_ok(at, charts=CHARTS)
    warnings = " ".join(str(w.value) for w in at.warning)
    for name in ("seq_len", "seq_task", "seq_hidden", "seq_lr", "seq_steps", "seq_forget"):
        assert name.replace("_", "\\_") in warnings, name  # shown escaped, as plain text
    assert "<script>" not in page_text(at) and "<b>" not in page_text(at)
    assert at.slider(key="seq_len").value == 100
    assert at.slider(key="seq_hidden").value == 2
    assert at.selectbox(key="seq_task").value == "copy_first"
    assert at.query_params["seq_len"] == "100"  # the cleaned link


def test_steps_over_the_budget_are_cut_with_a_note(monkeypatch):
    # The page asks the engine's budget how many steps this size may take; pretend it is 7.
    monkeypatch.setattr(seq_lab, "max_steps", lambda length, hidden, batch: 7)
    at = run_page(PAGE, {"seq_len": "10", "seq_hidden": "4", "seq_steps": "100"})
    assert_ok(at, charts=CHARTS)
    notes = " ".join(str(w.value) for w in at.warning)
    assert "sequences of 10 steps with 4 units train for 7 steps, not 100" in notes
    losses = plotly_specs(at)[1]
    assert len(decode(losses["data"][0]["y"])) == 7
