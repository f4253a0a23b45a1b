"""The Local minima page through AppTest: its verdict is the engine's, deep links, bad links."""

from __future__ import annotations

from engine.analysis.seeds import train_seeds, verdict
from tests.apptest_utils import assert_ok, chart_nodes, page_text, plotly_specs, run_page
from tests.lesson_utils import run_cheap_hostile_link
from ui.settings import config_from_params
from viz.seeds import verdict_text

PAGE = "app_pages/local_minima.py"


def test_a_deep_link_trains_its_runs_and_says_what_they_show():
    link = {"width": "3", "activation": "relu", "steps": "100", "samples": "100", "lm_runs": "12"}
    at = run_page(PAGE, link)
    assert_ok(at, charts=3)
    assert not at.warning
    assert at.segmented_control(key="lm_runs").value == 12
    result = train_seeds(config_from_params(link)[0], 12)
    v = verdict(result.final, result.curves[result.worst])
    assert verdict_text(v, result) in page_text(at)
    bars = plotly_specs(at)[0]
    assert bars["data"][0]["x"] == [str(s) for s in range(12)]
    assert "Each run trains 100 steps." in page_text(at)


def test_more_runs_than_the_budget_allows_get_fewer_steps_and_say_so():
    at = run_page(PAGE, {"lm_runs": "16", "samples": "100"})
    assert_ok(at, charts=3)
    assert "of the sidebar's 300, to keep the page within a few seconds" in page_text(at)


def test_a_network_too_large_says_so_without_training():
    # One step, so the Overview that opens first stays cheap.
    at = run_page(PAGE, {"depth": "8", "width": "256", "steps": "1"})
    assert not at.exception
    assert any("too large to train 8 times" in str(w.value) for w in at.warning)
    assert not chart_nodes(at)


def test_local_minima_survives_a_hostile_link():
    at = run_cheap_hostile_link(PAGE, charts=3)
    bad = run_page(PAGE, {"lm_runs": "<b>7</b>", "steps": "20"})
    assert_ok(bad, charts=3)
    assert any("lm_runs" in str(w.value).replace("\\", "") for w in bad.warning)
    assert at.segmented_control(key="lm_runs").value == 8
