"""Every page opened straight from its own link, in a fresh browser, with and without settings."""

from __future__ import annotations

import pytest

# URL path of each page (Streamlit derives it from the page file's stem) and its nav title.
PAGES = {
    "/": "Overview",
    "/forward": "Forward pass",
    "/error": "Error",
    "/backward": "Backward pass",
    "/worked_example": "Worked example",
    "/gradient_norms": "Gradient norms",
    "/vanishing": "Vanishing gradients",
    "/optimizers": "Optimizers",
    "/through_time": "Gradients through time",
}
# A non-default experiment that still trains in well under a second.
LINK = {
    "dataset": "moons",
    "depth": "3",
    "width": "6",
    "activation": "sigmoid",
    "optimizer": "momentum",
    "lr": "0.1",
    "steps": "120",
    "seed": "3",
}
QUERY = "?" + "&".join(f"{k}={v}" for k, v in LINK.items())
# The navigation in order; the Update, Local minima and Glossary links are opened with their
# own settings in test_lesson.py.
NAV = [*list(PAGES)[:4], "/update", *list(PAGES)[4:], "/local_minima", "/glossary"]


def test_the_navigation_offers_exactly_these_pages(app):
    app.open()
    links = app.sidebar.locator('[data-testid="stSidebarNavLink"]')
    hrefs = [
        href.removeprefix(app.base_url) or "/"
        for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    ]
    assert hrefs == NAV


@pytest.mark.parametrize("query", ["", QUERY], ids=["defaults", "shared-settings"])
@pytest.mark.parametrize("path", list(PAGES), ids=[p.strip("/") or "overview" for p in PAGES])
def test_a_deep_link_draws_its_page(app, path, query):
    app.open(path + query)
    assert app.path == path
    assert app.dialogs() == []  # e.g. no "Page not found"
    assert app.active_page() == PAGES[path]
    assert app.charts_drawn() >= 1
    assert app.exceptions() == []
    if query:
        params = app.params()
        assert {k: params.get(k) for k in LINK} == LINK
        assert app.slider_value("Hidden layers") == "3"
        assert app.slider_value("Units per layer") == "6"
        assert app.select_value("Data set") == "moons"
        assert app.select_value("Activation") == "sigmoid"
        assert app.select_value("Optimizer") == "momentum"
