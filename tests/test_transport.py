"""The step frames the page's transport plays: one per recorded step, with the engine's numbers."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from engine import Config, train
from engine.analysis.experiments import gradient_flow
from engine.analysis.loss_curves import loss_curve, per_sample_loss
from engine.training.loop import MAX_EVALS
from tests.apptest_utils import decode, plotly_specs, run_page
from ui.settings import config_from_params
from ui.transport import MIN_PLAY_STEPS, play_steps, readout
from viz.error import target_one_logits
from viz.forward import forward_graph_figure
from viz.overview import network_diagram
from viz.transport import animated_forward_graph, animated_network, graph_frame_bytes

# Page -> how many of its charts move with the transport.
MOVING = {
    "app_pages/forward.py": 3,
    "app_pages/error.py": 4,
    "app_pages/backward.py": 2,
    "app_pages/gradient_norms.py": 6,
    "app_pages/update.py": 1,
}


def _with_step_frames(at) -> list[dict]:
    """The charts with a frame per step, each with those frames only (a chart may have others)."""
    charts = []
    for spec in plotly_specs(at):
        steps = [f for f in spec.get("frames", []) if f["name"].isdigit()]
        if steps:
            charts.append({**spec, "frames": steps})
    return charts


@pytest.mark.parametrize("page", MOVING)
def test_every_moving_chart_has_a_frame_per_recorded_step(page):
    run = train(Config())
    at = run_page(page, {"step": "100"})
    assert not at.exception
    charts = _with_step_frames(at)
    assert len(charts) == MOVING[page]
    for spec in charts:
        assert [int(f["name"]) for f in spec["frames"]] == run.recorded_steps
        # Drawn at the last step whatever the chosen one: the browser moves it to the step.
        assert spec["layout"]["meta"]["bpStep"] == str(run.recorded_steps[-1])
        # A title that names the drawn step names each frame's step in that frame.
        last = run.recorded_steps[-1]
        if re.search(rf"\bstep {last}\b", spec["layout"]["title"]["text"]):
            for frame in spec["frames"]:
                assert re.search(rf"\bstep {frame['name']}\b", frame["layout"]["title"]["text"])
    assert at.session_state["step"] == 100


def test_flow_frames_hold_each_steps_gradients():
    run = train(Config())
    at = run_page("app_pages/gradient_norms.py", {"step": "100"})
    flow = next(
        s for s in plotly_specs(at) if s["layout"]["title"]["text"].startswith("Gradient flow")
    )
    for frame in flow["frames"][::15]:
        step = int(frame["name"])
        _, mean_abs, max_abs = gradient_flow(run.records[step])
        np.testing.assert_allclose(decode(frame["data"][1]["y"]), mean_abs)
        np.testing.assert_allclose(decode(frame["data"][0]["y"]), max_abs)
        assert frame["layout"]["title"]["text"].startswith(f"Gradient flow at step {step}:")


@pytest.mark.parametrize("page", MOVING)
def test_moving_charts_do_not_change_with_the_step(page):
    at = run_page(page, {"step": "100"})
    first = [json.dumps(s) for s in _with_step_frames(at)]
    at.select_slider(key="step").set_value(40).run()
    assert [json.dumps(s) for s in _with_step_frames(at)] == first


def _assert_frame_draws(frame: dict, static: dict) -> None:
    """The frame replaces, trace for trace, what `static` (the figure of the frame's step)
    draws: its coordinates, hover texts, marker colours and title."""
    assert frame["traces"] == list(range(len(static["data"])))
    assert frame["layout"]["title"]["text"] == static["layout"]["title"]["text"]
    for moved, drawn in zip(frame["data"], static["data"], strict=True):
        for key in ("x", "y", "text"):
            if key in moved:
                np.testing.assert_array_equal(decode(moved[key]), decode(drawn[key]))
        if "marker" in moved:
            np.testing.assert_array_equal(
                decode(moved["marker"]["color"]), decode(drawn["marker"]["color"])
            )


@pytest.mark.parametrize(
    "params", [{"depth": "2"}, {"depth": "3", "layer_norm": "true", "dataset": "spiral3"}]
)
def test_forward_graph_frames_are_the_graph_of_each_step(params):
    """Each frame replaces, trace for trace, what the static graph of that step draws, on
    the colour ranges of the whole run."""
    run = train(config_from_params(params)[0])
    sample = 3
    fig = animated_forward_graph(run, sample)
    spec = fig.to_dict()
    ranges = (spec["data"][-2]["marker"]["cmax"], spec["data"][-1]["marker"]["cmax"])
    assert all("text" in frame["data"][-1] for frame in spec["frames"])  # the units' hover
    weights = [run.records[s].layers[n].W for s in run.recorded_steps for n in run.layer_names]
    assert ranges[0] == max(float(np.abs(W).max()) for W in weights)
    for frame in spec["frames"][:: max(1, len(spec["frames"]) // 6)]:
        step = int(frame["name"])
        static = forward_graph_figure(run, run.records[step], sample, ranges).to_dict()
        _assert_frame_draws(frame, static)
        assert all(t["marker"]["cmax"] in ranges for t in static["data"] if "marker" in t)


def test_overview_network_frames_keep_the_colour_bar_true():
    """Each frame is the diagram of its step on one weight range, the colour bar's."""
    run = train(Config(steps=120))
    steps = run.recorded_steps[::3]
    spec = animated_network(run, steps).to_dict()
    w_max = max(
        float(np.abs(run.records[s].layers[n].W).max()) for s in steps for n in run.layer_names
    )
    bar = spec["data"][-2]["marker"]
    assert (bar["cmin"], bar["cmax"]) == (-w_max, w_max)
    assert bar["colorbar"]["tickvals"] == [-w_max, 0.0, w_max]
    for frame in spec["frames"][::4]:
        step = int(frame["name"])
        static = network_diagram(run, step, w_max).to_dict()
        _assert_frame_draws(frame, static)


@pytest.mark.parametrize(("depth", "width"), [(1, 1), (2, 8), (2, 16), (6, 4), (12, 3)])
def test_forward_graph_frames_take_at_most_their_estimate(depth, width):
    """The estimate that decides whether the graph's frames go to the browser is a little
    above what a frame takes, never below."""
    run = train(Config(depth=depth, width=width, steps=40))
    frames = animated_forward_graph(run, 0).to_dict()["frames"]
    taken = max(len(json.dumps(f)) for f in frames)
    assert taken <= graph_frame_bytes(run.sizes) <= 1.6 * taken


@pytest.mark.parametrize("scale", ["layer", "log"])
def test_backward_flow_frames_hold_each_steps_errors(scale):
    run = train(Config())
    at = run_page("app_pages/backward.py", {"step": "100"})
    at.radio(key="bw_scale").set_value(scale).run()
    flow = _with_step_frames(at)[0]
    names = [t["name"] for t in flow["data"]]
    for frame in flow["frames"][::15]:
        record = run.records[int(frame["name"])]
        assert frame["layout"]["title"]["text"].startswith(
            f"Error flowing back, step {record.step}"
        )
        for layer in run.layer_names:
            delta = frame["data"][names.index(f"{layer} delta")]
            dw = frame["data"][names.index(f"{layer} dW")]
            shown = decode(delta["z" if scale == "layer" else "customdata"])
            np.testing.assert_array_equal(
                shown.reshape(record.layers[layer].delta.shape), record.layers[layer].delta
            )
            shown = decode(dw["z" if scale == "layer" else "customdata"])
            np.testing.assert_array_equal(
                shown.reshape(record.layers[layer].dW.shape), record.layers[layer].dW
            )


def test_error_frames_hold_each_steps_predictions_and_samples():
    run = train(Config())
    at = run_page("app_pages/error.py", {"step": "100"})
    specs = {s["layout"]["title"]["text"].split(" at step")[0]: s for s in _with_step_frames(at)}
    predictions = specs["Predictions against targets"]
    curves = specs["Loss functions and their gradients"]
    for frame in predictions["frames"]:
        record = run.records[int(frame["name"])]
        cfg = run.config
        losses = per_sample_loss(cfg.loss, cfg.output, record.layers["out"].z, record.y)
        np.testing.assert_allclose(decode(frame["data"][-1]["y"]), losses)
        np.testing.assert_allclose(decode(frame["data"][0]["y"]), record.y_hat[:, 0])
        assert (
            frame["layout"]["title"]["text"] == f"Predictions against targets at step {record.step}"
        )
        # The axes span every step's values: a frame does not rescale them.
        assert predictions["layout"]["yaxis2"]["range"][1] >= np.nanmax(losses)
        assert predictions["layout"]["yaxis"]["range"][1] >= np.nanmax(record.y_hat)
    reach = []
    for frame in curves["frames"][::10]:
        z = target_one_logits(run, run.records[int(frame["name"])])
        reach.append(z)
        bce = loss_curve("bce", z, 1.0)
        np.testing.assert_allclose(decode(frame["data"][3]["x"]), bce.z)  # bce's dL/dz panel
        np.testing.assert_allclose(decode(frame["data"][3]["y"]), bce.dz)
    # The curves reach every step's samples, so no frame's dots fall off them.
    grid = decode(next(t for t in curves["data"] if t["name"].startswith("MSE"))["customdata"])
    assert grid.min() <= min(z.min() for z in reach) and grid.max() >= max(z.max() for z in reach)


def test_moving_charts_span_every_steps_values():
    """A frame does not rescale its axes: the drawn axes must hold every step's values."""
    params = {"activation": "relu", "lr": "0.1", "steps": "120"}  # activations grow
    at = run_page("app_pages/forward.py", params)
    boxes = next(c for c in _with_step_frames(at) if c["data"][0]["type"] == "box")
    lo, hi = boxes["layout"]["yaxis"]["range"]
    for frame in boxes["frames"]:
        for box in frame["data"]:
            assert lo <= box["lowerfence"][0] and box["upperfence"][0] <= hi
    for page, title in (("backward", "Size of the error"), ("gradient_norms", "Gradient flow")):
        at = run_page(f"app_pages/{page}.py", params)
        bars = next(
            c for c in _with_step_frames(at) if c["layout"]["title"]["text"].startswith(title)
        )
        lo, hi = bars["layout"]["yaxis"]["range"]  # a log axis: powers of ten
        for frame in bars["frames"]:
            sizes = np.concatenate([decode(bar["y"]) for bar in frame["data"]])
            sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
            assert lo <= np.log10(sizes).min() and np.log10(sizes).max() <= hi, frame["name"]


def test_readout_names_each_steps_numbers():
    run = train(Config(steps=50))
    lines = readout(run)
    assert len(lines) == len(run.recorded_steps)
    for step, line in zip(run.recorded_steps, lines, strict=True):
        assert line.startswith(f"step {step} of {run.steps_run - 1}")
        if step < run.steps_run:
            assert f"batch loss {run.loss[step]:.4g}" in line


@pytest.mark.parametrize(
    "cfg",
    [Config(steps=50), Config(steps=2500, dataset="sine", loss="mse", output="identity")],
    ids=["every step evaluated", "regression, evaluated every few steps"],
)
def test_readout_gives_the_last_evaluation_at_or_before_each_step(cfg):
    run = train(cfg)
    lines = readout(run)
    for step, line in zip(run.recorded_steps, lines, strict=True):
        evals = [k for k, e in enumerate(run.eval_steps) if e <= step]
        k = evals[-1]
        assert f"test loss {run.test_loss[k]:.4g}" in line, (step, line)
        if run.data.task == "regression":
            assert "test accuracy" not in line, (step, line)
        else:
            assert f"test accuracy {run.test_acc[k]:.1%}" in line, (step, line)
        at = run.eval_steps[k]
        assert (f"(at step {at})" in line) == (at != step), (step, line)
    # The long run has recorded steps between evaluations, so both kinds of line are read.
    assert any("(at step" in line for line in lines) == (cfg.steps > MAX_EVALS)


def test_play_shows_the_steps_every_chart_holds_unless_too_few():
    run = train(Config(steps=120))
    steps = run.recorded_steps
    assert play_steps(run) == steps
    every_other = steps[::2]
    assert len(every_other) >= MIN_PLAY_STEPS
    assert play_steps(run, [10**6, *reversed(every_other)]) == every_other
    few = steps[:: len(steps) // 5]  # Play would be over in half a second
    assert len(few) < MIN_PLAY_STEPS
    assert play_steps(run, few) == steps
