"""Figures of the Gradients through time page: the engine's numbers, log axes, legends below."""

from __future__ import annotations

import numpy as np
import pytest

from engine.sequence import KIND_LABELS, KINDS, SequenceConfig, compare_kinds, length_sweep
from engine.sequence.tasks import needed_positions
from engine.sequence.training import memory_kept
from viz.sequence import (
    attention_figure,
    forget_figure,
    gradient_profile_figure,
    loss_figure,
    sweep_figure,
)


@pytest.fixture(scope="module")
def runs():
    return compare_kinds(SequenceConfig(task="adding", length=8, hidden=6, steps=12, batch=8))


@pytest.fixture(scope="module")
def sweep():
    return length_sweep("copy_first", 0.01, lengths=(3, 6))


def _log_axes_at_powers_of_ten(fig, axes: str = "yaxis") -> None:
    layout = fig.to_plotly_json()["layout"]
    found = [v for k, v in layout.items() if k.startswith(axes) and v.get("type") == "log"]
    assert found
    for axis in found:
        assert axis["exponentformat"] == "power"
        assert isinstance(axis["dtick"], int) and axis["dtick"] >= 1


def _legend_below(fig) -> None:
    legend = fig.layout.legend
    assert legend.orientation == "h" and legend.yref == "container" and legend.y == 0
    assert legend.yanchor == "bottom" and fig.layout.margin.b >= 80


def test_profile_shows_step_0_and_the_last_step_of_each_kind(runs):
    fig = gradient_profile_figure(runs)
    traces = list(fig.data)
    assert [t.name for t in traces] == [KIND_LABELS[k] for k in KINDS for _ in range(2)]
    for i, kind in enumerate(KINDS):
        first, last = traces[2 * i], traces[2 * i + 1]
        np.testing.assert_allclose(first.y, runs[kind].grad_x[0])
        np.testing.assert_allclose(last.y, runs[kind].grad_x[-1])
        assert first.yaxis == "y" and last.yaxis == "y2"
    assert "step 11" in fig.layout.annotations[1].text
    _log_axes_at_powers_of_ten(fig)
    _legend_below(fig)
    # Both rows share one log range, so the two moments compare by eye.
    assert fig.layout.yaxis.range == fig.layout.yaxis2.range


def test_loss_figure_has_the_runs_and_the_reference_lines_in_the_legend(runs):
    baseline = SequenceConfig(task="adding").baseline
    fig = loss_figure(runs, baseline)
    for trace, kind in zip(fig.data, KINDS, strict=False):
        np.testing.assert_allclose(trace.y, runs[kind].loss)
    names = [t.name for t in fig.data]
    assert names[3:] == ["always answering 0", "solved: 10% of that"]
    assert list(fig.data[3].y) == [baseline, baseline]
    assert list(fig.data[4].y) == pytest.approx([0.1 * baseline] * 2)
    assert not fig.layout.annotations  # labels live in the legend, never over the data
    _log_axes_at_powers_of_ten(fig)
    _legend_below(fig)


def test_sweep_figure_plots_the_share_per_length(sweep):
    fig = sweep_figure(sweep, 6)
    for trace, kind in zip(fig.data, KINDS, strict=False):
        assert list(trace.x) == [3, 6]
        np.testing.assert_allclose(trace.y, sweep.share[kind])
    assert fig.data[-1].name == "solved below this" and list(fig.data[-1].y) == [0.1, 0.1]
    assert fig.layout.shapes[0].x0 == 6  # the user's length
    _log_axes_at_powers_of_ten(fig)
    _legend_below(fig)


def test_attention_heatmap_is_the_probe_after_training_with_the_future_blank(runs):
    run = runs["attention"]
    needed = needed_positions("adding", run.probe_X)
    fig = attention_figure(run, needed)
    z = np.array(fig.data[0].z, dtype=float)
    A = run.probe_attention[-1]
    assert np.isnan(z[np.triu_indices(8, 1)]).all()
    np.testing.assert_allclose(z[np.tril_indices(8)], A[np.tril_indices(8)])
    lines = [s.x0 for s in fig.layout.shapes if s.type == "line"]
    assert lines == needed and len(needed) == 2
    assert "after 12 steps" in fig.layout.title.text


def test_forget_figure_shows_mean_gates_and_what_is_kept(runs):
    run = runs["lstm"]
    fig = forget_figure(run)
    init_gate, init_kept, end_gate, end_kept = fig.data
    np.testing.assert_allclose(init_gate.y, run.probe_forget[0].mean(axis=1))
    np.testing.assert_allclose(end_kept.y, memory_kept(run.probe_forget[-1]))
    assert init_gate.name == "at initialisation" and end_gate.name.endswith("(12 steps)")
    assert fig.layout.yaxis.range == (0, 1)
    _log_axes_at_powers_of_ten(fig, "yaxis2")
    _legend_below(fig)
