"""Fixtures for the real-browser (end-to-end) tests: a Streamlit server and headless Chromium.

Fixtures
--------
``app_server`` (session)
    Starts ``python -m streamlit run app.py`` on a free port of 127.0.0.1 from the app folder
    (the repo root, or ``$BACKPROP_APP_DIR`` when set), waits for ``/_stcore/health`` to answer
    ``ok`` and yields the base URL, e.g. ``http://127.0.0.1:40123``. The server log goes to a
    temporary file; its tail is attached to the report of a failing test.
``fresh_app_server`` (function)
    Like ``app_server``, but a new server for the one test that asks for it: for what only a
    freshly started server shows (e.g. a deep link to a page as the server's first request).
``browser`` (session)
    Debian's Chromium (``shutil.which("chromium")``) driven by Playwright. When it is missing,
    the browser tests are skipped locally and fail under CI (``$CI`` set).
``page`` (function)
    A fresh context (viewport 1400x900) and page, closed after the test. A failing test gets a
    screenshot (its path is in the report).
``open_app`` (function)
    ``open_app("?depth=3")`` opens the app at that path/query, waits for the script to finish
    and returns the page.
``wait_for_app`` (function)
    The :func:`wait_for_app` helper below, as a fixture, so tests need not import conftest.
``app`` / ``fresh_app`` (function)
    An :class:`AppView` (a page object: open a path, read sidebar values, charts, alerts,
    navigate) on ``page``, for ``app_server`` or ``fresh_app_server``.

Every test under ``tests/e2e`` is marked ``e2e`` (``pytest -m e2e`` / ``-m "not e2e"``).

data-testids verified in streamlit 1.67.0's built frontend
(``streamlit/static/static/js/index.*.js``, grepped for ``"data-testid":`...```)
--------------------------------------------------------------------------------------
- App shell: ``stApp``, ``stAppViewContainer``, ``stMain``, ``stMainBlockContainer``,
  ``stHeader``, ``stToolbar``, ``stAppSkeleton``, ``stSkeleton``, ``stConnectionStatus``.
  ``stApp`` also carries ``data-test-script-state`` (``initial``, ``running``,
  ``notRunning``, ``rerunRequested``, ``stopRequested``, ``compilationError``) and
  ``data-test-connection-state`` (``INITIAL``, ``PINGING_SERVER``, ``CONNECTING``,
  ``CONNECTED``, ``DISCONNECTED_FOREVER``, ...).
- Running indicator: ``stStatusWidget`` (mounted only while the script runs or a rerun is
  offered; unmounted with a 200 ms fade otherwise), ``stStatusWidgetRunningIcon``.
- Sidebar and navigation: ``stSidebar``, ``stSidebarContent``, ``stSidebarHeader``,
  ``stSidebarUserContent``, ``stSidebarNav``, ``stSidebarNavItems``, ``stSidebarNavLink``
  (built from a template string, so it is absent from a plain quoted-string grep),
  ``stSidebarCollapseButton``, ``stExpandSidebarButton``, ``stPageLink``.
- Elements: ``stException``, ``stExceptionMessage``, ``stAlert``,
  ``stHeading`` (st.title / st.header / st.subheader), ``stMarkdown``,
  ``stMarkdownContainer``, ``stCaptionContainer``, ``stElementContainer``, ``stProgress``,
  ``stSpinner``, ``stExpander``, ``stTabs``, ``stTab``, ``stMetric``, ``stDataFrame``,
  ``stToast``.
- Widgets: ``stSlider``, ``stSliderThumbValue``, ``stSelectbox``, ``stNumberInput``,
  ``stCheckbox`` (also used by st.toggle: there is no ``stToggle``), ``stRadio``,
  ``stButton``, ``stDownloadButton``, ``stWidgetLabel``.
Not in 1.67: ``stToggle``, ``stTitle``, ``stVerticalBlock`` as a data-testid (it is a CSS
class only).

Seen in Chromium with 1.67: a slider's thumb is an ``input[type="range"]`` (react-aria; no
``role="slider"`` attribute): focus ``[data-testid="stSlider"] input[type="range"]`` and press
arrow keys. With ``client.showErrorDetails = "none"`` an exception still renders as
``stException`` but with a generic text, never the exception's message. The app scrolls inside
``stMain``, so a ``full_page`` screenshot shows no more than the viewport.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
# Some tests compare the page with the engine run in the test process: make the repo's
# packages importable even when pytest is pointed at tests/e2e alone, without an install.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

CHROMIUM_MISSING = (
    "Chromium not found: install it with `sudo apt-get install chromium` (Debian/Ubuntu) "
    "to run the browser tests"
)
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
SERVER_START_TIMEOUT = 60.0
APP_RUN_TIMEOUT = 60.0
SERVER_LOG_KEY = pytest.StashKey[Path]()
FRESH_LOG_KEY = pytest.StashKey[Path]()

# Script states of [data-testid="stApp"] in which the script is not running.
_IDLE_SCRIPT_STATES = ("notRunning", "compilationError")
_APP_STATE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const status = document.querySelector('[data-testid="stStatusWidget"]');
    return {
        script: app ? app.getAttribute('data-test-script-state') : null,
        connection: app ? app.getAttribute('data-test-connection-state') : null,
        statusVisible: !!status && status.getClientRects().length > 0,
        skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    };
}"""


def app_dir() -> Path:
    """The folder holding the app's ``app.py``: ``$BACKPROP_APP_DIR`` or the repo root."""
    return Path(os.environ.get("BACKPROP_APP_DIR") or REPO_ROOT).resolve()


def server_options(port: int) -> list[str]:
    """`streamlit run` options of a test or benchmark server: local, headless, no watcher."""
    return [
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except OSError:
        return False


def _log_tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no server log: {exc})"
    return "\n".join(text.splitlines()[-lines:])


def _stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's process group, SIGKILL it if it is still there after 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
            return


def wait_for_app(page, timeout: float = APP_RUN_TIMEOUT, settle: float = 0.5) -> None:
    """Wait until the Streamlit app has finished running its script.

    Waits for ``[data-testid="stApp"]``, then polls until the app is connected, its script
    state is ``notRunning`` (or ``compilationError``), ``[data-testid="stStatusWidget"]``
    is absent or hidden and no ``[data-testid="stSkeleton"]`` is left. That must hold for
    ``settle`` seconds in a row, which covers the moment between a widget change and the
    rerun it triggers (the browser still says ``notRunning`` until the server answers).
    Call it after ``page.goto`` and after every interaction that reruns the script.

    The skeleton check matters: the frontend loads most element types (sliders, Plotly
    charts, number inputs, ...) as lazy chunks and shows an ``stSkeleton`` placeholder until
    the chunk arrives, often seconds after the script finished on a first visit.
    """
    deadline = time.monotonic() + timeout
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout * 1000)
    idle_since: float | None = None
    state: dict = {}
    while True:
        now = time.monotonic()
        state = page.evaluate(_APP_STATE_JS)
        if state["connection"] == "DISCONNECTED_FOREVER":
            raise AssertionError(f"the app lost its connection to the server: {state}")
        idle = (
            state["connection"] == "CONNECTED"
            and state["script"] in _IDLE_SCRIPT_STATES
            and not state["statusVisible"]
            and state["skeletons"] == 0
        )
        if not idle:
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since >= settle:
            return
        if now > deadline:
            raise AssertionError(f"the app was still running after {timeout:.0f} s: {state}")
        time.sleep(0.1)


def _chromium_or_skip() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING)
    return path


# A chart (``.bp-chart``, ui/chart_view.py) is drawn once Plotly has drawn it at its width.
_CHARTS_JS = """() => {
    const charts = Array.from(document.querySelectorAll('.bp-chart'));
    const drawn = charts.filter(c => {
        const gd = c.querySelector('.js-plotly-plot');
        return gd && gd.layout && gd.layout.width !== undefined && c.querySelector('.main-svg');
    });
    return {
        total: charts.length,
        drawn: drawn.length,
        visible: drawn.filter(c => c.getClientRects().length > 0).length,
    };
}"""
_CHART_DATA_JS = """() => Array.from(document.querySelectorAll('.bp-chart'))
    .map(c => { const gd = c.querySelector('.js-plotly-plot');
                return gd && gd.data ? JSON.stringify(gd.data) : null; })"""


_WATCH_SCRIPT_STATES = """() => {
    window.__states = [];
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => window.__states.push(app.getAttribute('data-test-script-state')))
        .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def watch_script_states(page) -> None:
    """Record every change of the app's script state from now on (see script_states)."""
    page.evaluate(_WATCH_SCRIPT_STATES)


def script_states(page) -> list[str]:
    """The script states seen since watch_script_states: empty if the script never ran."""
    return page.evaluate("window.__states || []")


def luminance(css: str) -> float:
    """Relative brightness (0-255) of a CSS rgb()/rgba() colour."""
    r, g, b = (float(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def wait_until(check: Callable[[], object], timeout: float, what: str) -> object:
    """Poll ``check`` every 0.1 s until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


class AppView:
    """One browser page on the app: what the tests do to it and read from it.

    Widgets are found by their visible label, elements by their ``data-testid``, so the
    tests do not depend on a page's layout.
    """

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.sidebar = page.locator('[data-testid="stSidebar"]')

    # -- acting ------------------------------------------------------------------------

    def open(self, path: str = "") -> AppView:
        """Go to ``base_url + path`` (e.g. ``"/forward?depth=3"``) and wait for the app."""
        self.page.goto(self.base_url + path)
        self.wait()
        return self

    def wait(self, timeout: float = APP_RUN_TIMEOUT) -> None:
        """Wait until the script finished and every lazily loaded element is drawn."""
        wait_for_app(self.page, timeout)

    def until(self, check: Callable[[], object], timeout: float, what: str) -> object:
        """:func:`wait_until` ``check`` is truthy, so tests need not import conftest."""
        return wait_until(check, timeout, what)

    def press_slider(self, label: str, key: str = "ArrowRight") -> None:
        """Press ``key`` on the sidebar slider ``label``; wait for the URL and the rerun."""
        before = self.page.url
        thumb = self.slider(label).locator('input[type="range"]')
        thumb.focus()
        thumb.press(key)
        wait_until(lambda: self.page.url != before, 15, f"the URL to change after {label}")
        self.wait()

    def go_to_page(self, title: str) -> None:
        """Click ``title`` in the sidebar navigation and wait until that page is drawn."""
        links = self.sidebar.locator('[data-testid="stSidebarNavLink"]')
        links.filter(has=self.page.get_by_text(title, exact=True)).click()
        wait_until(lambda: self.active_page() == title, 30, f"page {title!r} to be active")
        self.wait()

    # -- reading -----------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The URL path, e.g. ``/`` or ``/forward``."""
        return urlsplit(self.page.url).path

    def count_received_bytes(self) -> list[int]:
        """From now on, the size of every websocket message the page receives (a list that
        grows as they arrive)."""
        received: list[int] = []
        cdp = self.page.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.on(
            "Network.webSocketFrameReceived",
            lambda event: received.append(len(event["response"]["payloadData"])),
        )
        return received

    def step_slider(self):
        """The thumb of the page's Step slider, in the main area."""
        return (
            self.page.locator('[data-testid="stMain"] [data-testid="stSlider"]')
            .filter(has=self.page.get_by_text("Step", exact=True))
            .locator('input[type="range"]')
        )

    def params(self) -> dict[str, str]:
        """The URL's query parameters (the last value of a repeated one)."""
        return dict(parse_qsl(urlsplit(self.page.url).query, keep_blank_values=True))

    def active_page(self) -> str:
        """Title of the page the sidebar navigation marks as current."""
        link = self.sidebar.locator('[data-testid="stSidebarNavLink"][aria-current="page"]')
        if link.count() != 1:
            return ""
        # The link's text starts with its Material icon's ligature name on its own line.
        return link.inner_text().strip().splitlines()[-1].strip()

    def charts_drawn(self, minimum: int = 1, timeout: float = 30) -> int:
        """Wait until at least ``minimum`` Plotly charts are on the page, every one has drawn
        its SVG and at least one is displayed; return how many there are."""

        def drawn() -> int:
            state = self.page.evaluate(_CHARTS_JS)
            ok = state["total"] >= minimum and state["drawn"] == state["total"]
            return state["total"] if ok and state["visible"] > 0 else 0

        return int(wait_until(drawn, timeout, f"{minimum}+ drawn Plotly charts"))

    def chart_data(self) -> list[str | None]:
        """Every chart's Plotly ``data`` (the traces it draws now) as JSON, in page order."""
        return self.page.evaluate(_CHART_DATA_JS)

    def exceptions(self) -> list[str]:
        """Text of every exception element on the page."""
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def alerts(self, kind: str) -> list[str]:
        """Text of every ``kind`` alert (success, info, warning, error) on the page."""
        testid = f"stAlertContent{kind.capitalize()}"
        return self.page.locator(f'[data-testid="{testid}"]').all_inner_texts()

    def dialogs(self) -> list[str]:
        """Text of Streamlit's modal dialogs (e.g. "Page not found")."""
        return self.page.locator('[role="dialog"]').all_inner_texts()

    def slider(self, label: str):
        """The sidebar slider (or select slider) whose label is ``label``."""
        return self._widget("stSlider", label)

    def slider_value(self, label: str) -> str:
        """The value a sidebar slider's thumb shows."""
        return self.slider(label).locator('[data-testid="stSliderThumbValue"]').inner_text()

    def select_value(self, label: str) -> str:
        """The option a sidebar selectbox shows."""
        return self._widget("stSelectbox", label).locator('input[role="combobox"]').input_value()

    def select_enabled(self, label: str) -> bool:
        """Whether a sidebar selectbox can be changed."""
        return self._widget("stSelectbox", label).locator('input[role="combobox"]').is_enabled()

    def number_value(self, label: str) -> str:
        """The value a sidebar number input shows."""
        field = self._widget("stNumberInput", label).locator('[data-testid="stNumberInputField"]')
        return field.input_value()

    def metric(self, label: str) -> str:
        """The value of the metric tile whose label is ``label`` (case-insensitive)."""
        tiles = self.page.locator('[data-testid="stMetric"]')
        for text in tiles.all_inner_texts():
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if len(lines) >= 2 and lines[0].lower() == label.lower():
                return lines[1]
        raise AssertionError(f"no metric {label!r} among {tiles.all_inner_texts()}")

    def _widget(self, testid: str, label: str):
        name = re.compile(rf"^\s*{re.escape(label)}\s*$")
        label_el = self.page.locator('[data-testid="stWidgetLabel"]', has_text=name)
        widget = self.sidebar.locator(f'[data-testid="{testid}"]').filter(has=label_el)
        if widget.count() != 1:
            raise AssertionError(f"expected one sidebar {testid} labelled {label!r}")
        return widget


# -- hooks -------------------------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when != "call" or not report.failed:
        return report
    funcargs = getattr(item, "funcargs", {})
    page = funcargs.get("page")
    if page is not None and not page.is_closed():
        shots = Path(tempfile.gettempdir()) / "backprop-lab-e2e"
        shots.mkdir(parents=True, exist_ok=True)
        shot = shots / (re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid) + ".png")
        try:
            page.screenshot(path=str(shot))
            report.sections.append(("e2e screenshot", str(shot)))
        except Exception as exc:  # the page may be gone; the report matters more
            report.sections.append(("e2e screenshot", f"failed: {exc}"))
    log = item.config.stash.get(SERVER_LOG_KEY, None)
    if log is not None:
        report.sections.append(("streamlit server log (tail)", _log_tail(log)))
    fresh_log = item.stash.get(FRESH_LOG_KEY, None)
    if fresh_log is not None:
        report.sections.append(("fresh streamlit server log (tail)", _log_tail(fresh_log)))
    return report


# -- fixtures ----------------------------------------------------------------------------


@contextlib.contextmanager
def streamlit_server(folder: Path, log_path: Path) -> Iterator[str]:
    """Run ``streamlit run app.py`` from ``folder`` on a free loopback port; yield its base URL.

    Waits for ``/_stcore/health`` to answer ``ok`` (failing the test with the log's tail if
    the server exits or does not answer in time) and stops the server's process group on exit.
    """
    if not (folder / "app.py").is_file():
        pytest.fail(f"no app.py in {folder} (set BACKPROP_APP_DIR?)", pytrace=False)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", *server_options(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole at the end
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _health_ok(base_url):
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with code {proc.returncode} before it was healthy:\n"
                    + _log_tail(log_path),
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {base_url}/_stcore/health within "
                    f"{SERVER_START_TIMEOUT:.0f} s:\n" + _log_tail(log_path),
                    pytrace=False,
                )
            time.sleep(0.2)
        yield base_url
    finally:
        _stop_process_group(proc)


@pytest.fixture(scope="session")
def app_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Base URL of a Streamlit server running the app, shared by the whole session."""
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    request.config.stash[SERVER_LOG_KEY] = log_path
    with streamlit_server(app_dir(), log_path) as base_url:
        yield base_url


@pytest.fixture
def fresh_app_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Base URL of a Streamlit server started for this test alone (nothing visited yet)."""
    log_path = tmp_path / "fresh-server.log"
    request.node.stash[FRESH_LOG_KEY] = log_path
    with streamlit_server(app_dir(), log_path) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium, driven by Playwright, shared by the whole session."""
    executable = _chromium_or_skip()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        message = f"playwright is not installed ({exc}): pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """A new page in a new browser context (viewport 1400x900), closed after the test."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture() -> Callable[..., None]:
    """The :func:`wait_for_app` helper, for tests that would rather not import conftest."""
    return wait_for_app


@pytest.fixture
def open_app(page, app_server: str) -> Callable[[str], object]:
    """``open_app(path="")``: go to the app (``path`` may be ``"?a=1"`` or ``"/page?a=1"``),
    wait until its script finished and return the page."""

    def _open(path: str = "") -> object:
        page.goto(app_server + path)
        wait_for_app(page)
        return page

    return _open


@pytest.fixture
def app(page, app_server: str) -> AppView:
    """An :class:`AppView` of ``page`` on the session's server."""
    return AppView(page, app_server)


@pytest.fixture
def fresh_app(page, fresh_app_server: str) -> AppView:
    """An :class:`AppView` of ``page`` on a server started for this test alone."""
    return AppView(page, fresh_app_server)
