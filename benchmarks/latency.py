"""How fast the app answers in a real browser, as a ratio to a minimal Streamlit app.

Run from the repository root:

    python benchmarks/latency.py            # about 6 minutes on 2 busy cores
    python benchmarks/latency.py --quick    # fewer repeats, about 3 minutes
    python benchmarks/latency.py --json out.json --only overview
    python benchmarks/latency.py --mbit 10 --only "Overview: Hidden"   # a visitor's link

Starts two Streamlit servers on free 127.0.0.1 ports: the app, and a reference app written
to a temporary folder (one URL-bound slider, a metric, one 300-point Plotly line: about the
least a Streamlit page can do). Debian's Chromium (``shutil.which("chromium")``), driven by
Playwright, presses keys on both, in the same run, and the table gives each interaction's
time and its ratio to the reference's.

What "time" means: from the key press (a ``keydown`` listener, ``performance.now()``) until
the page stops changing. The page has stopped changing when the app's script state is
``notRunning`` after a run that the key started, and neither a DOM mutation (a
``MutationObserver`` on the whole document, leaving out the header's running indicator)
nor a Plotly redraw (``plotly_afterplot``) happened for ``QUIET_MS``; the time is that of
the last mutation or redraw. A cold link is timed from navigation start to the first
drawn Plotly chart (``.main-svg``), in a new browser context (empty browser cache) and
with a seed no earlier visit used (empty server cache).

Where the time goes, per interaction (medians):
- send: key press -> the browser's first websocket send (the widget's new value);
- queue: that send -> the script starts on the server;
- script: the script's own time (summed over the runs the key caused), from a hook around
  Streamlit's ``exec_func_with_error_handling`` in the server process (servers.TIMED_SERVER
  wraps ``streamlit run``);
- post: script end -> the browser sees the run finish (script state ``notRunning``):
  Streamlit's post-run work (garbage collection, by default), the last messages;
- render: run finished -> the page stopped changing (the browser drawing);
- KB: websocket bytes received (CDP ``Network.webSocketFrameReceived``) during the
  interaction, as the page reads them (inflated, where the websocket is compressed);
- wire KB: bytes that crossed the loopback interface meanwhile (Linux's ``/proc/net/dev``),
  what a visitor's link carries.

``--mbit N`` gives every page of both apps a link of N Mbit/s each way and ``RTT_MS``
round trip (CDP ``Network.emulateNetworkConditions``, which also paces websocket frames):
what a visitor on a phone or a busy school network waits for, which the loopback hides.

Browser and server clocks are compared through ``performance.timeOrigin`` (both are the
machine's wall clock). The machine may be shared: the reference runs interleaved with the
app, so the ratios hold better than the times; the min-max spread is printed with each.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from servers import script_runs, timed_server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
QUIET_MS = 500.0  # the page has settled when nothing changed for this long
RTT_MS = 40.0  # the round trip of an emulated link (--mbit)
TIMEOUT_S = 120.0

REFERENCE_APP = """
import numpy as np
import plotly.graph_objects as go
import streamlit as st

x = st.slider("Frequency", 1, 50, 5, key="f", bind="query-params")
xs = np.linspace(0, 1, 300)
st.metric("Frequency", x)
st.plotly_chart(go.Figure(go.Scatter(x=xs, y=np.sin(2 * np.pi * x * xs))), width="stretch")
"""

# Installed in every page before its own scripts: timestamps of key presses, websocket
# traffic, script-state changes, DOM mutations and Plotly redraws.
PROBE_JS = """
(() => {
  const L = window.__lat = {key: null, sends: [], states: [], last: 0, lastPlot: 0,
                            plots: 0, firstChart: null};
  const now = () => performance.now();
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    send(data) { L.sends.push(now()); return super.send(data); }
  };
  document.addEventListener('keydown', () => { L.key = now(); L.sends = []; }, true);
  const ignored = node => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest && el.closest('[data-testid="stHeader"]'));
  };
  // Charts a visitor can see, drawn at their width: Streamlit first calls Plotly on a new
  // chart hidden, before it knows the chart's width, and again with that width.
  const drawn = () => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(gd => gd.style.visibility !== 'hidden' && gd.layout && gd.layout.width !== undefined
                  && gd.querySelector('.main-svg'));
  window.__latDrawn = drawn;
  const hook = () => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      if (gd.__latHooked || !gd.on) continue;
      gd.__latHooked = true;
      gd.on('plotly_afterplot', () => { L.lastPlot = now(); L.plots += 1; });
    }
  };
  const observer = new MutationObserver(records => {
    const t = now();
    for (const r of records) {
      if (r.type === 'attributes' && r.attributeName === 'data-test-script-state') {
        L.states.push([t, r.target.getAttribute('data-test-script-state')]);
      }
      if (!ignored(r.target)) L.last = t;
    }
    if (L.firstChart === null && drawn().length) L.firstChart = t;
    hook();
  });
  const start = () => observer.observe(document.documentElement,
    {subtree: true, childList: true, attributes: true, characterData: true});
  if (document.documentElement) start();
  else document.addEventListener('DOMContentLoaded', start);
})();
"""

STATE_JS = """() => {
  const L = window.__lat;
  const app = document.querySelector('[data-testid="stApp"]');
  return {key: L.key, sends: L.sends, states: L.states, last: L.last, lastPlot: L.lastPlot,
          firstChart: L.firstChart, now: performance.now(), origin: performance.timeOrigin,
          script: app ? app.getAttribute('data-test-script-state') : null,
          skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
          // Streamlit's charts (the reference) and the app's own (ui/chart_view.py).
          charts: document.querySelectorAll('[data-testid="stPlotlyChart"], .bp-chart').length,
          drawn: window.__latDrawn().length};
}"""


@dataclass
class Interaction:
    """One thing a user does: open `path`, then press `key` on the widget labelled `label`."""

    name: str
    path: str
    label: str
    key: str = "ArrowRight"
    where: str = "sidebar"  # "sidebar" or "main"
    kind: str = "stSlider"  # the widget's data-testid
    fresh: bool = False  # open the page anew (with a new seed) before every press
    # A key that undoes `key`: after one untimed press, the presses alternate `back` and
    # `key`, so each lands on a run the server has cached (what is left is the page's work).
    back: str | None = None
    # With `fresh`: a query whose page another browser opens first, so the server has the
    # run and figures the press will ask for, trained and built ahead: what is left is the
    # page's own answer, the least any speed-up of the server's work could bring a retrain to.
    ahead: str | None = None


@dataclass
class Sample:
    """One measured interaction."""

    total: float
    send: float | None = None
    queue: float | None = None
    script: float | None = None
    post: float | None = None
    render: float | None = None
    kb: float = 0.0
    wire_kb: float | None = None
    first_chart: float | None = None


@dataclass
class Result:
    """The samples of one interaction on one app."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float | None:
        """The median of one field over the samples that have it."""
        values = [getattr(s, attr) for s in self.samples if getattr(s, attr) is not None]
        return statistics.median(values) if values else None

    def spread(self, attr: str = "total") -> tuple[float, float]:
        """Smallest and largest value of `attr`."""
        values = [getattr(s, attr) for s in self.samples if getattr(s, attr) is not None]
        return (min(values), max(values)) if values else (float("nan"), float("nan"))


APP_INTERACTIONS = [
    Interaction("Overview: Hidden layers +1 (retrains)", "/", "Hidden layers", fresh=True),
    Interaction("Overview: Hidden layers ±1 (run cached)", "/", "Hidden layers", back="ArrowLeft"),
    Interaction(
        "Overview: Hidden layers +1 (run trained ahead)",
        "/",
        "Hidden layers",
        fresh=True,
        ahead="depth=3",
    ),
    Interaction("Overview: Step -1", "/", "Step", "ArrowLeft", where="main"),
    Interaction("Forward pass: Step -1", "/forward", "Step", "ArrowLeft", where="main"),
    Interaction("Error: Step -1", "/error", "Step", "ArrowLeft", where="main"),
    Interaction("Backward pass: Step -1", "/backward", "Step", "ArrowLeft", where="main"),
    Interaction("Update: Step -1", "/update", "Step", "ArrowLeft", where="main"),
    Interaction("Gradient norms: Step -1", "/gradient_norms", "Step", "ArrowLeft", where="main"),
    Interaction("Vanishing: Hidden layers +1", "/vanishing", "Hidden layers", fresh=True),
    Interaction("Optimizers: Hidden layers +1", "/optimizers", "Hidden layers", fresh=True),
    # The page does not use the sidebar's seed: each press trains at a length not seen yet.
    Interaction(
        "Gradients through time: Sequence length +1",
        "/through_time",
        "Sequence length T",
        where="main",
    ),
    Interaction("Local minima: Hidden layers +1", "/local_minima", "Hidden layers", fresh=True),
    Interaction(
        "Worked example: show after update",
        "/worked_example",
        "Show the network after the update",
        " ",
        where="main",
        kind="stCheckbox",
    ),
]
COLD_LINKS = [
    ("Cold link /?depth=8&width=32&steps=1000", "/?depth=8&width=32&steps=1000"),
    ("Cold link /vanishing?depth=20&activation=sigmoid", "/vanishing?depth=20&activation=sigmoid"),
]
REFERENCE_INTERACTION = Interaction("Reference: slider +1", "/", "Frequency", where="main")


# -- servers -------------------------------------------------------------------------------


@dataclass
class Server:
    """A running timed Streamlit server: its URL and its log of script runs."""

    url: str
    runs_log: Path

    def runs(self) -> list[tuple[float, float]]:
        """(start, end) wall-clock seconds of every script run so far."""
        return [(run["start"], run["end"]) for run in script_runs(self.runs_log)]


@contextlib.contextmanager
def serve(folder: Path, log_dir: Path, name: str) -> Iterator[Server]:
    """Run `streamlit run app.py` in `folder`, each script run timed."""
    runs_log = log_dir / f"{name}-runs.txt"
    server_log = log_dir / f"{name}-server.log"
    with timed_server(folder, runs_log, server_log, {"OPENBLAS_NUM_THREADS": "1"}) as (url, _):
        yield Server(url, runs_log)


# -- browser -------------------------------------------------------------------------------


def loopback_bytes() -> int | None:
    """Bytes received on the loopback interface so far (None where Linux's table is missing)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/dev").read_text().splitlines():
            name, _, counters = line.partition(":")
            if name.strip() == "lo":
                return int(counters.split()[0])
    return None


def _kb_between(before: int | None, after: int | None) -> float | None:
    return None if before is None or after is None else (after - before) / 1000.0


class Probe:
    """A browser page with the probe installed and CDP counting websocket bytes; on a link
    of `mbit` Mbit/s each way (and RTT_MS round trip) if given."""

    def __init__(self, context, mbit: float | None = None) -> None:
        self.page = context.new_page()
        self.frames: list[int] = []
        cdp = context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.on("Network.webSocketFrameReceived", self._frame)
        if mbit is not None:
            rate = mbit * 1e6 / 8  # bytes per second
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": RTT_MS,
                    "downloadThroughput": rate,
                    "uploadThroughput": rate,
                },
            )

    def _frame(self, event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        if response.get("opcode") == 2:  # binary frames arrive base64-encoded
            self.frames.append(len(base64.b64decode(payload)))
        else:
            self.frames.append(len(payload.encode()))

    def state(self) -> dict:
        """The probe's readings and the page's script state."""
        return self.page.evaluate(STATE_JS)

    def settled(self, since: float, ran_on_server: Callable[[], bool] | None = None) -> dict:
        """Wait until the page stopped changing after `since` (page time); its state then.

        With `ran_on_server`, also wait until a script run started after `since`: seen as the
        page's "running" state or, for a run too short for the page to show it, on the server.
        """
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            st = self.state()
            ran = (
                ran_on_server is None
                or any(t >= since and s == "running" for t, s in st["states"])
                or ran_on_server()
            )
            last = max(st["last"], st["lastPlot"])
            quiet = st["now"] - last >= QUIET_MS
            idle = st["script"] == "notRunning" and st["skeletons"] == 0
            if ran and idle and quiet and st["drawn"] >= min(st["charts"], 1):
                return st
            if time.monotonic() > deadline:
                raise RuntimeError(f"the page did not settle: {st}")
            time.sleep(0.05)

    def open(self, url: str) -> dict:
        """Go to `url` and wait until it settled."""
        self.page.goto(url)
        self.page.wait_for_selector('[data-testid="stApp"]', state="attached")
        return self.settled(0.0)


def _widget(page, item: Interaction):
    area = '[data-testid="stSidebar"]' if item.where == "sidebar" else '[data-testid="stMain"]'
    label = page.locator('[data-testid="stWidgetLabel"]', has_text=item.label)
    widget = page.locator(f'{area} [data-testid="{item.kind}"]').filter(has=label).first
    return widget.locator('input[type="range"]' if item.kind == "stSlider" else "input").first


def press(probe: Probe, server: Server, item: Interaction) -> Sample:
    """Press the interaction's key once and time the page's answer."""
    target = _widget(probe.page, item)
    target.focus()
    probe.frames.clear()
    runs_before = len(server.runs())
    wire_before = loopback_bytes()
    target.press(item.key)
    key = probe.state()["key"]
    st = probe.settled(key, lambda: len(server.runs()) > runs_before)
    end = max(st["last"], st["lastPlot"])
    origin = st["origin"] / 1000.0
    sample = Sample(total=end - key, kb=sum(probe.frames) / 1000.0)
    sample.wire_kb = _kb_between(wire_before, loopback_bytes())
    if st["sends"]:
        sample.send = st["sends"][0] - key
    finished = [t for t, s in st["states"] if t >= key and s == "notRunning"]
    if finished:
        sample.render = end - finished[-1]
    runs = server.runs()[runs_before:]
    if runs:
        sample.script = sum(e - s for s, e in runs) * 1000.0
        if st["sends"]:
            sample.queue = (runs[0][0] - origin) * 1000.0 - st["sends"][0]
        if finished:
            sample.post = finished[-1] - (runs[-1][1] - origin) * 1000.0
    return sample


def measure_interaction(
    browser, server: Server, item: Interaction, repeats: int, mbit: float | None = None
) -> Result:
    """`repeats` presses of one interaction, each on a settled page (on a link of `mbit`)."""
    result = Result(item.name)
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE_JS)
    try:
        probe = Probe(context, mbit)
        if not item.fresh:
            probe.open(server.url + item.path)
        if item.back:
            press(probe, server, item)
        for k in range(repeats):
            if item.fresh:
                sep = "&" if "?" in item.path else "?"
                seed = (2000 if item.ahead else 1000) + k
                if item.ahead:
                    _visit(browser, f"{server.url}{item.path}{sep}{item.ahead}&seed={seed}")
                probe.open(f"{server.url}{item.path}{sep}seed={seed}")
            key = item.back if item.back is not None and k % 2 == 0 else item.key
            result.samples.append(press(probe, server, replace(item, key=key)))
    finally:
        context.close()
    return result


def _visit(browser, url: str) -> None:
    """Open `url` in a browser context of its own until it settled, then close it."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE_JS)
    try:
        Probe(context).open(url)
    finally:
        context.close()


def measure_cold(
    browser,
    server: Server,
    name: str,
    path: str,
    repeats: int,
    seed0: int,
    mbit: float | None = None,
):
    """Open `path` in a new context `repeats` times, each with a seed not seen before."""
    result = Result(name)
    for k in range(repeats):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(PROBE_JS)
        try:
            probe = Probe(context, mbit)
            sep = "&" if "?" in path else "?"
            url = server.url + path + (f"{sep}seed={seed0 + k}" if seed0 >= 0 else "")
            wire_before = loopback_bytes()
            st = probe.open(url)
            wire_after = loopback_bytes()
            end = max(st["last"], st["lastPlot"])
            sample = Sample(total=end, first_chart=st["firstChart"], kb=sum(probe.frames) / 1000.0)
            sample.wire_kb = _kb_between(wire_before, wire_after)
            result.samples.append(sample)
        finally:
            context.close()
    return result


PLAY_NAME = "Overview: Play at 10 steps/s"
PLAY_JS = """async (seconds) => {
  const root = document.querySelector('*') && Array.from(document.querySelectorAll('*'))
    .map(e => e.shadowRoot && e.shadowRoot.querySelector('.bp-transport')).find(Boolean);
  if (!root) return null;
  const plots = Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot'))
    .filter(gd => gd._transitionData && gd._transitionData._frames.length);
  const seen = plots.map(() => new Set());
  const shown = new Set();
  const watch = setInterval(() => {
    plots.forEach((gd, k) => seen[k].add(gd.dataset.bpStep));
    shown.add(root.dataset.step);
  }, 10);
  const G = window.__bpTransport;
  const first = G.idx;
  root.querySelector('.bp-play').click();
  await new Promise(r => setTimeout(r, seconds * 1000));
  const moved = G.idx - first;
  root.querySelector('.bp-play').click();
  clearInterval(watch);
  return {steps: moved, shown: shown.size, frames: seen.map(s => s.size)};
}"""


def measure_play(
    browser, server: Server, path: str, seconds: float = 3.0, mbit: float | None = None
) -> dict | None:
    """Press Play on `path` from step 0 for `seconds`: recorded steps passed and steps shown
    per second, and the distinct frames each animated chart showed per second (sampled every
    10 ms)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE_JS)
    try:
        probe = Probe(context, mbit)
        probe.open(f"{server.url}{path}")
        if probe.page.locator(".bp-transport").count() == 0:
            return None  # a version of the app without the transport
        probe.page.locator(".bp-transport .bp-start").click()
        time.sleep(1.0)
        probe.settled(0.0)
        out = probe.page.evaluate(PLAY_JS, seconds)
        return {
            "steps_per_s": out["steps"] / seconds,
            "shown_per_s": out["shown"] / seconds,
            "frames_per_s": [n / seconds for n in out["frames"]],
        }
    finally:
        context.close()


# -- report --------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def report(results: list[Result], ref_warm: Result, ref_cold: Result) -> str:
    """A markdown table: median time, spread, ratio to the reference, and the decomposition."""
    ref_ms = ref_warm.median("total")
    ref_cold_ms = ref_cold.median("first_chart")
    lines = [
        "| interaction | median ms (min–max) | × reference | send | queue | script | post "
        "| render | KB | wire KB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for res in [ref_warm, ref_cold, *results]:
        cold = res.median("first_chart") is not None
        attr = "first_chart" if cold else "total"
        med = res.median(attr)
        lo, hi = res.spread(attr)
        base = ref_cold_ms if cold else ref_ms
        ratio = f"{med / base:.2f}" if med and base else "–"
        what = res.name + (" (first chart)" if cold else "")
        lines.append(
            f"| {what} | {_ms(med)} ({_ms(lo)}–{_ms(hi)}) | {ratio} | {_ms(res.median('send'))} "
            f"| {_ms(res.median('queue'))} | {_ms(res.median('script'))} "
            f"| {_ms(res.median('post'))} | {_ms(res.median('render'))} "
            f"| {res.median('kb') or 0:.0f} | {_ms(res.median('wire_kb'))} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Parse arguments, start both servers and the browser, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 presses, 1 cold load each")
    parser.add_argument("--repeats", type=int, default=5, help="presses per interaction")
    parser.add_argument("--cold-repeats", type=int, default=3, help="loads per cold link")
    parser.add_argument("--only", default="", help="measure interactions whose name has this")
    parser.add_argument("--json", help="also write every sample as JSON to this file")
    parser.add_argument(
        "--mbit", type=float, help=f"a link of this many Mbit/s each way, {RTT_MS:.0f} ms RTT"
    )
    args = parser.parse_args()
    repeats, cold_repeats = (3, 1) if args.quick else (args.repeats, args.cold_repeats)
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Chromium not found: sudo apt-get install chromium")
    from playwright.sync_api import sync_playwright

    wanted = [i for i in APP_INTERACTIONS if args.only.lower() in i.name.lower()]
    colds = [c for c in COLD_LINKS if args.only.lower() in c[0].lower()]
    with tempfile.TemporaryDirectory(prefix="latency-") as tmp:
        tmp_path = Path(tmp)
        ref_dir = tmp_path / "reference"
        ref_dir.mkdir()
        (ref_dir / "app.py").write_text(textwrap.dedent(REFERENCE_APP))
        with (
            serve(ROOT, tmp_path, "app") as app,
            serve(ref_dir, tmp_path, "reference") as ref,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            try:
                # Warm both servers' first-visit work (imports, chunk caches) untimed.
                measure_cold(browser, app, "warm-up", "/", 1, -1)
                measure_cold(browser, ref, "warm-up", "/", 1, -1)
                ref_warm = Result(REFERENCE_INTERACTION.name)
                ref_cold = Result("Reference: cold load")
                results = []
                for item in wanted:
                    # The reference is measured between the app's interactions, so both
                    # see the same load on the machine.
                    ref_warm.samples += measure_interaction(
                        browser, ref, REFERENCE_INTERACTION, repeats, args.mbit
                    ).samples
                    try:
                        results.append(measure_interaction(browser, app, item, repeats, args.mbit))
                    except RuntimeError as err:  # report the others; say which one failed
                        print(f"FAILED {item.name}: {err}", file=sys.stderr)
                        continue
                    print(f"measured {item.name}", file=sys.stderr)
                for k, (name, path) in enumerate(colds):
                    ref_cold.samples += measure_cold(
                        browser, ref, name, "/", cold_repeats, -1, args.mbit
                    ).samples
                    results.append(
                        measure_cold(
                            browser, app, name, path, cold_repeats, 500 + 10 * k, args.mbit
                        )
                    )
                    print(f"measured {name}", file=sys.stderr)
                play = None
                if args.only.lower() in PLAY_NAME.lower():
                    play = measure_play(browser, app, "/", mbit=args.mbit)
                if not ref_cold.samples:
                    ref_cold = measure_cold(
                        browser, ref, "Reference: cold load", "/", 1, -1, args.mbit
                    )
            finally:
                browser.close()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; {repeats} presses, {cold_repeats} cold loads each; ms"
        + (f"; a link of {args.mbit:g} Mbit/s, {RTT_MS:.0f} ms RTT" if args.mbit else "")
    )
    print(report(results, ref_warm, ref_cold))
    if play:
        frames = ", ".join(f"{f:.1f}" for f in play["frames_per_s"])
        print(
            f"\n{PLAY_NAME} for 3 s: {play['shown_per_s']:.1f} steps shown/s "
            f"({play['steps_per_s']:.1f} recorded steps passed/s); frames drawn per second "
            f"by each chart (boundary, loss, network): {frames}"
        )
    if args.json:
        data = {r.name: [s.__dict__ for s in r.samples] for r in [ref_warm, ref_cold, *results]}
        Path(args.json).write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
