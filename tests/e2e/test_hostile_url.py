"""A hostile link is cleaned with a warning; nothing in it runs as script or HTML."""

from __future__ import annotations

import pytest


@pytest.fixture
def dialogs(app):
    """Messages of every JavaScript dialog (alert, confirm, prompt) the page opens."""
    seen: list[str] = []

    def record(dialog) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    app.page.on("dialog", record)
    return seen


def test_a_hostile_link_is_cleaned_and_runs_nothing(app, dialogs):
    app.open("/?depth=999&foo=<script>alert(1)</script>")
    warnings = "\n".join(app.alerts("warning"))
    assert "depth" in warnings and "foo" in warnings
    assert app.slider_value("Hidden layers") == "64"  # clamped, not reset
    assert app.params() == {"depth": "64"}  # the URL now holds only the cleaned settings
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    assert app.page.locator("script", has_text="alert(1)").count() == 0
    assert dialogs == []


def test_html_in_a_setting_is_shown_as_text(app, dialogs):
    app.open("/forward?activation=<img src=x onerror=alert(2)>&width=<b>wide</b>")
    warnings = "\n".join(app.alerts("warning"))
    assert "activation" in warnings and "width" in warnings
    assert app.page.locator("img[src='x']").count() == 0
    assert app.page.locator("[data-testid='stMain'] b", has_text="wide").count() == 0
    assert app.select_value("Activation") == "tanh"
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    assert dialogs == []
