"""Page-local URL parameters: valid values kept, invalid ones fixed or dropped with a warning."""

from __future__ import annotations

import pytest

from ui import page_params
from ui.page_params import clean_page_params
from ui.settings import Field

FIELDS = {
    "sample": Field(int, 0, 0, 31),
    "example": Field(str, "mazur", choices=("mazur", "koech")),
    "flag": Field(bool, False),
}


@pytest.fixture(autouse=True)
def fields(monkeypatch):
    monkeypatch.setattr(page_params, "PAGE_PARAMS", FIELDS)


def test_valid_values_are_kept_as_given_and_other_keys_ignored():
    clean, warnings = clean_page_params(
        {"sample": "7", "example": "koech", "flag": "true", "depth": "3"}
    )
    assert clean == {"sample": "7", "example": "koech", "flag": "true"}
    assert warnings == []


def test_out_of_range_is_clamped_and_garbage_dropped_with_a_warning_each():
    clean, warnings = clean_page_params({"sample": "99", "example": "<b>x</b>", "flag": "maybe"})
    assert clean == {"sample": "31"}
    assert len(warnings) == 3
    assert warnings[0].startswith("sample: 99 is outside 0–31")
    assert "example" in warnings[1] and "flag" in warnings[2]
