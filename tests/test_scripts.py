"""The components' scripts lose their comment lines and nothing else."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest_utils import component_nodes
from ui import chart_view, transport
from ui.scripts import component_script

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """// A comment line.
const a = "http://x"; // a comment after code stays
  // an indented comment line
const b = `// not a comment: inside a string`;
"""


def test_only_whole_comment_lines_go(tmp_path: Path) -> None:
    path = tmp_path / "c.js"
    path.write_text(SCRIPT)
    assert component_script(path) == (
        'const a = "http://x"; // a comment after code stays\n'
        "const b = `// not a comment: inside a string`;\n"
    )


def test_the_browser_gets_each_components_script_without_comment_lines() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["steps"] = "20"
    at.run()
    for name in (chart_view.NAME, transport.NAME):
        script = component_nodes(at, name)[0].proto.js_content
        assert "export default function" in script
        assert not [line for line in script.splitlines() if line.lstrip().startswith("//")]
        assert "__CHUNK__" not in script and "__TEMPLATES__" not in script
