"""Backward-pass figures and chain-rule text show the engine's own numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import train
from engine.analysis.chain_rule import chain_rule_terms, delta_norms
from tests.apptest_utils import decode
from ui.settings import config_from_params
from viz.backward import (
    LOG_DECADES,
    LOG_TICKS,
    MAX_LAYERS,
    MAX_UNITS,
    chain_rule_lines,
    delta_norm_figure,
    flow_figure,
    shown_layers,
    tex_num,
)


def _run(**params: str):
    cfg, _ = config_from_params({"steps": "10", "samples": "120", **params})
    return train(cfg)


@pytest.fixture(scope="module")
def small():
    return _run(depth="3", width="6")


@pytest.fixture(scope="module")
def deepest():
    cfg, _ = config_from_params({"depth": "64", "width": "256", "steps": "3"})
    return train(cfg)


def _spec(fig) -> dict:
    return json.loads(fig.to_json())


def _traces(spec: dict) -> dict[str, dict]:
    return {t["name"]: t for t in spec["data"]}


def _z(trace: dict) -> np.ndarray:
    return decode(trace["z"]).reshape(len(decode(trace["y"])), len(decode(trace["x"])))


def test_heatmaps_hold_the_recorded_deltas_and_gradients(small):
    rec = small.records[small.recorded_steps[-1]]
    spec = _spec(flow_figure(rec, small.layer_names))
    traces = _traces(spec)
    assert list(traces) == [f"{n} {k}" for n in ["h1", "h2", "h3", "out"] for k in ("delta", "dW")]
    for name in small.layer_names:
        for kind, values in (("delta", rec.layers[name].delta), ("dW", rec.layers[name].dW)):
            trace = traces[f"{name} {kind}"]
            np.testing.assert_array_equal(_z(trace), values)
            # Diverging scale centred on 0, symmetric about the layer's largest |value|.
            top = np.abs(values).max()
            assert trace["zmid"] == 0 and trace["zmin"] == -top and trace["zmax"] == top
            assert "%{z:.4g}" in trace["hovertemplate"]
    assert spec["layout"]["title"]["text"] == f"Error flowing back, step {rec.step}"


def test_log_scale_keeps_the_values_for_hover_and_signs_the_colour(small):
    rec = small.records[0]
    traces = _traces(_spec(flow_figure(rec, small.layer_names, scale="log")))
    for name in small.layer_names:
        trace = traces[f"{name} delta"]
        values = rec.layers[name].delta
        raw = decode(trace["customdata"]).reshape(values.shape)
        np.testing.assert_array_equal(raw, values)
        colour = _z(trace)
        assert np.all(np.sign(colour[colour != 0]) == np.sign(values[colour != 0]))
        assert np.all(np.abs(colour) <= LOG_DECADES * LOG_TICKS)
        assert trace["coloraxis"] == "coloraxis"
    # The largest |value| of all layers sits at the top of the shared scale.
    top = max(np.abs(_z(t)).max() for t in traces.values())
    assert top == LOG_DECADES * LOG_TICKS
    with pytest.raises(ValueError, match="scale"):
        flow_figure(rec, small.layer_names, scale="linear")


def test_frames_reveal_layers_from_output_to_input(small):
    rec = small.records[0]
    spec = _spec(flow_figure(rec, small.layer_names))
    frames = spec["frames"]
    assert [f["name"] for f in frames] == ["out", "h3", "h2", "h1"]
    names = [t["name"].split()[0] for t in spec["data"]]
    for k, frame in enumerate(frames):
        reached = ["out", "h3", "h2", "h1"][: k + 1]
        visible = [d["visible"] for d in frame["data"]]
        assert visible == [n in reached for n in names]
        assert frame["traces"] == list(range(len(names)))
    steps = spec["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == ["out", "h3", "h2", "h1"]
    assert spec["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶"
    # Axes do not autoscale during an animation: every axis has an explicit range.
    axes = [k for k in spec["layout"] if k.startswith(("xaxis", "yaxis"))]
    assert len(axes) == 16 and all("range" in spec["layout"][a] for a in axes)


@pytest.mark.parametrize(
    ("depth", "drawn"),
    [("3", ["x5", "x6", "x7", "x8", "y", "y5"]), ("8", ["x10", "y", "y10"])],
)
def test_flow_draws_only_the_axes_that_label_something_new(depth, drawn):
    # Every drawn axis costs each step's redraw: the top row's units are the bottom row's,
    # and every layer's samples are the first panel's; many narrow panels keep the first only.
    run = _run(depth=depth, width="4")
    spec = _spec(flow_figure(run.records[0], run.layer_names))
    axes = {k: v for k, v in spec["layout"].items() if k.startswith(("xaxis", "yaxis"))}
    shown = sorted(k[0] + k[5:] for k, v in axes.items() if v.get("visible", True))
    assert shown == sorted(drawn)


def test_flow_units_are_labelled_without_meeting_the_next_panel():
    # On a phone a panel's first unit would sit against the last unit of the panel before:
    # the first panel labels 0 and its last unit, every other panel its last unit only.
    run = _run(depth="3", width="20")
    layout = _spec(flow_figure(run.records[0], run.layer_names))["layout"]
    ticks = [layout[f"xaxis{k}"]["tickvals"] for k in range(5, 9)]
    assert ticks == [[0, 19], [19], [19], [0]]


def test_deep_network_shows_an_even_selection_under_2mb(deepest):
    rec = deepest.records[deepest.recorded_steps[-1]]
    names = deepest.layer_names
    picked = shown_layers(names)
    assert len(picked) == MAX_LAYERS and picked[0] == "h1" and picked[-1] == "out"
    for scale in ("layer", "log"):
        fig = flow_figure(rec, names, scale=scale)
        size = len(fig.to_json())
        assert size < 2_000_000, (scale, size)
        spec = _spec(fig)
        assert [f["name"] for f in spec["frames"]] == picked[::-1]
        assert f"({MAX_LAYERS} of 65 layers)" in spec["layout"]["title"]["text"]


def test_wide_layers_show_their_first_units():
    run = _run(depth="2", width="100")
    rec = run.records[0]
    spec = _spec(flow_figure(rec, run.layer_names))
    traces = _traces(spec)
    np.testing.assert_array_equal(_z(traces["h2 dW"]), rec.layers["h2"].dW[:MAX_UNITS, :MAX_UNITS])
    np.testing.assert_array_equal(_z(traces["h1 delta"]), rec.layers["h1"].delta[:, :MAX_UNITS])
    assert f"first {MAX_UNITS} units" in spec["layout"]["title"]["text"]


def test_delta_norm_bars(small):
    rec = small.records[0]
    norms = delta_norms(rec, small.layer_names)
    spec = _spec(delta_norm_figure(small.layer_names, norms, rec.step))
    bar = spec["data"][0]
    assert list(bar["x"]) == small.layer_names
    np.testing.assert_array_equal(decode(bar["y"]), norms)
    assert spec["layout"]["yaxis"]["type"] == "log"
    zero = _spec(delta_norm_figure(["h1", "out"], np.array([0.0, 1.0]), 0))["data"][0]
    assert np.isnan(decode(zero["y"])[0]) and decode(zero["customdata"])[0] == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (0.12345, "0.1235"),
        (-2.5, "-2.5"),
        (1.5e-5, r"1.500 \times 10^{-5}"),
        (-3.2e6, r"-3.200 \times 10^{6}"),
        (float("nan"), r"\text{NaN}"),
    ],
)
def test_tex_num(value, text):
    assert tex_num(value) == text


def _latex(run, layer, i, j, n=0) -> tuple[str, str]:
    t = chain_rule_terms(run, run.recorded_steps[-1], layer, i, j)
    lines = chain_rule_lines(t, n)
    return "\n".join(a for a, _ in lines), "\n".join(b for _, b in lines)


def test_chain_rule_text_shows_the_engines_numbers(small):
    step = small.recorded_steps[-1]
    t = chain_rule_terms(small, step, "h2", 4, 1)
    text, tex = _latex(small, "h2", 4, 1, n=3)
    for value in (t.back_sum[3], t.fprime[3], t.delta[3], t.dW_terms, t.w, t.update, t.w_new):
        assert tex_num(value) in tex
    assert "Adam" in text and "all N = 32 samples" in text
    assert r"\sum_k w^{[h3]}_{1,k}" in tex
    for word in ("residual", "dropout", "LayerNorm"):
        assert word not in text


def test_chain_rule_text_names_the_extra_terms():
    run = _run(depth="3", width="4", residual="true", layer_norm="true", dropout="0.2")
    t = chain_rule_terms(run, run.recorded_steps[-1], "h2", 0, 0)
    text, tex = _latex(run, "h2", 0, 0)
    assert "**residual**" in text and "**dropout**" in text and "**LayerNorm**" in text
    for value in (t.identity[0], t.mask[0], t.ln_term[0], t.plain_delta[0], t.delta[0]):
        assert tex_num(abs(value)) in tex


def test_output_layer_and_sgd_update_text():
    run = _run(optimizer="sgd", lr="0.1", batch_size="64")
    t = chain_rule_terms(run, run.recorded_steps[-1], "out", 2, 0)
    text, tex = _latex(run, "out", 2, 0)
    assert r"\frac{\hat y_{0} - y_{0}}{N K}" in tex and r"{64 \cdot 1}" in tex
    assert "the 32 recorded samples" in text and "batch of 64" in text
    assert tex_num(t.dW_terms) in tex and tex_num(t.dW) in tex
    assert rf"- 0.1 \times {tex_num(t.dW)}" in tex and tex_num(t.w_new) in tex


def test_softmax_cosine_output_says_it_is_the_engines_value():
    run = _run(dataset="spiral3", loss="cosine", output="softmax")
    text, tex = _latex(run, "out", 0, 2)
    assert "no one-line formula" in text
