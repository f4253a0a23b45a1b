"""The lesson path: Previous/Next in page order, carrying the settings, step, sample, weight."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

from tests.apptest_utils import ROOT, run_page
from ui.lesson import LESSON, neighbours

ORDER = ["Overview", "Forward pass", "Error", "Backward pass", "Update", "Worked example"]


def test_the_lesson_is_the_first_navigation_group_in_order():
    assert [title for _, title, _ in LESSON] == ORDER
    app = Path(ROOT / "app.py").read_text()
    group = app.split('"One training step": [')[1].split("],")[0]
    assert re.findall(r'st\.Page\("([^"]+)"', group) == [p for p, _, _ in LESSON]
    assert neighbours("app_pages/overview.py")[0] is None
    assert neighbours("app_pages/worked_example.py")[1] is None
    assert neighbours("app_pages/update.py") == (LESSON[3], LESSON[5])


def _links(at) -> list[tuple[str, str, dict[str, list[str]]]]:
    return [
        (p.proto.label, p.proto.page, parse_qs(p.proto.query_string)) for p in at.get("page_link")
    ]


def _nav(at) -> list[tuple[str, str, dict[str, list[str]]]]:
    return [link for link in _links(at) if link[0].startswith(("Previous:", "Next:"))]


def test_walking_the_path_keeps_the_sample_and_the_weight():
    at = run_page("app_pages/forward.py", {"steps": "30", "depth": "3"})
    at.slider(key="sample").set_value(5).run()
    expected = {"Previous: Overview": "", "Next: Error": "error"}
    assert {label: page for label, page, _ in _nav(at)} == expected
    for _, _, query in _nav(at):
        assert query["sample"] == ["5"] and query["steps"] == ["30"] and query["depth"] == ["3"]
        assert query["step"] == ["29"]

    at.switch_page("app_pages/error.py").run()
    assert at.slider(key="sample").value == 5
    assert "Sample 5 (training-set row" in " ".join(str(m.value) for m in at.markdown)

    at.switch_page("app_pages/backward.py").run()
    assert at.number_input(key="sample").value == 5
    at.selectbox(key="cr_layer").set_value("h3").run()
    at.number_input(key="cr_i").set_value(2).run()
    at.number_input(key="cr_j").set_value(6).run()

    at.switch_page("app_pages/update.py").run()
    assert not at.exception
    assert at.selectbox(key="cr_layer").value == "h3"
    assert (at.number_input(key="cr_i").value, at.number_input(key="cr_j").value) == (2, 6)
    assert at.number_input(key="sample").value == 5
    labels = [label for label, _, _ in _nav(at)]
    assert labels == ["Previous: Backward pass", "Next: Worked example"]
    query = _nav(at)[1][2]
    assert {k: query[k] for k in ("sample", "cr_layer", "cr_i", "cr_j", "step", "depth")} == {
        "sample": ["5"], "cr_layer": ["h3"], "cr_i": ["2"], "cr_j": ["6"], "step": ["29"],
        "depth": ["3"],
    }  # fmt: skip

    # A page that does not draw the sample still hands it on.
    at.switch_page("app_pages/worked_example.py").run()
    assert [label for label, _, _ in _nav(at)] == ["Previous: Update"]
    assert _nav(at)[0][2]["sample"] == ["5"]
    # In the browser the sidebar's navigation drops unbound parameters: the session keeps it.
    at.query_params.pop("sample", None)
    at.switch_page("app_pages/forward.py").run()
    assert at.slider(key="sample").value == 5


def test_a_sample_beyond_a_smaller_batch_falls_back_to_0():
    at = run_page("app_pages/forward.py", {"steps": "10"})
    at.slider(key="sample").set_value(20).run()
    at.sidebar.select_slider(key="batch_size").set_value(8).run()
    at.switch_page("app_pages/backward.py").run()
    assert not at.exception
    assert at.number_input(key="sample").value == 0


def test_the_overview_leads_to_the_update_page_and_into_the_lesson():
    at = run_page("app_pages/overview.py", {"steps": "10"})
    links = _links(at)
    assert ("Update", "update") in [(label, page) for label, page, _ in links]
    assert [label for label, _, _ in _nav(at)] == ["Next: Forward pass"]
