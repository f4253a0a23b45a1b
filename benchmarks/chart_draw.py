"""How long Chromium takes to draw each chart of every page, and whether Plotly drew it twice.

Run from the repository root:  python benchmarks/chart_draw.py [--width 1400] [--json out.json]

Starts the app, opens every page with its default settings, and for every Plotly chart on it
draws the chart again from its own figure (``Plotly.newPlot``, median of 3) twice:
- as the page has it ("as sent"), and
- with its margins fixed at the ones the first draw ended with and automargin off
  ("one pass"): what the chart costs when Plotly need not grow a margin and draw it again.

"grown" lists the sides where Plotly's automargin made a margin larger than the figure asked
for (each such growth is one more full draw). viz.style.roomy_margins exists to keep it
empty at desktop width; at phone width a legend that wraps still grows the bottom.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from servers import timed_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.chart_layout import PAGES  # noqa: E402
from tests.e2e.conftest import wait_for_app  # noqa: E402

# Per chart: its title, the sides automargin grew, and the draw times as sent and in one pass.
_DRAW_JS = r"""async () => {
  const defaults = {l: 80, r: 80, t: 100, b: 80};
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const out = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const data = JSON.stringify(gd.data);
    const layout = JSON.parse(JSON.stringify(gd.layout));
    const asked = layout.margin || {};
    const size = gd._fullLayout._size;
    const grown = ['l', 'r', 't', 'b'].filter(
      (s) => size[s] > (asked[s] === undefined ? defaults[s] : asked[s]) + 0.5);
    const fixed = {...layout, margin: {l: size.l, r: size.r, t: size.t, b: size.b,
                                       autoexpand: false}};
    const times = {};
    for (const [name, lay] of [['sent', layout], ['one_pass', fixed]]) {
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await window.Plotly.newPlot(gd, JSON.parse(data), JSON.parse(JSON.stringify(lay)));
        runs.push(performance.now() - t0);
      }
      times[name] = median(runs);
    }
    const title = ((layout.title || {}).text || '?').replace(/<br>/g, ' ').slice(0, 48);
    out.push({title, grown, sent_ms: times.sent, one_pass_ms: times.one_pass});
  }
  return out;
}"""


def measure(base: str, width: int) -> list[dict]:
    """Every chart of every page (default settings) at `width` px: grown sides and times."""
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        page = browser.new_page(viewport={"width": width, "height": 900})
        for name in [p for p in PAGES if p != "glossary"]:
            page.goto(f"{base}/{name}")
            wait_for_app(page, timeout=240)
            time.sleep(2)  # charts drawn after the script's end
            rows += [{"page": f"/{name}", **r} for r in page.evaluate(_DRAW_JS)]
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--width", type=int, default=1400, help="viewport width in px")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp)
        with timed_server(ROOT, logs / "runs.jsonl", logs / "server.log") as (url, _):
            rows = measure(url, args.width)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {args.width} px; ms, median of 3 draws")
    print("| page | chart | as sent | one pass | grown |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        grown = ", ".join(r["grown"]) or "–"
        print(
            f"| {r['page']} | {r['title']} | {r['sent_ms']:.0f} | {r['one_pass_ms']:.0f} "
            f"| {grown} |"
        )
    sent = sum(r["sent_ms"] for r in rows)
    one = sum(r["one_pass_ms"] for r in rows)
    grew = sum(1 for r in rows if r["grown"])
    print(f"\n{len(rows)} charts: {sent:.0f} ms as sent, {one:.0f} ms in one pass; {grew} grew.")
    print(
        f"median ratio as sent / one pass: "
        f"{statistics.median(r['sent_ms'] / r['one_pass_ms'] for r in rows):.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
