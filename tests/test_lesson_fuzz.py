"""Random links, some valid and some hostile, open the lesson's new pages without error."""

from __future__ import annotations

import random

import pytest

from tests.apptest_utils import assert_ok, run_page
from tests.test_fuzz import HOSTILE, _config_of, _draw_params
from ui import runs

PAGES = (
    ("app_pages/update.py", 1),
    ("app_pages/local_minima.py", 3),
    ("app_pages/glossary.py", 0),
)
PAGE_VALUES = {
    "sample": ["0", "5", "31", "40"],
    "cr_layer": ["h1", "h2", "out", "h9"],
    "cr_i": ["0", "1", "7", "300"],
    "cr_j": ["0", "3", "255"],
    "lm_runs": ["8", "12", "16", "9"],
}
CASES = 9


def _cases() -> list:
    rng = random.Random(20261126)
    cases = []
    for k in range(CASES):
        params = _draw_params(rng)
        for key, values in PAGE_VALUES.items():
            roll = rng.random()
            if roll < 0.4:
                params[key] = rng.choice(values)
            elif roll < 0.55:
                params[key] = rng.choice(HOSTILE)
        page, charts = PAGES[k % len(PAGES)]
        cases.append(pytest.param(page, charts, params, id=f"{k}-{page[10:-3]}"))
    return cases


@pytest.mark.parametrize(("page", "charts", "params"), _cases())
def test_random_links_open_the_new_pages(page, charts, params):
    at = run_page(page, params)
    assert_ok(at, charts=charts)
    assert at.session_state[runs.CONFIG_KEY] == _config_of(params)
