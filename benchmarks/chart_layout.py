"""Count chart layout problems on every page, at 1400 and 390 px, for a few links.

Usage, with the app running: python benchmarks/chart_layout.py [BASE_URL]
Prints, per width, page and link, how many problems tests/e2e/chart_layout.py finds
(overlapping labels, legends on plots, log labels off powers of ten, text cut off at a
chart's edge, a toolbar on a title) and the first few of them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.chart_layout import PAGES, problems  # noqa: E402
from tests.e2e.conftest import wait_for_app  # noqa: E402

LINKS = ["", "depth=20&activation=sigmoid", "depth=1&width=1", "dataset=sine", "dataset=spiral3"]
VIEWPORTS = [{"width": 1400, "height": 900}, {"width": 390, "height": 844}]
SHOWN = 6  # problems printed per page


def main(base: str) -> int:
    """Visit every page with every link at both widths; return the number of problems."""
    total = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), headless=True, args=["--no-sandbox"]
        )
        for viewport in VIEWPORTS:
            page = browser.new_context(viewport=viewport).new_page()  # type: ignore[arg-type]
            for link in LINKS:
                for name in PAGES:
                    page.goto(f"{base}/{name}?{link}")
                    wait_for_app(page, timeout=240)
                    found = problems(page)
                    total += len(found)
                    print(viewport["width"], f"/{name}?{link}", len(found), flush=True)
                    for line in found[:SHOWN]:
                        print("   ", line)
        browser.close()
    print("total", total)
    return total


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501")
