"""Server-side time and Plotly payload of every page, measured with Streamlit's AppTest.

Run from the repository root:  python benchmarks/pages.py [--repeat 5] [--json out.json]

For each page: a cold run (empty caches, default config, training included), a warm rerun
(cached run, nothing changed), a warm rerun after choosing another step, and the size of
the Plotly figures the page sends. AppTest runs the scripts in this process, so the times
are the server's work for one rerun, without network or browser rendering.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.apptest_utils import chart_nodes  # noqa: E402

PAGES = {
    "Overview": "app_pages/overview.py",
    "Forward pass": "app_pages/forward.py",
    "Error": "app_pages/error.py",
    "Backward pass": "app_pages/backward.py",
    "Update": "app_pages/update.py",
    "Worked example": "app_pages/worked_example.py",
    "Gradient norms": "app_pages/gradient_norms.py",
    "Vanishing gradients": "app_pages/vanishing.py",
    "Optimizers": "app_pages/optimizers.py",
}
GOALS = {"cold_s": 1.0, "warm_ms": 150.0, "payload_mb": 2.0}
COLD_GOALS = {"Vanishing gradients": 3.0, "Optimizers": 3.0}


def _open(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    if not page.endswith("overview.py"):
        at.switch_page(page)
    return at


def _timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return elapsed


def measure(name: str, page: str, repeat: int) -> dict:
    """Cold, warm and step-change times (median of `repeat`) and payload of one page."""
    cold, warm, step = [], [], []
    payload = 0
    for _ in range(repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = _open("app_pages/worked_example.py")  # load the sidebar without training
        at.switch_page(page)
        cold.append(_timed(at))
        warm.append(_timed(at))
        sliders = [s for s in at.select_slider if s.key == "step"]
        if sliders:
            options = sliders[0].options
            sliders[0].set_value(options[len(options) // 2])
            step.append(_timed(at))
        payload = sum(len(node.proto.bytes) for node in chart_nodes(at))
    return {
        "page": name,
        "cold_s": statistics.median(cold),
        "warm_ms": 1000 * statistics.median(warm),
        "step_ms": 1000 * statistics.median(step) if step else None,
        "payload_mb": payload / 1e6,
        "cold_goal_s": COLD_GOALS.get(name, GOALS["cold_s"]),
    }


def main() -> None:
    """Measure every page and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = [measure(name, page, args.repeat) for name, page in PAGES.items()]
    header = (
        f"{'page':<20} {'cold s':>7} {'goal':>5} {'warm ms':>8} {'step ms':>8} {'plotly MB':>10}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        step = f"{r['step_ms']:8.0f}" if r["step_ms"] is not None else f"{'-':>8}"
        print(
            f"{r['page']:<20} {r['cold_s']:7.2f} {r['cold_goal_s']:5.1f} {r['warm_ms']:8.0f} "
            f"{step} {r['payload_mb']:10.3f}"
        )
    print(
        f"goals: cold under the goal column, warm and step under {GOALS['warm_ms']:.0f} ms, "
        f"payload under {GOALS['payload_mb']:.0f} MB (median of {args.repeat})"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
