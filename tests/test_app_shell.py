"""The app's shell through AppTest: URL validation, sidebar, caching, reset, share link."""

from __future__ import annotations

import pytest

from engine import Config
from tests.apptest_utils import HOSTILE_PARAMS, page_text, run_page
from ui import runs
from ui.settings import SETTINGS as SPEC
from ui.settings import config_from_params


def cfg_of(at) -> Config:
    return at.session_state[runs.CONFIG_KEY]


def _sidebar_values(at) -> dict:
    widgets = {}
    for kind in ("slider", "select_slider", "selectbox", "checkbox", "number_input"):
        for w in getattr(at.sidebar, kind):
            if w.key in SPEC:
                widgets[w.key] = w.value
    return widgets


def test_every_setting_has_a_sidebar_control_showing_the_config():
    at = run_page("")
    values = _sidebar_values(at)
    assert set(values) == set(SPEC)
    assert Config.from_dict(values)[0] == Config()


def test_hostile_url_is_cleaned_with_warnings_naming_each_parameter():
    at = run_page("", HOSTILE_PARAMS)
    assert not at.exception
    text = "\n".join(w.value for w in at.warning)
    for name in ("depth", "width", "lr", "steps", "activation", "residual", "foo"):
        assert name in text
    # The URL now holds only the validated, non-default values.
    cfg = cfg_of(at)
    assert {k: at.query_params[k] for k in at.query_params} == cfg.changed_params()
    assert cfg.depth == 64 and cfg.width == 1 and cfg.lr == 0.03
    assert "<script>" not in page_text(at)


@pytest.mark.parametrize(
    "params",
    [
        {"depth": "", "lr": "", "dataset": ""},
        {"seed": "-1", "samples": "99999999999999999999", "noise": "nan"},
        {"dataset": "upload_binary", "loss": "cosine", "output": "softmax"},
        {"step": "abc", "batch_size": "0"},
    ],
)
def test_more_hostile_urls_never_raise(params):
    at = run_page("", params)
    assert not at.exception
    assert at.warning


def test_share_link_reproduces_the_config():
    params = {"dataset": "xor", "depth": "3", "activation": "relu", "lr": "0.01"}
    at = run_page("", params)
    link = at.main.code[0].value  # the header's "Copy link"
    query = link.split("?", 1)[1]
    parsed = dict(pair.split("=", 1) for pair in query.split("&"))
    parsed.pop("step", None)
    assert config_from_params(parsed)[0] == config_from_params(params)[0]


def test_switching_pages_keeps_settings_and_does_not_retrain():
    at = run_page("", {"depth": "3", "width": "5"})
    calls = runs.TRAIN_CALLS["count"]
    for page in ("app_pages/forward.py", "app_pages/error.py", "app_pages/overview.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert at.sidebar.slider(key="depth").value == 3
        assert at.sidebar.slider(key="width").value == 5
    assert runs.TRAIN_CALLS["count"] == calls


def test_changing_a_control_changes_the_config_and_trains_once():
    at = run_page("")
    before = runs.TRAIN_CALLS["count"]
    at.sidebar.slider(key="width").set_value(6).run()
    assert cfg_of(at).width == 6
    assert runs.TRAIN_CALLS["count"] == before + 1
    at.run()
    assert runs.TRAIN_CALLS["count"] == before + 1


def test_loss_choices_follow_the_task():
    at = run_page("")
    at.sidebar.selectbox(key="dataset").set_value("spiral3").run()
    assert at.sidebar.selectbox(key="loss").value == "cross_entropy"
    assert at.sidebar.selectbox(key="output").value == "softmax"
    at.sidebar.selectbox(key="dataset").set_value("sine").run()
    assert at.sidebar.selectbox(key="loss").options == ["mse"]
    assert cfg_of(at).output == "identity"
    assert not at.exception


def test_reset_restores_defaults():
    at = run_page("", {"depth": "7", "optimizer": "sgd"})
    assert cfg_of(at).depth == 7
    at.sidebar.button[0].click().run()
    assert cfg_of(at) == Config()


def test_divergence_banner_names_the_step():
    params = {"dataset": "plane", "optimizer": "sgd", "lr": "100.0", "steps": "50"}
    at = run_page("", params)
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "diverged at step" in errors
    assert "Learning rate" in errors


def test_sidebar_essentials_first_the_rest_collapsed_bounds_from_the_settings_table():
    at = run_page("", {})
    labels = [w.label for w in at.sidebar.get("selectbox") + at.sidebar.get("slider")]
    assert "Data set" in labels and "Hidden layers" in labels
    more = [e for e in at.sidebar.expander if e.label == "More settings"]
    assert len(more) == 1
    inside = {w.label for w in more[0].get("select_slider") + more[0].get("selectbox")}
    assert {"Noise", "Init", "Loss", "Batch size"} <= inside
    assert not {"Data set", "Activation", "Optimizer", "Learning rate"} & inside
    for key in ("depth", "width", "steps", "samples"):
        slider = at.sidebar.slider(key=key)
        assert (slider.min, slider.max) == (SPEC[key].lo, SPEC[key].hi)
