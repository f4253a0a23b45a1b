"""Hostile input: random and adversarial links, and learning rates that diverge."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import Config, train
from engine.core.optimizers import OPTIMIZERS
from engine.training.config import format_value, parameter_count
from tests.apptest_utils import assert_ok, page_text, run_page
from ui import runs
from ui.settings import SETTINGS as SPEC
from ui.settings import config_from_params

# -- config_from_params with hypothesis ------------------------------------------------------

NASTY = [
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "0x10",
    "1_000",
    " 7 ",
    "3.5",
    "-0",
    "+2",
    "1e3",
    "9" * 5000,
    "0.0300000000001",
    "true",
    "TRUE",
    "no",
    "None",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "%3Cscript%3E",
    "' OR 1=1 --",
    "\x00",
    "\u202e",
    "٣",  # Arabic-Indic digit three: float() accepts it
    "Ⅻ",
    "💥",
    "x" * 10_000,
]
KEYS = [*SPEC, "step", "embed", "embed_options", "foo", "", "DEPTH", "depth ", "<b>k</b>"]

scalars = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers().map(str),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.booleans(),
    st.none(),
    # Valid values of some setting, to reach the clamping and task-fitting code too.
    st.sampled_from(
        [format_value(c) for f in SPEC.values() if f.choices for c in f.choices]
        + ["1", "2", "64", "65", "256", "300", "3000", "3001", "2000", "19"]
    ),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3))  # lists: a repeated URL key
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.integers())
pairs = st.lists(st.tuples(keys, values), max_size=25)  # duplicate keys: the last one wins
link_params = st.one_of(
    st.dictionaries(keys, values, max_size=25),
    pairs,
    pairs.map(dict),
    st.sampled_from([None, 5, "depth=3", b"depth=3", [1, 2], object()]),  # not a mapping
)


def _check_valid(params) -> None:
    cfg, warnings = config_from_params(params)
    assert isinstance(cfg, Config)
    assert Config(**cfg.to_dict()) == cfg  # passes the dataclass's own validation
    assert isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)
    assert all(len(w) < 400 for w in warnings), "a warning echoes a hostile value in full"
    # The cleaned config's URL form is canonical: it reads back to itself without warnings.
    assert config_from_params(cfg.to_params()) == (cfg, [])
    assert config_from_params(cfg.changed_params()) == (cfg, [])


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI must not flake
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(link_params)
@example({"depth": "999", "foo": "<script>alert(1)</script>"})
@example({"depth": ["1", "64", "-5"], "lr": []})
@example([("depth", "3"), ("depth", "1e309"), ("depth", "nan")])
@example({"steps": 10**5000, "samples": -(10**5000), "seed": 2**31})
@example({"dataset": "upload_binary", "loss": "cosine", "output": "softmax"})
@example({"dataset": "plane", "loss": "bce", "output": "sigmoid", "lr": "1e-9"})
@example({"batch_size": "0", "train_share": "1", "samples": "20", "noise": "-0.0"})
@example({"depth": "64", "width": "256", "batch_size": "1024", "samples": "2000", "steps": "3000"})
def test_any_link_gives_a_valid_config_that_round_trips(params):
    _check_valid(params)


@pytest.mark.parametrize("value", NASTY, ids=range(len(NASTY)))
def test_every_setting_survives_every_nasty_value(value):
    for name in SPEC:
        _check_valid({name: value})


# -- random links through the app (AppTest), cycling through the pages ----------------------

PAGES = (
    "app_pages/overview.py",
    "app_pages/forward.py",
    "app_pages/error.py",
    "app_pages/backward.py",
    "app_pages/worked_example.py",
    "app_pages/gradient_norms.py",
    "app_pages/vanishing.py",
    "app_pages/optimizers.py",
)
APP_CASES = 30
# Multiply-adds of the forward passes of a drawn run; larger draws are drawn again so that
# 30 runs of every page stay fast.
MAX_APP_WORK = 4e7
HOSTILE = [v for v in NASTY if len(v) < 100] + ["-1", "999999999999999999999", "1e308"]


def _valid_value(rng: random.Random, name: str) -> str:
    spec = SPEC[name]
    if spec.choices is not None:
        return format_value(rng.choice(spec.choices))
    if spec.kind is bool:
        return rng.choice(["true", "false"])
    hi = {"depth": 12, "width": 48, "samples": 600}.get(name, spec.hi)
    return str(rng.randint(int(spec.lo), int(hi)))


def _work(cfg: Config) -> float:
    n_out = 3 if cfg.task == "multiclass" else 1
    params = parameter_count(cfg.depth, cfg.width, n_out, cfg.layer_norm)
    return cfg.steps * cfg.effective_batch * params


def _draw_params(rng: random.Random) -> dict[str, str]:
    """Some settings valid, some hostile, some junk; small steps in most cases."""
    while True:
        params: dict[str, str] = {}
        for name in rng.sample(list(SPEC), rng.randint(1, 7)):
            roll = rng.random()
            if roll < 0.6:
                params[name] = _valid_value(rng, name)
            elif roll < 0.9:
                params[name] = rng.choice(HOSTILE)
            else:
                params[name] = "".join(chr(rng.randint(33, 0x2FFF)) for _ in range(8))
        for name in ("dataset", "depth", "width", "activation"):  # the shape of the network
            if rng.random() < 0.4:
                params.setdefault(name, _valid_value(rng, name))
        if rng.random() < 0.85:
            params["steps"] = str(rng.randint(1, 50))
        if rng.random() < 0.3:
            params["step"] = rng.choice(["0", "7", "abc", "99999999999", "-1"])
        if rng.random() < 0.3:
            params["foo"] = "<script>alert(1)</script>"
        if _work(_config_of(params)) <= MAX_APP_WORK:
            return params


def _config_of(params: dict[str, str]) -> Config:
    return config_from_params({k: v for k, v in params.items() if k != "step"})[0]


def _app_cases() -> list:
    rng = random.Random(20261125)
    return [
        pytest.param(PAGES[i % len(PAGES)], _draw_params(rng), id=f"{i}-{PAGES[i % 8][10:-3]}")
        for i in range(APP_CASES)
    ]


@pytest.mark.parametrize(("page", "params"), _app_cases())
def test_random_links_open_every_page_without_error(page, params):
    at = run_page(page, params)
    assert_ok(at)
    assert at.session_state[runs.CONFIG_KEY] == _config_of(params)


@pytest.mark.parametrize("loss", ["mse", "cosine"])
def test_a_multiclass_link_keeps_its_sigmoid_output(loss):
    # Found by the random links above: the cleaned URL leaves out output=sigmoid (the
    # default), and the Output select box used to open at its first option, softmax.
    params = {"dataset": "spiral3", "loss": loss, "output": "sigmoid", "steps": "5"}
    cfg, warnings = config_from_params(params)
    assert warnings == []
    assert (cfg.loss, cfg.output) == (loss, "sigmoid")
    at = run_page("app_pages/overview.py", params)
    assert not at.exception
    assert at.session_state[runs.CONFIG_KEY].output == "sigmoid"


# -- a learning rate that diverges, on every optimizer ---------------------------------------


# Measured: SGD's plain steps blow up at lr 100; the adaptive rules divide by the gradient's
# size and stay finite. Pinned, so both branches of the test below are exercised.
DIVERGES_AT = {"sgd": 48, "momentum": 49, "nesterov": 46}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_a_huge_learning_rate_diverges_cleanly_on_every_optimizer(optimizer):
    params = {"dataset": "plane", "loss": "mse", "optimizer": optimizer, "lr": "100"}
    params["steps"] = "60"
    cfg, warnings = config_from_params(params)
    assert warnings == [] and cfg.lr == 100.0
    run = train(cfg)
    assert run.diverged_at == DIVERGES_AT.get(optimizer)
    if run.diverged_at is None:
        assert run.steps_run == cfg.steps
        assert np.isfinite(run.loss).all()
    else:
        k = run.diverged_at
        assert run.steps_run == k + 1 and not math.isfinite(run.loss[k])
        assert np.isfinite(run.loss[:k]).all()
        assert k in run.records  # the step where it broke is there to look at
    at = run_page("app_pages/overview.py", params)
    assert_ok(at)
    assert at.session_state[runs.CONFIG_KEY] == cfg
    banner = "\n".join(e.value for e in at.error)
    if run.diverged_at is None:
        assert "diverged" not in banner
    else:
        assert f"diverged at step {run.diverged_at}" in banner
        assert "Learning rate" in page_text(at)
