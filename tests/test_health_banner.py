"""Runs that go wrong without a NaN are named on the pages of that run, with a fix to apply."""

import pytest

from tests.apptest_utils import STALL_ICON, run_page

PAGES = ["", "app_pages/forward.py", "app_pages/error.py", "app_pages/backward.py"]


def _button(at, label_start: str):
    return next(b for b in at.button if b.label.startswith(label_start))


@pytest.mark.parametrize("page", PAGES)
def test_a_blow_up_is_named_with_a_button_that_lowers_the_learning_rate(page: str) -> None:
    at = run_page(page, {"optimizer": "sgd", "lr": "100", "steps": "100"})
    assert not at.exception
    blowups = [e.value for e in at.error if "blew up" in e.value]
    assert len(blowups) == 1 and "**Learning rate** is too high" in blowups[0]
    _button(at, "Set the learning rate to 0.03").click().run()
    assert at.sidebar.select_slider(key="lr").value == 0.03
    assert not [e for e in at.error if "blew up" in e.value]


def test_a_stalled_deep_sigmoid_net_points_to_vanishing_gradients() -> None:
    at = run_page("", {"depth": "20", "activation": "sigmoid", "steps": "60"})
    stalls = [w.value for w in at.warning if w.icon == STALL_ICON]
    assert len(stalls) == 1 and "Vanishing gradients" in stalls[0]
    assert any(link.label == "Vanishing gradients" for link in at.get("page_link"))
    _button(at, "Add residual connections").click().run()
    assert at.sidebar.checkbox(key="residual").value is True


def test_the_default_run_has_no_health_warning() -> None:
    at = run_page("", {})
    assert not [w for w in at.warning if w.icon == STALL_ICON]
    assert not [e for e in at.error if "blew up" in e.value]
