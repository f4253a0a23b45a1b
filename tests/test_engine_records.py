"""Recorded tensors are the numbers the engine used, and convert to frames and files."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pandas as pd
import pytest

from engine import ACTIVATIONS, LAYER_METRICS, Config, train

# Batches of 16 (under the 32 recorded rows, so every tensor holds the whole batch) and 40
# steps (under the record cap, so every step is recorded).
PLAIN = Config(depth=3, width=6, activation="relu", init="he_normal", batch_size=16, steps=40)
FANCY = Config(
    depth=3,
    width=6,
    activation="tanh",
    residual=True,
    layer_norm=True,
    dropout=0.3,
    optimizer="momentum",
    lr=0.1,
    batch_size=16,
    steps=40,
)


@pytest.fixture(scope="module", params=[PLAIN, FANCY], ids=["plain", "fancy"])
def run(request):
    run = train(request.param)
    assert run.recorded_steps == list(range(40))
    return run


def layer_input(run, rec, i: int) -> np.ndarray:
    """What hidden layer i (1-based) received: x, or the previous layer's output."""
    if i == 1:
        return rec.x
    prev = rec.layers[f"h{i - 1}"]
    if prev.h_out is not None:
        return prev.h_out
    return prev.a * prev.mask if prev.mask is not None else prev.a


def test_update_is_the_difference_between_consecutive_weights(run):
    for s in run.recorded_steps[:-1]:
        rec, nxt = run.records[s], run.records[s + 1]
        np.testing.assert_array_equal(rec.params.flat - rec.update, nxt.params.flat)
        for name, layer in rec.layers.items():
            np.testing.assert_array_equal(layer.W - layer.update_W, nxt.layers[name].W)
            np.testing.assert_array_equal(layer.b - layer.update_b, nxt.layers[name].b)
    np.testing.assert_array_equal(
        run.records[39].params.flat - run.records[39].update, run.final_params.flat
    )


def test_weight_gradients_are_input_times_delta(run):
    for rec in run.records.values():
        for i in range(1, run.config.depth + 1):
            layer = rec.layers[f"h{i}"]
            h = layer_input(run, rec, i)
            np.testing.assert_allclose(layer.dW, h.T @ layer.delta, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(layer.db, layer.delta.sum(axis=0), rtol=1e-12, atol=1e-15)
        out = rec.layers["out"]
        h_last = layer_input(run, rec, run.config.depth + 1)
        np.testing.assert_allclose(out.dW, h_last.T @ out.delta, rtol=1e-12, atol=1e-15)


def test_recorded_forward_pass_is_reproduced(run):
    act = ACTIVATIONS[run.config.activation]
    for s in (0, 17, 39):
        rec = run.records[s]
        net = run.network(rec.params)
        masks = [rec.layers[f"h{i}"].mask for i in range(1, run.config.depth + 1)]
        trace = net.forward(rec.x, masks)
        for i, cache in enumerate(trace.layers, start=1):
            layer = rec.layers[f"h{i}"]
            np.testing.assert_allclose(layer.z, cache.z, rtol=1e-12)
            np.testing.assert_allclose(layer.a, act.f(cache.zn), rtol=1e-12)
        # The first layer by hand: z = x W + b.
        h1 = rec.layers["h1"]
        np.testing.assert_allclose(h1.z, rec.x @ h1.W + h1.b, rtol=1e-12)
        np.testing.assert_allclose(rec.y_hat, trace.y_hat, rtol=1e-12)
        loss, grads = net.loss_and_grads(rec.x, rec.y, run.config.loss, masks=masks)
        assert loss == pytest.approx(rec.loss, rel=1e-12)
        np.testing.assert_allclose(grads.flat, rec.grads.flat, rtol=1e-10, atol=1e-15)


def test_output_delta_is_dloss_dlogits(run):
    rec = run.records[5]
    out = rec.layers["out"]
    # bce with a sigmoid output: dL/dlogits = (y_hat - y) / batch.
    np.testing.assert_allclose(out.delta, (out.a - rec.y) / len(rec.y), rtol=1e-12)
    assert np.array_equal(rec.x, run.data.X_train[rec.batch_index])


def test_optimizer_state_follows_its_update_rule(run):
    for s in (1, 20, 39):
        rec, prev = run.records[s], run.records[s - 1]
        g, p = rec.grads.flat, rec.params.flat
        if run.config.optimizer == "adam":
            m = 0.9 * prev.state["m"] + 0.1 * g
            v = 0.999 * prev.state["v"] + 0.001 * g * g
            np.testing.assert_allclose(rec.state["m"], m, rtol=1e-12, atol=1e-18)
            np.testing.assert_allclose(rec.state["v"], v, rtol=1e-12, atol=1e-22)
            # A layer's state is its slice of the flat state vector.
            _, a, b, shape = next(e for e in rec.params.layout if e[0] == "h2.W")
            np.testing.assert_array_equal(
                rec.layers["h2"].state["m"], rec.state["m"][a:b].reshape(shape)
            )
        else:
            velocity = 0.9 * prev.state["velocity"] + g
            np.testing.assert_allclose(rec.state["velocity"], velocity, rtol=1e-12, atol=1e-18)
            np.testing.assert_allclose(rec.update, 0.1 * velocity, rtol=1e-12, atol=1e-18)
        assert set(rec.state) == set(run.state_names)
        assert p.shape == g.shape


def test_per_step_scalars_match_the_recorded_tensors(run):
    col = {m: i for i, m in enumerate(LAYER_METRICS)}
    for s in (0, 13, 39):
        rec = run.records[s]
        for j, name in enumerate(run.layer_names):
            layer = rec.layers[name]
            row = run.layer_scalars[s, j]
            assert row[col["grad_norm"]] == pytest.approx(np.linalg.norm(layer.dW), rel=1e-12)
            assert row[col["weight_norm"]] == pytest.approx(np.linalg.norm(layer.W), rel=1e-12)
            ratio = np.linalg.norm(layer.update_W) / np.linalg.norm(layer.W)
            assert row[col["update_ratio"]] == pytest.approx(ratio, rel=1e-12)
            if name == "out":
                assert np.isnan(row[col["act_mean"]])
                continue
            assert row[col["act_mean"]] == pytest.approx(layer.a.mean(), rel=1e-9)
            assert row[col["act_std"]] == pytest.approx(layer.a.std(), rel=1e-6)
            if run.config.activation == "relu":
                dead = np.mean(~(layer.a > 0).any(axis=0))
                assert row[col["dead"]] == dead and np.isnan(row[col["saturated"]])
            else:
                saturated = np.mean(np.abs(layer.a) > 0.97)
                assert row[col["saturated"]] == pytest.approx(saturated)
                assert np.isnan(row[col["dead"]])
    assert run.metric("grad_norm").shape == (40, len(run.layer_names))


def test_scalars_frame_is_tidy(run):
    frame = run.scalars_frame()
    assert list(frame.columns) == ["step", "layer", "metric", "value"]
    assert set(frame["layer"]) == {"all", *run.layer_names}
    expected = {"loss", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    assert expected | {"grad_norm", "weight_norm", "update_ratio", "act_mean", "act_std"} <= set(
        frame["metric"]
    )
    assert frame["value"].notna().all()
    loss = frame[frame["metric"] == "loss"]
    np.testing.assert_array_equal(loss["value"], run.loss)
    grad = frame[(frame["metric"] == "grad_norm") & (frame["layer"] == "h2")]
    np.testing.assert_array_equal(grad["value"], run.metric("grad_norm")[:, 1])
    assert not frame.duplicated(["step", "layer", "metric"]).any()


def test_scalars_csv_reads_back(run):
    back = pd.read_csv(io.BytesIO(run.scalars_csv()))
    frame = run.scalars_frame()
    assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    np.testing.assert_allclose(back["value"], frame["value"], rtol=1e-15)


def test_tensors_npz_loads_with_numpy(run):
    with np.load(io.BytesIO(run.tensors_npz())) as npz:
        files = set(npz.files)
        for s in (0, 39):
            rec = run.records[s]
            np.testing.assert_array_equal(npz[f"step{s}/x"], rec.x)
            for name, layer in rec.layers.items():
                np.testing.assert_array_equal(npz[f"step{s}/{name}/dW"], layer.dW)
                np.testing.assert_array_equal(npz[f"step{s}/{name}/W"], layer.W)
                np.testing.assert_array_equal(npz[f"step{s}/{name}/delta"], layer.delta)
                for state, value in layer.state.items():
                    np.testing.assert_array_equal(npz[f"step{s}/{name}/state_{state}"], value)
    assert len({f.split("/")[0] for f in files}) == 40
    if run.config.layer_norm:
        assert "step3/h1/zn" in files and "step3/h1/mask" in files


def test_record_at_picks_the_step_at_or_before():
    run = train(Config(steps=600))
    assert run.stride > 1
    s = run.recorded_steps
    assert run.record_at(s[1] + 1).step == s[1]
    assert run.record_at(s[1]).step == s[1]
    assert run.record_at(10**6).step == 599
    assert run.record_at(-5).step == 0


def test_a_run_survives_pickling(run):
    # st.cache_data pickles runs: the layer views must still point into the step's buffers.
    back = pickle.loads(pickle.dumps(run))
    rec = back.records[7]
    assert np.shares_memory(rec.layers["h1"].W, rec.params.flat)
    np.testing.assert_array_equal(rec.params.flat, run.records[7].params.flat)
    np.testing.assert_array_equal(back.loss, run.loss)
    np.testing.assert_array_equal(back.predict(run.data.X_test), run.predict(run.data.X_test))


def test_sigmoid_saturation_counts_both_tails():
    """The Forward page's statistic for sigmoid: the share of a outside [0.03, 0.97]."""
    cfg = Config(
        activation="sigmoid", init="normal", init_std=1.0, depth=3, width=16, batch_size=16
    )
    run = train(cfg.replace(steps=3))
    col = LAYER_METRICS.index("saturated")
    low = high = 0
    for j, name in enumerate(run.layer_names[:-1]):
        a = run.records[0].layers[name].a  # the whole batch: 16 rows are recorded
        low, high = low + np.sum(a < 0.03), high + np.sum(a > 0.97)
        expected = np.mean((a < 0.03) | (a > 0.97))
        assert run.layer_scalars[0, j, col] == pytest.approx(expected)
    assert low > 0 and high > 0  # both tails occur, so a one-sided count would fail
