"""The scripts of the app's components, as the browser gets them."""

from __future__ import annotations

from pathlib import Path


def component_script(path: Path) -> str:
    """The script at `path` without its comment lines (lines that hold only a // comment).

    Streamlit sends a component's script with every update of the component: each new
    chart carried its script's comments, a third of its size.
    """
    lines = path.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("//")) + "\n"
