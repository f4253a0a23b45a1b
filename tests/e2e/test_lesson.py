"""The lesson's new pages opened from their links in a real browser, and Next carrying choices."""

from __future__ import annotations

from engine import Config, train
from engine.analysis.update_rule import update_terms
from ui.settings import config_from_params

UPDATE_LINK = {
    "optimizer": "momentum",
    "lr": "0.1",
    "steps": "30",
    "step": "7",
    "cr_layer": "out",
    "cr_i": "3",
}


def _query(link: dict[str, str]) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in link.items())


def test_the_update_page_opens_on_its_step_and_weight(app):
    app.open("/update" + _query(UPDATE_LINK))
    assert app.active_page() == "Update"
    assert app.charts_drawn() >= 1
    assert app.exceptions() == [] and app.dialogs() == []
    params = app.params()
    assert {k: params.get(k) for k in UPDATE_LINK} == UPDATE_LINK
    t = update_terms(train(config_from_params(UPDATE_LINK)[0]), 7, "out", 3, 0)
    assert app.metric("w before") == f"{t.w_before:.6g}"
    assert app.metric("w after") == f"{t.w_after:.6g}"


def test_the_local_minima_page_opens_with_its_runs(app):
    link = {"lm_runs": "12", "steps": "60", "samples": "100"}
    app.open("/local_minima" + _query(link))
    assert app.active_page() == "Local minima"
    assert app.charts_drawn(minimum=3, timeout=60) == 3
    assert app.exceptions() == []
    assert {k: app.params().get(k) for k in link} == link
    assert app.page.get_by_text("Seeds 0 to 11", exact=False).count() == 1


def test_next_carries_the_settings_the_step_and_the_weight(app):
    link = {"steps": "30", "step": "12", "cr_layer": "h2", "cr_j": "3", "sample": "4"}
    app.open("/backward" + _query(link))
    assert app.active_page() == "Backward pass"
    app.page.locator('[data-testid="stPageLink"]', has_text="Next: Update").click()
    app.until(lambda: app.active_page() == "Update", 30, "the Update page")
    app.wait()
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    # Everything stays in the address, the step too, so the link reproduces the page.
    assert {k: app.params().get(k) for k in link} == link
    t = update_terms(train(Config(steps=30)), 12, "h2", 0, 3)
    assert app.metric("w before") == f"{t.w_before:.6g}"
    assert app.page.get_by_text("before the update of step 12", exact=False).count() == 1
    assert app.page.get_by_text("Glossary", exact=True).count() == 1  # in the navigation


def test_a_hostile_update_link_is_cleaned_and_draws(app):
    app.open("/update?steps=20&cr_layer=<script>alert(1)</script>&cr_i=999&sample=-4")
    warnings = "\n".join(app.alerts("warning"))
    assert "cr_layer" in warnings and "cr_i" in warnings and "sample" in warnings
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    assert app.page.locator("script", has_text="alert(1)").count() == 0
    # Clamped to the registry's bounds, then to this network: unit 999 of h1 falls back to 0.
    assert app.params() == {"steps": "20"}
    assert app.metric("w before") != ""
