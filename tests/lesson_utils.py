"""A cheap hostile link for the lesson's pages: bad run settings and bad page-local choices."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest_utils import assert_ok, page_text, run_page

CHEAP_HOSTILE = {
    "depth": "<b>x</b>",
    "lr": "abc",
    "steps": "-5",
    "foo": "<script>alert(1)</script>",
    "sample": "999",
    "cr_layer": "<script>x</script>",
    "cr_i": "-3",
}


def run_cheap_hostile_link(page: str, charts: int) -> AppTest:
    """Open `page` from CHEAP_HOSTILE: it names what it fixed, draws, echoes no markup."""
    at = run_page(page, CHEAP_HOSTILE)
    assert_ok(at, charts=charts)
    warnings = " ".join(str(w.value) for w in at.warning).replace("\\", "")
    for name in ("depth", "lr", "steps", "sample", "cr_layer", "cr_i"):
        assert name in warnings, warnings
    assert "<script>" not in page_text(at)
    return at
