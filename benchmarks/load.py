"""Many visitors at once: latency per action and the server's memory, in real browsers.

Run from the repository root (needs Debian's chromium and playwright):

    python benchmarks/load.py [--clients 10] [--think 2] [--pin] [--json out.json]

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 and opens ``--clients`` browser
contexts of one headless Chromium at the same time, each on its own experiment (its own link).
Each visitor moves sliders and switches pages, pausing ``--think`` seconds on average between
actions. Every action is timed twice: in the browser, from the key press or click until the
app is idle again and a chart shows new data (or the new page's charts are drawn); and in the
server, over the script runs the action caused (a wrapper times Streamlit's script runner;
the app is not changed). Actions fall in these groups:

- ``first load``: opening the link in a new browser (JS bundle, session, training);
- ``cold run``: a slider move to a config nobody trained yet (training included);
- ``cached``: a slider move back to a trained config, or a page revisited with the same config;
- ``page, first visit``: another page with an already trained config (the page's own work).

All the browsers share the machine with the server: Plotly drawing in ten headless pages
costs several times the server's CPU, so the browser times are pessimistic; ``--pin`` puts
the server on a CPU of its own. After each action the visitor checks that the URL holds its
own settings, and at the end that the sidebar shows them: sessions must never see each
other's experiment. A thread samples the server's resident memory (``/proc/<pid>/status``,
the server and its children) all along; the peak is compared with the bound the caches imply.
Traffic stays on the loopback: Chromium resolves no host name other than 127.0.0.1. The run
stops by itself after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from servers import script_runs, timed_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Config  # noqa: E402
from engine.training.loop import DEFAULT_BUDGET  # noqa: E402

MIB = 2**20
# Cache limits as the app states them (ui/runs.py, ui/optimizer_runs.py, ui/vanishing_runs.py,
# ui/upload.py, ui/layout.py).
RUN_ENTRIES = 24  # ui.runs.CACHE_ENTRIES: runs of up to DEFAULT_BUDGET of tensors each
OPTIM_ENTRIES, OPTIM_RUNS, OPTIM_BUDGET = 16, 6, 4 * MIB  # ui.optimizer_runs: up to 6 runs x 4 MiB
LAB_ENTRIES = (
    16  # ui.vanishing_runs: comparisons and sweeps keep per-layer profiles only (< 1 MiB each)
)
UPLOAD_ENTRIES, UPLOAD_BYTES = 8, 1_000_000  # ui.upload: parsed tables of files up to 1 MB
FIGURE_ENTRIES, FIGURE_BYTES = 256, 2 * MIB  # ui.layout: built figures, each under 2 MB of JSON
CACHED_GOAL_S = 2.0

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Loopback only: every host name but 127.0.0.1 fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DATASETS = ("circle", "xor", "moons", "blobs", "spiral")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "elu", "gelu")

# The app's state in one cheap call: idle or not, the active page, charts drawn, exceptions,
# and which data each chart draws. Plotly gets a new data array whenever Streamlit sends
# the chart again, so numbering those arrays tells a redrawn chart without hashing its data.
STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    const charts = Array.from(document.querySelectorAll('.bp-chart'));
    window.__dataIds = window.__dataIds || new WeakMap();
    window.__nextId = window.__nextId || 1;
    const ids = [];
    let drawn = 0;
    for (const c of charts) {
        const gd = c.querySelector('.js-plotly-plot');
        // Drawn at its width (ui/chart_view.js draws a chart once it has one).
        if (!gd || !gd.data || !gd.layout || gd.layout.width === undefined
            || !c.querySelector('.main-svg')) continue;
        drawn += 1;
        if (!window.__dataIds.has(gd.data)) window.__dataIds.set(gd.data, window.__nextId++);
        ids.push(window.__dataIds.get(gd.data));
    }
    const active = document.querySelector(
        '[data-testid="stSidebarNavLink"][aria-current="page"]');
    return {
        idle: !!app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
            && app.getAttribute('data-test-script-state') === 'notRunning'
            && !(status && status.getClientRects().length > 0)
            && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0,
        page: active ? active.innerText.trim().split('\\n').pop().trim() : '',
        charts: charts.length,
        drawn: drawn,
        data: ids.join(','),
        exceptions: document.querySelectorAll('[data-testid="stException"]').length,
    };
}"""


# -- the server and its memory ---------------------------------------------------------------


def _status_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of one process, in KiB, from /proc/<pid>/status."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


def _process_tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/<pid>/task/*/children)."""
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                todo += [int(c) for c in task.read_text().split()]
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/<pid>/stat)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return 0.0


class MemorySampler(threading.Thread):
    """Samples the summed RSS of a process tree every `every` seconds; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_kib = 0
        self.samples = 0
        # CPU seconds of the server and of the browser (our other descendants), last seen:
        # a process's time is lost once it exits, so keep the largest value per process.
        self.cpu: dict[int, tuple[str, float]] = {}
        self._stop_event = threading.Event()

    def _sample_cpu(self) -> None:
        server = set(_process_tree(self.pid))
        for pid in _process_tree(os.getpid())[1:]:
            side = "server" if pid in server else "browser"
            self.cpu[pid] = (side, max(cpu_seconds(pid), self.cpu.get(pid, ("", 0.0))[1]))

    def cpu_split(self) -> dict[str, float]:
        """CPU seconds used so far by the server and by the browser processes."""
        out = {"server": 0.0, "browser": 0.0}
        for side, seconds in self.cpu.values():
            out[side] += seconds
        return out

    def current_kib(self) -> int:
        return sum(_status_kib(p).get("VmRSS", 0) for p in _process_tree(self.pid))

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kib = max(self.peak_kib, self.current_kib())
            self._sample_cpu()
            self.samples += 1
            self._stop_event.wait(self.every)

    def stop(self) -> int:
        """Stop sampling; the peak in KiB, including the kernel's own high-water marks."""
        self._stop_event.set()
        self.join()
        hwm = sum(_status_kib(p).get("VmHWM", 0) for p in _process_tree(self.pid))
        return max(self.peak_kib, hwm)


def memory_bound_mib(baseline_mib: float, clients: int) -> dict[str, float]:
    """What the caches allow the server to hold, on top of its footprint after startup."""
    runs = RUN_ENTRIES * DEFAULT_BUDGET / MIB
    optim = OPTIM_ENTRIES * OPTIM_RUNS * OPTIM_BUDGET / MIB
    lab = LAB_ENTRIES * 2 * 1.0  # comparison + sweep per entry, each under 1 MiB
    upload = UPLOAD_ENTRIES * UPLOAD_BYTES / MIB
    figures = FIGURE_ENTRIES * FIGURE_BYTES / MIB
    # A cache hit unpickles a copy for the session's rerun: one run and one comparison at most
    # per session at a time.
    in_flight = clients * (DEFAULT_BUDGET + OPTIM_RUNS * OPTIM_BUDGET) / MIB
    total = baseline_mib + runs + optim + lab + upload + figures + in_flight
    return {
        "baseline": baseline_mib,
        "runs": runs,
        "optimizer_runs": optim,
        "lab": lab,
        "uploads": upload,
        "figures": figures,
        "in_flight": in_flight,
        "total": total,
    }


# -- one visitor -----------------------------------------------------------------------------


@dataclass
class Visitor:
    """One browser context on its own experiment, and what it measured."""

    index: int
    settings: dict[str, str]
    timings: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)  # (page, config) visited
    trained: set[str] = field(default_factory=set)  # configs whose run exists
    blocked: list[str] = field(default_factory=list)  # requests off the loopback (never sent)

    @property
    def key(self) -> str:
        return "&".join(f"{k}={v}" for k, v in sorted(self.settings.items()))


def visitor_settings(i: int) -> dict[str, str]:
    """A different small experiment per visitor (all train in well under a second alone)."""
    return {
        "dataset": DATASETS[i % len(DATASETS)],
        "activation": ACTIVATIONS[(i // len(DATASETS)) % len(ACTIVATIONS)],
        "depth": str(2 + i % 3),
        "width": str(6 + i % 4),
        "steps": str(150 + 10 * i),
        "seed": str(100 + i),
    }


SLIDERS = {"depth": "Hidden layers", "width": "Units per layer"}
# One round of a visitor's actions: (slider, setting, key) or (page, title, None).
SCRIPT = (
    ("slider", "depth", "ArrowRight"),
    ("slider", "depth", "ArrowLeft"),
    ("page", "Backward pass", None),
    ("slider", "width", "ArrowLeft"),
    ("slider", "width", "ArrowRight"),
    ("page", "Overview", None),
    ("page", "Backward pass", None),
    ("slider", "depth", "ArrowRight"),
    ("slider", "depth", "ArrowLeft"),
    ("page", "Overview", None),
)
DEFAULTS = Config().to_params()


async def _state(page) -> dict:
    return await page.evaluate(STATE_JS)


async def _until_done(page, ready, timeout: float, settle: float = 0.3) -> float:
    """Poll until `ready(state)` holds for `settle` s; return when it first held."""
    deadline = time.time() + timeout
    first = None
    while True:
        state = await _state(page)
        now = time.time()  # the clock the server logs its script runs in
        if ready(state):
            first = first if first is not None else now
            if now - first >= settle:
                return first
        else:
            first = None
        if now > deadline:
            raise TimeoutError(f"not done after {timeout:.0f} s: {state}")
        await asyncio.sleep(0.05)


def _slider(page, label: str):
    name = re.compile(rf"^\s*{re.escape(label)}\s*$")
    label_el = page.locator('[data-testid="stWidgetLabel"]', has_text=name)
    return page.locator('[data-testid="stSidebar"] [data-testid="stSlider"]').filter(has=label_el)


async def _record(v: Visitor, page, action: str, kind: str, start: float, done: float) -> None:
    state = await _state(page)
    v.timings.append(
        {"action": action, "kind": kind, "start": start, "done": done, "config": v.key}
    )
    if state["exceptions"]:
        v.problems.append(f"{action}: {state['exceptions']} exception(s) on the page")
    params = dict(parse_qsl(urlsplit(page.url).query))
    params.pop("step", None)  # the shared step picker's, not a setting
    # The URL holds the settings that differ from the defaults, and nothing else.
    expected = {k: val for k, val in v.settings.items() if DEFAULTS[k] != val}
    if params != expected:
        v.problems.append(f"{action}: URL holds {params}, expected {expected}")


async def open_link(v: Visitor, page, base: str, timeout: float) -> None:
    query = "&".join(f"{k}={val}" for k, val in v.settings.items())
    start = time.time()
    await page.goto(f"{base}/?{query}")
    done = await _until_done(page, lambda s: s["idle"] and s["drawn"] and s["page"], timeout)
    v.seen.add(("Overview", v.key))
    v.trained.add(v.key)
    await _record(v, page, "open link", "first load", start, done)


async def move_slider(v: Visitor, page, name: str, key: str, timeout: float) -> None:
    before = await _state(page)
    step = 1 if key == "ArrowRight" else -1
    v.settings[name] = str(int(v.settings[name]) + step)
    kind = "cached" if v.key in v.trained else "cold run"
    thumb = _slider(page, SLIDERS[name]).locator('input[type="range"]')
    await thumb.focus()
    start = time.time()
    await thumb.press(key)

    def ready(s: dict) -> bool:
        return s["idle"] and s["drawn"] == s["charts"] > 0 and s["data"] != before["data"]

    done = await _until_done(page, ready, timeout)
    v.trained.add(v.key)
    v.seen.add((before["page"], v.key))
    await _record(v, page, f"{name} {key[5:].lower()}", kind, start, done)


async def switch_page(v: Visitor, page, title: str, timeout: float) -> None:
    kind = "cached" if (title, v.key) in v.seen else "page, first visit"
    link = page.locator('[data-testid="stSidebarNavLink"]').filter(
        has=page.get_by_text(title, exact=True)
    )
    start = time.time()
    await link.click()

    def ready(s: dict) -> bool:
        return s["idle"] and s["page"] == title and s["drawn"] == s["charts"] > 0

    done = await _until_done(page, ready, timeout)
    v.seen.add((title, v.key))
    await _record(v, page, f"page {title}", kind, start, done)


async def check_sidebar(v: Visitor, page) -> None:
    """The sidebar shows this visitor's settings, nobody else's."""
    for name, label in SLIDERS.items():
        thumb = _slider(page, label).locator('[data-testid="stSliderThumbValue"]')
        shown = (await thumb.inner_text()).strip()
        if shown != v.settings[name]:
            v.problems.append(f"sidebar {label} shows {shown}, expected {v.settings[name]}")
    seed = page.locator('[data-testid="stSidebar"] input[aria-label="Seed"]')
    if await seed.input_value() != v.settings["seed"]:
        v.problems.append(f"sidebar Seed shows {await seed.input_value()}")
    data = page.locator('[data-testid="stSidebar"] input[aria-label="Data set"]')
    if await data.input_value() != v.settings["dataset"]:
        v.problems.append(f"sidebar Data set shows {await data.input_value()}")


async def visit(v: Visitor, browser, base: str, rounds: int, timeout: float, think: float) -> None:
    """One visitor's session: open its link, move sliders, switch pages, check isolation.

    Between actions the visitor looks at the page for `think` seconds on average (0.5 to
    1.5 times that, from a seeded generator): 0 makes every visitor act in lockstep.
    """
    rng = random.Random(v.index)

    async def pause() -> None:
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.on(
        "request",
        lambda r: v.blocked.append(r.url) if urlsplit(r.url).hostname != "127.0.0.1" else None,
    )
    try:
        await open_link(v, page, base, timeout)
        for _ in range(rounds):
            for action, arg, key in SCRIPT:
                await pause()
                if action == "slider":
                    await move_slider(v, page, arg, key, timeout)
                else:
                    await switch_page(v, page, arg, timeout)
        await check_sidebar(v, page)
    except Exception as exc:  # a stuck or broken session is a result, not a crash
        v.problems.append(f"{type(exc).__name__}: {exc}"[:300])
    finally:
        await context.close()


# -- the run ---------------------------------------------------------------------------------


def server_runs(runs_path: Path) -> dict[str, list[tuple[float, float]]]:
    """The server's script runs (start, end) by the seed in their page's query string."""
    runs: dict[str, list[tuple[float, float]]] = {}
    for run in script_runs(runs_path):
        seed = dict(parse_qsl(run["query"])).get("seed", "")
        runs.setdefault(seed, []).append((run["start"], run["end"]))
    return runs


def add_server_times(visitors: list[Visitor], runs: dict[str, list[tuple[float, float]]]) -> None:
    """Each action's server time: from the first script run it caused to the last one's end."""
    for v in visitors:
        mine = runs.get(v.settings["seed"], [])
        for t in v.timings:
            inside = [(a, b) for a, b in mine if a >= t["start"] and b <= t["done"]]
            t["seconds"] = t["done"] - t["start"]
            t["server_seconds"] = (
                max(b for _, b in inside) - min(a for a, _ in inside) if inside else None
            )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarise(visitors: list[Visitor]) -> list[dict]:
    """Count, p50, p95 and max seconds per kind of action."""
    rows = []
    for kind in ("first load", "cold run", "page, first visit", "cached"):
        actions = [t for v in visitors for t in v.timings if t["kind"] == kind]
        if not actions:
            continue
        times = [t["seconds"] for t in actions]
        server = [t["server_seconds"] for t in actions if t["server_seconds"] is not None]
        rows.append(
            {
                "kind": kind,
                "n": len(times),
                "p50_s": statistics.median(times),
                "p95_s": _pct(times, 95),
                "max_s": max(times),
                "server_n": len(server),
                "server_p50_s": statistics.median(server) if server else None,
                "server_p95_s": _pct(server, 95) if server else None,
            }
        )
    return rows


async def run_load(
    base: str, clients: int, rounds: int, timeout: float, think: float
) -> list[Visitor]:
    from playwright.async_api import async_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    visitors = [Visitor(i, visitor_settings(i)) for i in range(clients)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            await asyncio.gather(
                *(visit(v, browser, base, rounds, timeout, think) for v in visitors)
            )
        finally:
            await browser.close()
    return visitors


async def warm_up(base: str, timeout: float) -> None:
    """Load the app once (imports, JS bundle) on a config no visitor uses."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
        )
        page = await browser.new_page()
        await page.goto(f"{base}/worked_example?seed=99999&steps=20")
        await _until_done(page, lambda s: s["idle"] and s["drawn"], timeout)
        await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1, help="repeats of the action sequence")
    parser.add_argument(
        "--think", type=float, default=2.0, help="mean seconds a visitor pauses between actions"
    )
    parser.add_argument("--timeout", type=float, default=180, help="seconds per action")
    parser.add_argument("--max-seconds", type=float, default=900, help="stop the whole run")
    parser.add_argument(
        "--blas-threads",
        type=int,
        help="OPENBLAS_NUM_THREADS for the server (default: unset, and app.py then uses 1)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="server on the first CPU, browsers on the others (a visitor's browser is "
        "normally on their own machine)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    env = {} if args.blas_threads is None else {"OPENBLAS_NUM_THREADS": str(args.blas_threads)}
    log_path = Path(tempfile.mkdtemp(prefix="backprop-load-")) / "server.log"

    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) < 2:
        raise SystemExit("--pin needs at least two CPUs")
    server_cpus = {cpus[0]} if args.pin else None
    runs_path = log_path.with_name("runs.jsonl")
    with timed_server(ROOT, runs_path, log_path, env, server_cpus) as (base, proc):
        if args.pin:
            os.sched_setaffinity(0, set(cpus[1:]))  # the browser (our child) inherits this
        sampler = MemorySampler(proc.pid)
        sampler.start()
        asyncio.run(asyncio.wait_for(warm_up(base, args.timeout), args.timeout))
        baseline_mib = sampler.current_kib() / 1024
        cpu_before = sampler.cpu_split()
        started = time.monotonic()
        load = run_load(base, args.clients, args.rounds, args.timeout, args.think)
        visitors = asyncio.run(asyncio.wait_for(load, args.max_seconds))
        wall = time.monotonic() - started
        peak_mib = sampler.stop() / 1024
        cpu_after = sampler.cpu_split()
    cpu = {side: cpu_after[side] - cpu_before[side] for side in cpu_after}
    add_server_times(visitors, server_runs(runs_path))

    rows = summarise(visitors)
    bound = memory_bound_mib(baseline_mib, args.clients)
    problems = [f"visitor {v.index}: {p}" for v in visitors for p in v.problems]
    cached = next((r for r in rows if r["kind"] == "cached"), None)
    print(
        f"{args.clients} visitors x {args.rounds} round(s), think {args.think:g} s, {wall:.0f} s, "
        f"OPENBLAS_NUM_THREADS={env.get('OPENBLAS_NUM_THREADS', 'unset')}, {len(cpus)} CPUs"
        + (f" (server on CPU {cpus[0]}, browsers on the rest)" if args.pin else " shared")
    )
    print(
        f"CPU used during the load: server {cpu['server']:.0f} s, browsers {cpu['browser']:.0f} s "
        f"(of {wall * len(cpus):.0f} CPU-seconds available)"
    )
    header = (
        f"{'action':<18} {'n':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7} "
        f"{'server p50':>11} {'server p95':>11}"
    )
    print("seconds from the key press or click to the updated chart in the browser; server:")
    print("the script runs the action caused, timed inside the server (first start, last end)")
    print(header)
    print("-" * len(header))

    def fmt(x: float | None) -> str:
        return f"{x:11.2f}" if x is not None else f"{'-':>11}"

    for r in rows:
        print(
            f"{r['kind']:<18} {r['n']:>4} {r['p50_s']:7.2f} {r['p95_s']:7.2f} {r['max_s']:7.2f} "
            f"{fmt(r['server_p50_s'])} {fmt(r['server_p95_s'])}"
        )
    for what, key in (("to the chart", "p95_s"), ("server side", "server_p95_s")):
        value = cached[key] if cached else None
        verdict = "met" if value is not None and value < CACHED_GOAL_S else "NOT met"
        print(f"cached p95 {what}: goal under {CACHED_GOAL_S:.0f} s -> {verdict}")
    print(
        f"server RSS: {baseline_mib:.0f} MiB after warm-up, peak {peak_mib:.0f} MiB "
        f"({sampler.samples} samples); bound {bound['total']:.0f} MiB = baseline "
        f"+ runs {bound['runs']:.0f} + optimizer runs {bound['optimizer_runs']:.0f} "
        f"+ lab {bound['lab']:.0f} + uploads {bound['uploads']:.0f} "
        f"+ figures {bound['figures']:.0f} "
        f"+ in flight {bound['in_flight']:.0f} -> "
        + ("below" if peak_mib < bound["total"] else "ABOVE")
    )
    blocked = sorted({urlsplit(u).hostname or u for v in visitors for u in v.blocked})
    print(
        f"requests off the loopback: {sum(len(v.blocked) for v in visitors)}, all blocked by "
        f"the resolver rules (hosts: {', '.join(blocked) or 'none'})"
    )
    print(
        "isolation: every session saw only its own settings"
        if not problems
        else "problems:\n  " + "\n  ".join(problems)
    )
    if args.json:
        result = {
            "clients": args.clients,
            "rounds": args.rounds,
            "think_s": args.think,
            "wall_s": wall,
            "blas_threads": args.blas_threads,
            "cpus": len(cpus),
            "pinned": args.pin,
            "cpu_seconds": cpu,
            "latency": rows,
            "memory_mib": {"baseline": baseline_mib, "peak": peak_mib, "bound": bound},
            "problems": problems,
            "blocked_hosts": blocked,
            "timings": [{"visitor": v.index, **t} for v in visitors for t in v.timings],
        }
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
