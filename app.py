"""Backprop Lab: the Streamlit entrypoint. Sidebar controls, then the chosen page."""

import os
from pathlib import Path

# One BLAS thread per server process, set before numpy loads: every visitor's run shares
# the machine's cores, and BLAS threads fighting over them made large runs up to 10x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import streamlit as st  # noqa: E402

from engine.core.allocator import keep_freed_memory  # noqa: E402
from ui import layout, sidebar, workers  # noqa: E402
from ui.cache import freeze_imports  # noqa: E402

freeze_imports()

# The worker processes that train a page's several networks side by side (ui/workers.py),
# started with the server rather than on the first page that needs them.
workers.start()

# Let glibc reuse freed arrays instead of unmapping them (engine/core/allocator.py).
keep_freed_memory()

st.set_page_config(
    page_title="Backprop Lab",
    # A file of our own: a Material icon as favicon makes every visitor's browser fetch
    # it from Google's font servers.
    page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
    layout="wide",
    # "auto": open on a wide screen, closed on a phone (where it would cover the page).
    initial_sidebar_state="auto",
)

PAGES = {
    "One training step": [
        st.Page("app_pages/overview.py", title="Overview", icon=":material/home:", default=True),
        st.Page("app_pages/forward.py", title="Forward pass", icon=":material/arrow_forward:"),
        st.Page("app_pages/error.py", title="Error", icon=":material/target:"),
        st.Page("app_pages/backward.py", title="Backward pass", icon=":material/arrow_back:"),
        st.Page("app_pages/update.py", title="Update", icon=":material/update:"),
        st.Page("app_pages/worked_example.py", title="Worked example", icon=":material/calculate:"),
    ],
    "Training dynamics": [
        st.Page("app_pages/gradient_norms.py", title="Gradient norms", icon=":material/bar_chart:"),
        st.Page(
            "app_pages/vanishing.py", title="Vanishing gradients", icon=":material/trending_down:"
        ),
        st.Page("app_pages/optimizers.py", title="Optimizers", icon=":material/speed:"),
        st.Page(
            "app_pages/through_time.py", title="Gradients through time", icon=":material/timeline:"
        ),
        st.Page("app_pages/local_minima.py", title="Local minima", icon=":material/landscape:"),
    ],
    "Reference": [
        st.Page("app_pages/glossary.py", title="Glossary", icon=":material/menu_book:"),
    ],
}

ASSETS = Path(__file__).parent / "assets"
# The app's name above the navigation (a logo is the only element Streamlit draws there).
st.logo(str(ASSETS / "wordmark.svg"), size="large", icon_image=str(ASSETS / "icon.png"))
page = st.navigation(PAGES)
layout.note_page(page.url_path)
# The worked example uses fixed published numbers: the run's controls do not apply there.
locked = (
    "The Worked example uses fixed published numbers: these settings apply to the other pages."
    if page.url_path == "worked_example"
    else None
)
config = sidebar.draw(locked)
page.run()
sidebar.share_link(config)
