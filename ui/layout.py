"""Building blocks every page shares: header, hints, banners, step picker, charts, downloads."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from urllib.parse import urlencode

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from engine import Run
from engine.analysis.health import assess_run, suggested_lr
from ui import chart_view
from ui.page_params import PAGE_PARAMS
from ui.runs import CACHE_TTL, config, data_key
from ui.sentences import health_message
from ui.settings import LR_GRID, SETTING_LABELS, SETTINGS
from ui.text import plain
from viz.frames import copy_figure
from viz.style import TEMPLATES, margin, roomy_margins

STEP_KEY = "step"
RAW_STEP_KEY = "_raw_step"  # the step a shared link asked for, checked once
# A short toolbar: one row above the title even on a phone (zoom, pan, reset, download).
PLOTLY_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"scale": 2},
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"],
}


LOG_LOSS_KEY = "log_loss"
PAGE_KEY = "_page"  # the page the session's last run drew
ANEW_KEY = "_page_anew"  # whether this run draws its page anew


def share_url() -> str:
    """The address that reproduces this page: the run's settings, the step, page choices."""
    cfg = config()
    params = cfg.changed_params()
    if cfg.dataset.startswith("upload_"):
        params.pop("dataset", None)
    step = st.session_state.get(STEP_KEY)
    if step is not None:
        params[STEP_KEY] = str(step)
    # Page-local choices (a sample, an example): the widget's value of this rerun (the URL
    # catches up only when the widget is drawn, after this header), else the URL's.
    for k, spec in PAGE_PARAMS.items():
        value = st.session_state.get(k, st.query_params.get(k))
        if value is not None and value != spec.default and str(value) != str(spec.default):
            params[k] = str(value).lower() if isinstance(value, bool) else str(value)
    base = st.context.url or ""
    query = urlencode(params)
    return f"{base}?{query}" if query else base or "?"


def header(title: str, intro: str, link_later: bool = False) -> DeltaGenerator:
    """Page title, a copy-link button and a one-paragraph introduction; the link's container.

    Drawn before the page fetches its run, so a cold link shows what the page is about
    while the network trains. With `link_later`, the page's step fragment writes the link
    into the returned container (share_link), so it follows the step without a full rerun.
    """
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.title(title)
    with right.popover("Copy link", icon=":material/link:", width="stretch"):
        link = st.container()
    if not link_later:
        with link:
            share_link()
    st.markdown(intro)
    return link


def share_link() -> None:
    """The address of this page as it is now, ready to copy."""
    st.code(share_url(), language=None, wrap_lines=True)
    st.caption("Anyone who opens this link sees exactly this run, at this step.")


# A widget bound with bind="query-params" writes its displayed label (format_func's text)
# into the URL; these two keep the short option value there instead ("example=koech").
def start_from_link(key: str) -> None:
    """Start a page-local widget at the link's value (checked on load), else its default."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(key, PAGE_PARAMS[key].default)


def keep_in_link(key: str, value: object) -> None:
    """Put a page-local choice into the URL, left out when it is the default."""
    if value == PAGE_PARAMS[key].default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


def set_settings(settings: dict[str, object]) -> None:
    """A button's on_click: set sidebar settings (their widgets and the URL follow)."""
    for key, value in settings.items():
        st.session_state[key] = value


def apply_button(label: str, settings: dict[str, object], key: str) -> None:
    """A button that applies the settings a hint names."""
    st.button(label, key=key, icon=":material/tune:", on_click=set_settings, args=(settings,))


def loss_scale() -> bool:
    """The shared loss-axis toggle: linear by default on every page, log when switched on.

    One URL key for all pages, so the choice follows the user from page to page.
    """
    return st.toggle(
        "Log loss axis",
        key=LOG_LOSS_KEY,
        bind="query-params",
        help="Linear (the default) shows how far the loss fell; a log axis shows the slow "
        "progress late in training and losses that span powers of ten.",
    )


def try_this(
    text: str,
    apply: dict[str, object] | None = None,
    key: str = "try",
    label: str | None = None,
) -> None:
    """A hint that names a control to move, with a button that moves it when `apply` is given."""
    st.info(f"**Try this:** {text}", icon=":material/lightbulb:")
    if apply:
        names = ", ".join(
            f"{SETTING_LABELS[k]} {_shown(v)}" for k, v in apply.items() if k in SETTINGS
        )
        apply_button(label or f"Set {names}", apply, key)


def _shown(value: object) -> str:
    """A setting's value as a button names it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def divergence_banner(run: Run) -> None:
    """Say so, plainly, when training diverged."""
    if run.diverged_at is not None:
        st.error(
            f"Training diverged at step {run.diverged_at} (the loss became "
            f"{run.loss[run.diverged_at]}): lower the **Learning rate**. "
            f"Everything up to step {run.diverged_at} is still shown.",
            icon=":material/warning:",
        )


def health_banner(run: Run, key: str = "health") -> None:
    """Name a run that went wrong without a NaN (blow-up or stall), its cause, what to try."""
    if run.diverged_at is not None:
        return  # divergence_banner says it
    health = assess_run(run)
    if health.kind == "ok":
        return
    cfg = run.config
    text = health_message(health, cfg.depth, cfg.activation)
    lower = suggested_lr(cfg.lr, LR_GRID, SETTINGS["lr"].default)
    if health.kind == "blowup":
        st.error(text, icon=":material/trending_up:")
        apply_button(f"Set the learning rate to {lower:g}", {"lr": lower}, f"{key}_lr")
        return
    st.warning(text, icon=":material/trending_flat:")
    if health.cause == "rising":
        apply_button(f"Set the learning rate to {lower:g}", {"lr": lower}, f"{key}_lr")
    elif health.cause == "vanishing":
        left, right = st.columns(2)
        with left:
            apply_button("Add residual connections", {"residual": True}, f"{key}_res")
        right.page_link(
            "app_pages/vanishing.py", label="Vanishing gradients", icon=":material/trending_down:"
        )
    elif health.cause == "dead":
        apply_button("Switch to leaky_relu", {"activation": "leaky_relu"}, f"{key}_act")
    else:
        higher = min((v for v in LR_GRID if v > cfg.lr), default=cfg.lr)
        apply_button(f"Set the learning rate to {higher:g}", {"lr": higher}, f"{key}_lr")


def note_page(url_path: str) -> None:
    """Remember the page this run draws (called by the entrypoint before the page runs)."""
    st.session_state[ANEW_KEY] = st.session_state.get(PAGE_KEY) != url_path
    st.session_state[PAGE_KEY] = url_path


def drawn_anew() -> bool:
    """Whether this run draws its page anew (a first visit, or another page before), so none
    of the page's charts is on screen yet; False for a rerun of the page on screen."""
    return bool(st.session_state.get(ANEW_KEY, True))


def step_picker(run: Run, label: str = "Step") -> int:
    """A slider over the run's recorded steps, shared by the pages and kept in the URL.

    Not bound to the URL: Streamlit drops a bound widget's parameter from the address when
    the page changes, so the step is written to the URL here, like the lesson's choices
    (and left out at the last step, where a link without it opens).
    """
    steps = run.recorded_steps
    current = st.session_state.get(STEP_KEY)
    raw = st.session_state.pop(RAW_STEP_KEY, None)
    if raw is not None and not (raw.isdigit() and int(raw) in steps):
        st.warning(
            f"step: {plain(raw)} is not a recorded step of this run; showing step {steps[-1]}."
        )
    if current is None:
        # The session's first slider: the link decides (checked on load), else the last step.
        linked = st.query_params.get(STEP_KEY, "")
        current = int(linked) if linked.isdigit() else steps[-1]
    # Each page's slider is a separate widget: carry the chosen step over explicitly.
    st.session_state[STEP_KEY] = current if current in steps else steps[-1]
    step = int(
        st.select_slider(
            label,
            options=steps,
            key=STEP_KEY,
            help=f"Full tensors are recorded at {len(steps)} of the {run.steps_run} steps "
            f"(every {run.stride}), always including the first and the last.",
        )
    )
    if step == steps[-1]:
        st.query_params.pop(STEP_KEY, None)
    elif st.query_params.get(STEP_KEY) != str(step):
        st.query_params[STEP_KEY] = str(step)
    return step


# Built figures, shared by all sessions: Plotly's object model makes building a figure
# cost tens of milliseconds, rendering one a fraction of that.
FIGURE_CACHE_ENTRIES = 256
SPEC_ATTR = "_bp_spec"  # a cached figure's JSON once encoded (None until then)


@st.cache_resource(max_entries=FIGURE_CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _cached_figure(name: str, key: Hashable, _build: Callable[[], go.Figure]) -> go.Figure:
    fig = with_room(_build())
    setattr(fig, SPEC_ATTR, None)  # shared read-only from here on: its JSON can be kept
    return fig


def figure(build: Callable[..., go.Figure], key: Hashable, *args, **kwargs) -> go.Figure:
    """build(*args, **kwargs), built once per `key`: everything the figure depends on.

    The key must name the run (its Config and data_key()) and every view setting; the
    figure is shared read-only, so callers must not modify it.
    """
    name = f"{build.__module__}.{build.__qualname__}"
    return _cached_figure(name, (key, data_key()), lambda: build(*args, **kwargs))


def theme_type() -> str:
    """The viewer's theme, "light" or "dark" (light until the browser has said)."""
    return "dark" if st.context.theme.type == "dark" else "light"


def _needs_room(fig: go.Figure) -> dict[str, int] | None:
    """The margins roomy_margins asks for, or None when the figure has them already."""
    room = roomy_margins(fig)
    return None if all(margin(fig, side) == v for side, v in room.items()) else room


def with_room(fig: go.Figure) -> go.Figure:
    """`fig`, changed in place, with roomy margins: for a figure no one else holds yet."""
    room = _needs_room(fig)
    if room is not None:
        fig.update_layout(margin=room)
    return fig


def themed(fig: go.Figure, theme: str) -> go.Figure:
    """The figure in the viewer's theme, with roomy margins: a copy when either changes it.

    Figures are built light and may be shared from the cache, so they are never changed
    here; the cached ones got their margins when built (with_room).
    """
    room = _needs_room(fig)
    dark = theme == "dark"
    if room is None and not dark:
        return fig
    out = copy_figure(fig)
    if room is not None:
        out.update_layout(margin=room)
    if dark:
        out.update_layout(template=TEMPLATES["dark"])
    return out


def _spec(fig: go.Figure) -> bytes:
    """The chart's JSON: `fig` with roomy margins and the app's chart settings.

    The same for both themes: the chart takes the page's template in the browser
    (ui/chart_view.js), at its first draw and whenever the viewer switches. Kept on a
    shared figure (read-only): a rerun that changes nothing in it encodes it once.
    """
    kept = getattr(fig, SPEC_ATTR, None)
    if kept is not None:
        return kept
    figure = pio.to_json(themed(fig, "light"), validate=False)
    spec = f'{{"config": {json.dumps(PLOTLY_CONFIG)}, {figure[1:]}'.encode()
    if hasattr(fig, SPEC_ATTR):
        setattr(fig, SPEC_ATTR, spec)
    return spec


def chart(fig: go.Figure, key: str) -> None:
    """Show a Plotly figure at full width in the viewer's theme with the app's chart settings."""
    chart_view.show(_spec(fig), key)


def preview_chart(fig: go.Figure, key: str) -> None:
    """Show a chart drawn once while the run trains, in Streamlit's own chart element.

    Streamlit starts loading Plotly as soon as its element arrives; the app's charts load it
    only after their component's script, which on a cold link came about 0.3 s later.
    """
    st.plotly_chart(
        themed(fig, theme_type()), width="stretch", key=key, config=PLOTLY_CONFIG, theme=None
    )


def downloads(run: Run, key: str = "dl") -> None:
    """Download buttons for the run's per-step scalars (CSV) and recorded tensors (.npz)."""
    left, right = st.columns(2)
    left.download_button(
        "Download per-step records (CSV)",
        data=run.scalars_csv,
        file_name="backprop_lab_records.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    right.download_button(
        "Download recorded tensors (.npz)",
        data=run.tensors_npz,
        file_name="backprop_lab_tensors.npz",
        mime="application/octet-stream",
        key=f"{key}_npz",
        icon=":material/download:",
        on_click="ignore",
    )
