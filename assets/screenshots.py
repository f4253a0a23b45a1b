"""Refresh the README's screenshots: every page at 1400x900, the Overview on a phone and dark.

Usage, with the app running (streamlit run app.py): python assets/screenshots.py [BASE_URL]
Needs Playwright and Debian's Chromium, as the browser tests do.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.conftest import wait_for_app  # noqa: E402

HERE = Path(__file__).parent
PAGES = {
    "overview": "",
    "forward": "forward",
    "error": "error",
    "backward": "backward",
    "worked_example": "worked_example",
    "gradient_norms": "gradient_norms",
    "vanishing": "vanishing",
    "optimizers": "optimizers",
    "update": "update",
    "through_time": "through_time",
    "local_minima": "local_minima",
}
# (file name, page, viewport, colour scheme); Any: Playwright's typed dicts and literals.
Shot = tuple[str, str, Any, Any]
EXTRA: list[Shot] = [
    ("overview_phone", "", {"width": 390, "height": 844}, "light"),
    ("overview_dark", "", {"width": 1400, "height": 900}, "dark"),
]


def main(base: str) -> None:
    """Open each page in headless Chromium and save what the viewport shows."""
    desktop = {"width": 1400, "height": 900}
    shots: list[Shot] = [(name, path, desktop, "light") for name, path in PAGES.items()]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox"]
        )
        for name, path, viewport, scheme in shots + EXTRA:
            context = browser.new_context(viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            page.goto(f"{base}/{path}")
            wait_for_app(page, timeout=240)
            page.wait_for_timeout(1000)  # Plotly's last layout pass
            page.screenshot(path=str(HERE / f"{name}.png"))
            context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501")
