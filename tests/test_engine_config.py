"""Config: URL round trip, and any input at all gives a valid config with warnings."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Config
from engine.training.config import (
    MAX_PARAMS,
    MAX_WORK,
    UPLOAD_DATASETS,
    format_value,
    parameter_count,
)
from ui.settings import SETTINGS as SPEC
from ui.settings import config_from_params

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def field_values(name: str):
    """Strategy for values a slider or select box can give this field."""
    spec = SPEC[name]
    if spec.kind is bool:
        return st.booleans()
    if spec.choices is not None:
        choices = [c for c in spec.choices if c not in UPLOAD_DATASETS]
        return st.sampled_from(choices)
    return st.integers(int(spec.lo), int(spec.hi))


# Any combination of slider values; from_dict fits loss and output to the task and applies
# the weight and work caps, which gives every Config the app can make.
app_configs = st.fixed_dictionaries({name: field_values(name) for name in SPEC}).map(
    lambda values: Config.from_dict(values)[0]
)


@SETTINGS
@given(app_configs)
def test_url_round_trip_is_exact(cfg):
    params = cfg.to_params()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in params.items())
    again, warnings = config_from_params(params)
    assert again == cfg
    assert warnings == []
    assert hash(again) == hash(cfg)


@SETTINGS
@given(app_configs)
def test_changed_params_round_trip(cfg):
    again, warnings = config_from_params(cfg.changed_params())
    assert (again, warnings) == (cfg, [])


@SETTINGS
@given(app_configs)
def test_app_configs_respect_the_caps(cfg):
    n_out = 3 if cfg.task == "multiclass" else 1
    assert parameter_count(cfg.depth, cfg.width, n_out, cfg.layer_norm) <= MAX_PARAMS
    assert cfg.replace() == cfg


def test_defaults_round_trip_to_an_empty_link():
    assert Config().changed_params() == {}
    assert config_from_params({}) == (Config(), [])


GARBAGE = [
    "",
    " ",
    "abc",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "9" * 400,
    "1e308",
    "-1e308",
    "-5",
    "0x1f",
    "<script>alert(1)</script>",
    "<b>x</b>",
    "[1, 2]",
    "None",
    "\x00",
    "😀",
    "tanh; DROP TABLE",
    ["x", "<i>y</i>"],
    [],
]


def names_field(warnings: list[str], name: str) -> bool:
    return any(w.startswith(f"{name}:") for w in warnings)


@pytest.mark.parametrize("name", list(SPEC))
def test_garbage_in_any_field_gives_a_valid_config_and_a_warning(name):
    for value in GARBAGE:
        cfg, warnings = config_from_params({name: value})
        assert isinstance(cfg, Config)
        assert names_field(warnings, name), (name, value, warnings)
        assert all(len(w) < 250 for w in warnings), warnings
        spec = SPEC[name]
        got = getattr(cfg, name)
        if spec.kind is bool or spec.kind is str:
            assert got == spec.default
        elif spec.choices is not None:
            assert got in spec.choices
        else:
            assert spec.lo <= got <= spec.hi and isinstance(got, int)


@pytest.mark.parametrize(
    ("params", "field", "expected"),
    [
        ({"depth": "999"}, "depth", 64),
        ({"depth": "0"}, "depth", 1),
        ({"depth": "-3"}, "depth", 1),
        ({"depth": "2.6"}, "depth", 3),
        ({"width": "1e308"}, "width", 256),
        ({"samples": "5"}, "samples", 20),
        ({"steps": "1e308"}, "steps", 3000),
        ({"seed": "-1"}, "seed", 0),
        ({"seed": "99999999999999999999"}, "seed", 2**31 - 1),
        ({"lr": "1000"}, "lr", 100.0),
        ({"lr": "0.00002"}, "lr", 1e-4),
        ({"lr": "0.002"}, "lr", 3e-3),  # nearest on a log scale (0.002/0.001 < 0.003/0.002)
        ({"lr": "-1"}, "lr", 1e-4),
        ({"noise": "0.07"}, "noise", 0.05),
        ({"noise": "7"}, "noise", 0.5),
        ({"dropout": "0.95"}, "dropout", 0.8),
        ({"batch_size": "5000"}, "batch_size", 1024),
        ({"batch_size": "0"}, "batch_size", 1),
        ({"weight_decay": "0.000001"}, "weight_decay", 0.0),
        ({"weight_decay": "0.00005"}, "weight_decay", 1e-4),
        ({"train_share": "1"}, "train_share", 0.9),
        ({"init_std": "5"}, "init_std", 1.0),
    ],
)
def test_out_of_range_values_are_clamped_with_a_warning(params, field, expected):
    cfg, warnings = config_from_params(params)
    assert getattr(cfg, field) == expected
    assert names_field(warnings, field), warnings


@pytest.mark.parametrize(
    ("text", "expected"), [("TRUE", True), (" yes ", True), ("1", True), ("off", False)]
)
def test_boolean_spellings(text, expected):
    cfg, warnings = config_from_params({"residual": text})
    assert cfg.residual is expected and warnings == []


def test_values_from_streamlit_lists_use_the_last():
    cfg, warnings = config_from_params({"depth": ["3", "5"]})
    assert cfg.depth == 5 and warnings == []


def test_unknown_keys_are_reported_but_streamlits_own_are_not():
    cfg, warnings = config_from_params({"embed": "true", "foo": "<script>", "x" * 100: "1"})
    assert cfg == Config()
    assert len(warnings) == 2
    assert all("not a setting" in w for w in warnings)
    assert all(len(w) < 100 for w in warnings)  # long keys are shortened


def test_upload_dataset_cannot_travel_in_a_link():
    cfg, warnings = config_from_params({"dataset": "upload_binary"})
    assert cfg.dataset == "circle"
    assert names_field(warnings, "dataset")


@pytest.mark.parametrize("params", [None, 5, "abc", [1, 2, 3], object(), [("a",)]])
def test_unreadable_params_give_defaults(params):
    cfg, warnings = config_from_params(params)
    assert cfg == Config() and len(warnings) == 1


def test_python_values_beyond_float_range_do_not_raise():
    # The engine refuses them with a clear error; the link check turns them into defaults.
    refused = r"lr=nan is not allowed.*steps=<int> is not allowed.*seed=1000"
    with pytest.raises(ValueError, match=refused):
        Config().replace(seed=10**400, steps=10**5000, lr=float("nan"))
    cfg, warnings = config_from_params({"seed": 10**5000})
    assert cfg.seed == 0 and names_field(warnings, "seed")


texts = st.text(max_size=30)
values = st.one_of(
    texts,
    st.lists(texts, max_size=3),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


@SETTINGS
@given(st.dictionaries(st.one_of(texts, st.sampled_from(list(SPEC))), values, max_size=12))
def test_random_dicts_never_raise(params):
    cfg, warnings = config_from_params(params)
    assert isinstance(cfg, Config)
    assert all(isinstance(w, str) for w in warnings)
    # Whatever came in, the result is a config the app can show and round-trip.
    assert config_from_params(cfg.to_params()) == (cfg, [])


@SETTINGS
@given(st.fixed_dictionaries({name: texts for name in SPEC}))
def test_random_text_in_every_field_never_raises(params):
    cfg, _ = config_from_params(params)
    assert config_from_params(cfg.to_params()) == (cfg, [])


def test_loss_and_output_follow_the_task_silently_when_not_given():
    for dataset, loss, output in [
        ("plane", "mse", "identity"),
        ("sine", "mse", "identity"),
        ("spiral3", "cross_entropy", "softmax"),
        ("xor", "bce", "sigmoid"),
    ]:
        cfg, warnings = config_from_params({"dataset": dataset})
        assert (cfg.loss, cfg.output, warnings) == (loss, output, [])


@pytest.mark.parametrize(
    ("params", "loss", "output", "field"),
    [
        ({"dataset": "plane", "loss": "bce"}, "mse", "identity", "loss"),
        ({"dataset": "plane", "loss": "mse", "output": "softmax"}, "mse", "identity", "output"),
        ({"dataset": "spiral3", "loss": "bce"}, "cross_entropy", "softmax", "loss"),
        ({"dataset": "spiral3", "output": "sigmoid"}, "cross_entropy", "softmax", "output"),
        ({"dataset": "circle", "loss": "cross_entropy"}, "bce", "sigmoid", "loss"),
        ({"dataset": "circle", "output": "softmax"}, "bce", "sigmoid", "output"),
        ({"dataset": "circle", "loss": "bce", "output": "identity"}, "bce", "sigmoid", "output"),
    ],
)
def test_a_loss_or_output_that_does_not_fit_is_replaced_with_a_warning(params, loss, output, field):
    cfg, warnings = config_from_params(params)
    assert (cfg.loss, cfg.output) == (loss, output)
    assert names_field(warnings, field), warnings


@pytest.mark.parametrize(
    ("params", "kept"),
    [
        ({"dataset": "circle", "loss": "mse", "output": "identity"}, ("mse", "identity")),
        ({"dataset": "spiral3", "loss": "cosine", "output": "identity"}, ("cosine", "identity")),
        ({"dataset": "spiral3", "loss": "mse", "output": "sigmoid"}, ("mse", "sigmoid")),
    ],
)
def test_fitting_pairs_are_kept(params, kept):
    cfg, warnings = config_from_params(params)
    assert ((cfg.loss, cfg.output), warnings) == (kept, [])


def test_weight_cap_shrinks_the_width():
    cfg, warnings = config_from_params({"depth": "64", "width": "256", "layer_norm": "true"})
    assert cfg.depth == 64
    count = parameter_count(cfg.depth, cfg.width, 1, True)
    assert count <= MAX_PARAMS < parameter_count(cfg.depth, cfg.width + 1, 1, True)
    assert names_field(warnings, "width")
    assert f"{MAX_PARAMS:,}" in " ".join(warnings)


def test_four_wide_layers_fit_the_weight_cap():
    cfg, warnings = config_from_params({"depth": "4", "width": "256"})
    assert (cfg.width, warnings) == (256, [])


def test_work_budget_cuts_the_steps():
    params = {
        "depth": "64",
        "width": "256",
        "batch_size": "1024",
        "samples": "2000",
        "train_share": "0.9",
        "steps": "3000",
    }
    cfg, warnings = config_from_params(params)
    assert names_field(warnings, "steps")
    assert 1 <= cfg.steps < 3000
    n_params = parameter_count(cfg.depth, cfg.width)
    assert cfg.steps * cfg.effective_batch * n_params <= MAX_WORK
    # A small network keeps all its steps.
    small, warnings = config_from_params({"steps": "3000"})
    assert (small.steps, warnings) == (3000, [])


def test_direct_construction_refuses_invalid_values():
    with pytest.raises(ValueError, match="depth"):
        Config(depth=0)
    with pytest.raises(ValueError, match=r"lr=200\.0 is not allowed"):
        Config(lr=200.0)
    assert Config(lr=0.02).lr == 0.02  # off the slider's grid, but in range: the engine takes it
    with pytest.raises(ValueError, match="loss"):
        Config(dataset="plane", loss="bce")


def test_format_value_round_trips_floats():
    for v in (1e-4, 3e-4, 0.1, 0.3, 100.0, 0.05, 0.7):
        assert float(format_value(v)) == v
    assert format_value(True) == "true" and format_value(False) == "false"
    assert math.isclose(float(Config().to_params()["lr"]), Config().lr)


def test_derived_sizes():
    cfg = Config(samples=300, train_share=0.7, batch_size=1024, depth=3, width=5)
    assert cfg.n_train == 210 and cfg.effective_batch == 210
    assert cfg.sizes() == [2, 5, 5, 5, 1]
    cfg3 = Config(dataset="spiral3", loss="cross_entropy", output="softmax")
    assert cfg3.task == "multiclass" and cfg3.sizes()[-1] == 3
