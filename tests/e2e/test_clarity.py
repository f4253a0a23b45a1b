"""Clear at a glance, in the real browser: charts whose labels do not collide, legends off the
data, log axes at powers of ten, a phone layout, a dark theme and the run-health warnings.

One server for the whole file; each setting below is a hostile-but-valid link, opened on
every page at one width (the other width gets the other settings), so the file stays short.
"""

from __future__ import annotations

import pytest

from tests.e2e.chart_layout import PAGES, problems
from tests.e2e.conftest import (
    AppView,
    luminance,
    script_states,
    wait_for_app,
    wait_until,
    watch_script_states,
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
# steps=40 keeps the many runs of the Vanishing and Optimizers pages quick.
CASES = [
    pytest.param(DESKTOP, "depth=20&activation=sigmoid&steps=40", PAGES, id="1400-deep-sigmoid"),
    pytest.param(PHONE, "depth=1&width=1&steps=40", PAGES, id="390-one-unit"),
    pytest.param(PHONE, "dataset=spiral3&steps=40", ["", "error"], id="390-spiral3"),
    pytest.param(DESKTOP, "dataset=sine&steps=40", [""], id="1400-sine"),
]


@pytest.fixture
def view(browser, app_server):
    """open(path, viewport, scheme, page=None): go to the app's `path` in a page of that size
    and colour scheme (a new one, or `page` again), wait until it is drawn, return the page."""
    contexts = []

    def open_(path: str, viewport: dict, scheme: str = "light", page=None):
        if page is None:
            context = browser.new_context(viewport=viewport, color_scheme=scheme)
            contexts.append(context)
            page = context.new_page()
        page.goto(app_server + path)
        wait_for_app(page, timeout=120)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.parametrize(("viewport", "query", "pages"), CASES)
def test_every_chart_reads_cleanly(view, viewport, query, pages) -> None:
    """No overlapping labels, legends off the plots, log axes at powers of ten, no toolbar on a
    title; at phone width the sidebar starts closed and nothing scrolls sideways."""
    found = []
    page = None
    for name in pages:
        page = view(f"/{name}?{query}", viewport, page=page)
        if name not in ("worked_example", "glossary"):  # pages that draw no run chart
            AppView(page, "").charts_drawn(1, timeout=60)
        found += [f"/{name}: {p}" for p in problems(page)]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"/{name} scrolls sideways: {width} px"
        if viewport is PHONE:
            sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
            assert sidebar is None or sidebar["x"] + sidebar["width"] <= 1, "sidebar open"
    assert not found, "\n".join(found)


def test_dark_system_theme_gives_a_dark_page_and_light_chart_text(view) -> None:
    page = view("/?steps=100", DESKTOP, scheme="dark")
    app_bg = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    assert luminance(app_bg) < 60
    fills = page.evaluate(
        """() => [...document.querySelectorAll('.bp-chart .gtitle,'
             + ' .bp-chart .xtick text')].map(t => getComputedStyle(t).fill)"""
    )
    assert fills and all(luminance(f) > 150 for f in fills), fills
    paper = page.evaluate(
        """() => getComputedStyle(document.querySelector(
             '.bp-chart .main-svg')).backgroundColor"""
    )
    assert luminance(paper) < 60


# Each app chart's paper colour, title colour and the step the transport shows on it.
_CHART_LOOKS_JS = """() => [...document.querySelectorAll('.bp-plot')].map(gd => [
    getComputedStyle(gd.querySelector('.main-svg')).backgroundColor,
    getComputedStyle(gd.querySelector('.gtitle')).fill,
    gd.dataset.bpStep || null])"""


def test_the_charts_follow_a_theme_switch_at_once(view) -> None:
    # Streamlit switches the theme without a rerun, and the server picks a chart's template
    # at its rerun: the charts must take the page's theme themselves, every one, and stay at
    # the step the transport shows.
    page = view("/?steps=100", DESKTOP, scheme="light")
    AppView(page, "").charts_drawn(3, timeout=60)
    before = page.evaluate(_CHART_LOOKS_JS)
    assert len(before) == 3 and all(luminance(paper) > 200 for paper, _, _ in before)
    watch_script_states(page)

    def themed(dark: bool) -> bool:
        looks = page.evaluate(_CHART_LOOKS_JS)
        return all(
            (luminance(paper) < 60 and luminance(title) > 150) == dark
            and (luminance(paper) > 200 and luminance(title) < 100) != dark
            for paper, title, _ in looks
        )

    page.emulate_media(color_scheme="dark")
    wait_until(lambda: themed(dark=True), 10, "every chart dark")
    assert [step for _, _, step in page.evaluate(_CHART_LOOKS_JS)] == [s for _, _, s in before]
    page.emulate_media(color_scheme="light")
    wait_until(lambda: themed(dark=False), 10, "every chart light again")
    assert script_states(page) == []  # no rerun: the browser did it alone


def test_a_blow_up_and_a_stall_are_named(view) -> None:
    page = view("/?optimizer=sgd&lr=100&steps=100", DESKTOP)
    alert = page.locator('[data-testid="stAlertContentError"]').filter(has_text="blew up")
    assert alert.count() == 1 and "Learning rate" in alert.inner_text()
    page.get_by_role("button", name="Set the learning rate to 0.03").click()
    wait_for_app(page, timeout=120)
    assert "lr=" not in page.url  # back to the default 0.03, which the URL leaves out
    assert (
        page.locator('[data-testid="stAlertContentError"]').filter(has_text="blew up").count() == 0
    )

    page = view("/gradient_norms?depth=20&activation=sigmoid&steps=100", DESKTOP)
    stall = page.locator('[data-testid="stAlertContentWarning"]').filter(has_text="stalled")
    assert stall.count() == 1 and "Vanishing gradients" in stall.inner_text()


def test_the_worked_example_link_keeps_the_example(view) -> None:
    page = view("/worked_example?example=koech", PHONE)
    assert "Koech" in page.locator('[data-testid="stButtonGroup"]').inner_text()
    selected = page.locator('[data-testid="stButtonGroup"] button[aria-checked="true"]')
    assert "Koech" in selected.inner_text()
    assert "example=koech" in page.url


# Per chart, every side where Plotly's automargin grew the margin the figure asked for (each
# growth makes Plotly draw the whole chart again).
_GROWN_JS = r"""() => {
  const defaults = {l: 80, r: 80, t: 100, b: 80};
  const grown = [];
  document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
    const asked = (gd.layout && gd.layout.margin) || {};
    const size = gd._fullLayout._size;
    for (const side of ['l', 'r', 't', 'b']) {
      const want = asked[side] === undefined ? defaults[side] : asked[side];
      if (size[side] > want + 0.5) {
        const title = ((gd.layout.title || {}).text || '?').slice(0, 40);
        grown.push(`${title}: ${side} ${want} -> ${Math.round(size[side])}`);
      }
    }
  });
  return grown;
}"""


def test_every_chart_draws_in_one_pass_at_desktop_width(view) -> None:
    """At 1400 px with the default settings no chart needs more margin than it asks for, so
    Plotly lays each out once instead of drawing it again to make room (roomy_margins)."""
    grown = []
    page = None
    for name in [p for p in PAGES if p != "glossary"]:
        page = view(f"/{name}", DESKTOP, page=page)
        AppView(page, "").charts_drawn(1, timeout=60)
        grown += [f"/{name}: {g}" for g in page.evaluate(_GROWN_JS)]
    assert not grown, "\n".join(grown)
