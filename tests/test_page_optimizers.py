"""The Optimizers page through AppTest: charts, caching, widgets and hostile links."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Config
from tests.apptest_utils import assert_ok, decode, page_text, plotly_specs, run_page
from ui import optimizer_runs

PAGE = "app_pages/optimizers.py"
CHARTS = 4  # loss curves, update ratios, surface, optimizer state


def _clear() -> None:
    optimizer_runs.train_all.clear()
    optimizer_runs.surface.clear()
    optimizer_runs.CALLS.update(train=0, surface=0)


def _titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]


def _surface_spec(at) -> dict:
    return next(s for s in plotly_specs(at) if s["data"][0]["type"] == "contour")


def test_defaults_draw_every_chart_from_the_engine_and_cache_the_comparison():
    _clear()
    at = run_page(PAGE)
    assert_ok(at, charts=CHARTS)
    assert optimizer_runs.CALLS == {"train": 1, "surface": 1}
    spec = _surface_spec(at)
    names = {t.get("name") for t in spec["data"]}
    assert {"SGD", "momentum", "RMSProp", "Adam", "AdamW", "start (all)"} <= names
    # The contour is the engine's surface (cached: asking again does not recompute).
    surface = optimizer_runs.surface(Config(), None, "pca")
    np.testing.assert_allclose(decode(spec["data"][0]["z"]), np.log10(surface.loss))
    assert optimizer_runs.CALLS == {"train": 1, "surface": 1}
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["SGD", "momentum", "RMSProp", "Adam", "AdamW"]
    assert "not reached" in set(table["steps to reach target"])  # SGD crawls at lr 0.03
    text = page_text(at)
    assert "Try this" in text and "**Learning rate**" in text and "saddle" in text
    at.run()
    assert_ok(at, charts=CHARTS)
    assert optimizer_runs.CALLS == {"train": 1, "surface": 1}


def test_page_widgets_change_the_views():
    at = run_page(PAGE)
    at.toggle(key="log_loss").set_value(True)
    at.select_slider(key="opt_target").set_value(0.5)
    at.selectbox(key="opt_layer").set_value("out")
    at.radio(key="opt_dirs").set_value("random")
    at.run()
    at.number_input(key="opt_i").set_value(3).run()  # out.W has 8 rows, h1.W only 2
    assert_ok(at, charts=CHARTS)
    titles = _titles(at)
    assert any("Random plane" in t for t in titles)
    assert any("out.W[3, 0]" in t for t in titles)
    loss = next(s for s in plotly_specs(at) if s["layout"]["title"]["text"].startswith("Training"))
    assert loss["layout"]["yaxis"]["type"] == "log"
    assert "50%" in page_text(at)


@pytest.mark.parametrize(
    "params",
    [
        {"depth": "10", "activation": "sigmoid"},
        {"residual": "true", "layer_norm": "true", "optimizer": "nesterov"},
        {"dataset": "spiral3", "loss": "cross_entropy", "output": "softmax"},
    ],
)
def test_other_settings(params):
    at = run_page(PAGE, params)
    assert_ok(at, charts=CHARTS)
    assert not at.warning  # valid settings: nothing to fix, nothing overshoots
    names = {t.get("name") for t in _surface_spec(at)["data"]}
    if params.get("optimizer") == "nesterov":
        assert "Nesterov" in names


def test_hostile_link_is_fixed_and_the_page_still_draws():
    params = {"depth": "999", "lr": "abc", "foo": "<script>alert(1)</script>", "steps": "1e308"}
    at = run_page(PAGE, params)
    assert_ok(at, charts=CHARTS)
    warnings = "\n".join(w.value for w in at.warning)
    for name in ("depth", "lr", "foo", "steps"):
        assert name in warnings
    assert "optimizers trains for" in page_text(at)  # fewer steps for five runs of 64 layers


def test_a_learning_rate_that_breaks_every_optimizer_is_reported_and_still_drawn():
    at = run_page(PAGE, {"lr": "100"})
    assert_ok(at, charts=CHARTS)
    alerts = "\n".join(a.value for a in [*at.warning, *at.error])
    for name in ("SGD", "momentum", "RMSProp", "Adam", "AdamW"):
        assert name in alerts
    assert "**Learning rate**" in alerts
    assert np.isfinite(decode(_surface_spec(at)["data"][0]["z"])).any()
