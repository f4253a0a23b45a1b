"""A shared link reproduces the experiment: the same controls and the same numbers."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from engine import Config, train
from ui.settings import config_from_params

LINK = {"dataset": "xor", "depth": "3", "activation": "relu", "lr": "0.01", "seed": "7"}


@pytest.fixture(scope="module")
def reference_run():
    """The same experiment trained here, in the test process."""
    config, warnings = config_from_params(LINK)
    assert warnings == []
    return train(config, record=False)


def test_a_share_link_shows_its_settings_and_the_same_numbers(app, reference_run):
    app.open("/?" + "&".join(f"{k}={v}" for k, v in LINK.items()))
    assert app.exceptions() == []
    assert app.alerts("warning") == []  # a valid link is taken as it is
    # The sidebar shows exactly the link's values, and the defaults everywhere else.
    assert app.select_value("Data set") == "xor"
    assert app.slider_value("Hidden layers") == "3"
    assert app.select_value("Activation") == "relu"
    assert app.slider_value("Learning rate") == "0.01"
    assert app.number_value("Seed") == "7"
    default = Config()
    assert app.slider_value("Units per layer") == str(default.width)
    assert app.slider_value("Steps") == str(default.steps)
    assert app.select_value("Optimizer") == default.optimizer
    # The numbers on the page are those of a fresh run of the same config.
    run = reference_run
    assert app.metric("Steps") == str(run.steps_run)
    assert float(app.metric("Train loss")) == pytest.approx(run.train_loss[-1], rel=1e-3)
    assert float(app.metric("Test loss")) == pytest.approx(run.test_loss[-1], rel=1e-3)
    shown_acc = float(app.metric("Test accuracy").rstrip("%")) / 100
    assert shown_acc == pytest.approx(run.test_acc[-1], abs=1e-3)


def test_the_copy_link_at_the_top_reproduces_the_config(app):
    app.open("/?" + "&".join(f"{k}={v}" for k, v in LINK.items()))
    app.page.get_by_role("button", name="Copy link").click()
    code = app.page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]')
    link = code.first.inner_text().strip()
    assert link.startswith(app.base_url)
    shared = dict(parse_qsl(urlsplit(link).query))
    shared.pop("step", None)
    assert config_from_params(shared) == (config_from_params(LINK)[0], [])
