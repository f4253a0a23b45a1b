"""Shared by the browser and load benchmarks: a Streamlit server whose script runs are timed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import server_options  # noqa: E402

# Run as `python -c TIMED_SERVER RUNS_LOG <streamlit run options>`: `streamlit run app.py`,
# appending one JSON line per script run to RUNS_LOG: its start and end (wall clock, to
# compare with the browser's clock and the driver's) and the page's query string.
TIMED_SERVER = """
import json, sys, threading, time
from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

log_path, lock = sys.argv[1], threading.Lock()
inner = script_runner.exec_func_with_error_handling

def timed(func, ctx):
    start = time.time()
    try:
        return inner(func, ctx)
    finally:
        line = {"start": start, "end": time.time(), "query": ctx.query_string}
        with lock, open(log_path, "a") as out:
            out.write(json.dumps(line) + "\\n")

script_runner.exec_func_with_error_handling = timed
sys.argv = ["streamlit", "run", "app.py", *sys.argv[2:]]
sys.exit(cli.main())
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    """Whether the Streamlit server at `url` answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.read().strip() == b"ok"
    except OSError:
        return False


@contextlib.contextmanager
def timed_server(
    folder: Path,
    runs_log: Path,
    server_log: Path,
    env_extra: dict[str, str] | None = None,
    cpus: set[int] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` in `folder` on 127.0.0.1 (on `cpus` if given), its script runs
    timed into `runs_log`; yields (base URL, process) once it answers, stops it on exit."""
    port = free_port()
    cmd = [sys.executable, "-c", TIMED_SERVER, str(runs_log), *server_options(port)]
    env = {**os.environ, **(env_extra or {}), "PYTHONUNBUFFERED": "1"}
    with open(server_log, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
            preexec_fn=None if cpus is None else lambda: os.sched_setaffinity(0, cpus),
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {server_log}")
            time.sleep(0.2)
        yield url, proc
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
                break


def script_runs(runs_log: Path) -> list[dict]:
    """The script runs a timed server logged so far: start, end (wall clock) and query."""
    if not runs_log.exists():
        return []
    return [json.loads(line) for line in runs_log.read_text().splitlines() if line.strip()]
