"""Sidebar controls for the whole experiment, bound to the URL so the address is a share link."""

from __future__ import annotations

import streamlit as st

from engine import Config
from engine.core.activations import ACTIVATIONS
from engine.core.initializers import INITS
from engine.core.losses import VALID_OUTPUTS
from engine.core.optimizers import OPTIMIZERS
from engine.training.config import TASK_LOSSES, TASK_OUTPUTS
from engine.training.datasets import DATASETS, task_of
from ui import upload
from ui.layout import RAW_STEP_KEY, STEP_KEY
from ui.page_params import PAGE_PARAMS, clean_page_params
from ui.runs import CONFIG_KEY, UPLOAD_KEY
from ui.settings import (
    BATCH_GRID,
    DATASET_LABELS,
    DROPOUT_GRID,
    INIT_LABELS,
    INIT_STD_GRID,
    LR_GRID,
    NOISE_GRID,
    SETTINGS,
    SHARE_GRID,
    STREAMLIT_PARAMS,
    WEIGHT_DECAY_GRID,
    config_from_params,
    slider_range,
)
from ui.text import plain

CLEANED_KEY = "_url_cleaned"
URL_WARNINGS_KEY = "_url_warnings"
URL_CONFIG_KEY = "_url_config"
BOUND_KEYS = tuple(SETTINGS)


def clean_url_once() -> None:
    """On a session's first run, validate the link's parameters and rewrite the URL clean.

    Streamlit silently drops a bound value it cannot use; we want to clamp instead and
    say what changed. So before any bound widget exists we rewrite the URL with the
    validated values and rerun; the widgets then start from the clean URL.
    """
    if st.session_state.get(CLEANED_KEY):
        return
    st.session_state[CLEANED_KEY] = True
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    last = {k: v[-1] if v else "" for k, v in raw.items()}
    page_local, page_warnings = clean_page_params(last)
    params = {k: v for k, v in last.items() if k != STEP_KEY and k not in PAGE_PARAMS}
    cfg, warnings = config_from_params(params)
    warnings += page_warnings
    st.session_state[URL_WARNINGS_KEY] = warnings
    st.session_state[URL_CONFIG_KEY] = cfg
    clean = cfg.changed_params()
    clean.update(page_local)
    clean.update({k: v[-1] for k, v in raw.items() if k.lower() in STREAMLIT_PARAMS and v})
    step = raw.get(STEP_KEY, [""])[-1]
    if step:
        st.session_state[RAW_STEP_KEY] = step
        if step.isdigit() and len(step) < 10:
            clean[STEP_KEY] = step
    if clean != last:
        st.query_params.clear()
        st.query_params.update(clean)
        st.rerun()


def _reset() -> None:
    for key in BOUND_KEYS:
        st.session_state[key] = SETTINGS[key].default
    st.session_state.pop(STEP_KEY, None)
    st.session_state.pop(UPLOAD_KEY, None)


def _default(key: str, options: tuple | None = None):
    value = SETTINGS[key].default
    return value if options is None or value in options else options[0]


def _selectbox(box, label: str, options: tuple, key: str, **kwargs):
    """A select box bound to the URL, starting at the setting's default.

    Its default must match Config's, since the URL leaves out default values. When the
    options change (loss and output follow the task), Streamlit moves a value that is no
    longer offered back to this default.
    """
    index = options.index(_default(key, options))
    return box.selectbox(label, options, index=index, key=key, bind="query-params", **kwargs)


def _select_slider(box, label: str, options: tuple, key: str, **kwargs):
    """A select slider bound to the URL, starting at the setting's default."""
    return box.select_slider(
        label, options, value=_default(key), key=key, bind="query-params", **kwargs
    )


def _int_slider(box, label: str, key: str, **kwargs):
    """An integer slider over the setting's own bounds in the settings table, bound to the URL."""
    return box.slider(
        label,
        *slider_range(key),
        _default(key),
        key=key,
        bind="query-params",
        **kwargs,
    )


def draw(locked: str | None = None) -> Config:
    """Draw every control and return the validated Config they describe.

    The essentials come first; the rest waits in a collapsed "More settings". With `locked`
    (a page that does not use the run says why), every control is disabled and the reason
    shown above them.
    """
    clean_url_once()
    sb = st.sidebar
    off = locked is not None
    if off:
        sb.info(locked, icon=":material/lock:")
    essentials = sb.container()
    uploaded = upload.controls(sb)
    more = sb.expander("More settings", expanded=False, icon=":material/tune:")
    values: dict = {}

    values["dataset"] = _selectbox(
        essentials,
        "Data set",
        DATASETS,
        "dataset",
        disabled=off or uploaded is not None,
        help="; ".join(f"{k}: {v}" for k, v in DATASET_LABELS.items()),
    )
    values["depth"] = _int_slider(essentials, "Hidden layers", "depth", disabled=off)
    values["width"] = _int_slider(essentials, "Units per layer", "width", disabled=off)
    values["activation"] = _selectbox(
        essentials, "Activation", tuple(ACTIVATIONS), "activation", disabled=off
    )
    values["optimizer"] = _selectbox(essentials, "Optimizer", OPTIMIZERS, "optimizer", disabled=off)
    values["lr"] = _select_slider(essentials, "Learning rate", LR_GRID, "lr", disabled=off)
    values["steps"] = _int_slider(essentials, "Steps", "steps", disabled=off)

    more.caption("Data")
    values["noise"] = _select_slider(more, "Noise", NOISE_GRID, "noise", disabled=off)
    values["samples"] = _int_slider(more, "Samples", "samples", step=10, disabled=off)
    values["train_share"] = _select_slider(
        more,
        "Training share",
        SHARE_GRID,
        "train_share",
        disabled=off,
        help="The rest is the test set, never trained on.",
    )
    more.caption("Network")
    values["init"] = _selectbox(
        more, "Init", INITS, "init", disabled=off, help="; ".join(INIT_LABELS.values())
    )
    values["init_std"] = _select_slider(
        more,
        "Init std (for 'normal')",
        INIT_STD_GRID,
        "init_std",
        disabled=off or st.session_state.get("init", _default("init")) != "normal",
    )
    left, right = more.columns(2)
    values["residual"] = left.checkbox(
        "Residual",
        value=False,
        key="residual",
        bind="query-params",
        help="h' = h + f(z)",
        disabled=off,
    )
    values["layer_norm"] = right.checkbox(
        "LayerNorm", value=False, key="layer_norm", bind="query-params", disabled=off
    )
    values["dropout"] = _select_slider(more, "Dropout", DROPOUT_GRID, "dropout", disabled=off)
    more.caption("Training")
    task = uploaded.task if uploaded is not None else task_of(values["dataset"])
    losses = TASK_LOSSES[task]
    values["loss"] = _selectbox(more, "Loss", losses, "loss", disabled=off)
    outputs = tuple(o for o in TASK_OUTPUTS[task] if o in VALID_OUTPUTS[values["loss"]])
    values["output"] = _selectbox(more, "Output function", outputs, "output", disabled=off)
    values["batch_size"] = _select_slider(
        more, "Batch size", BATCH_GRID, "batch_size", disabled=off
    )
    values["weight_decay"] = _select_slider(
        more,
        "Weight decay",
        WEIGHT_DECAY_GRID,
        "weight_decay",
        disabled=off,
        help="0 means the optimizer's default: none, or 0.01 for AdamW.",
    )
    values["seed"] = more.number_input(
        "Seed",
        *slider_range("seed"),
        _default("seed"),
        step=1,
        key="seed",
        bind="query-params",
        disabled=off,
    )
    if uploaded is not None:
        values["dataset"] = f"upload_{uploaded.task}"
    cfg, warnings = Config.from_dict(values)
    st.session_state[CONFIG_KEY] = cfg
    more.button("Reset to defaults", on_click=_reset, icon=":material/restart_alt:", disabled=off)
    _show_warnings(cfg, warnings)
    return cfg


def _show_warnings(cfg: Config, warnings: list[str]) -> None:
    # The link's warnings stay up until the user changes a setting.
    url_warnings = st.session_state.get(URL_WARNINGS_KEY, [])
    if url_warnings and st.session_state.get(URL_CONFIG_KEY) == cfg:
        st.warning(
            "Some settings in this link were fixed:\n\n"
            + "\n".join(f"- {plain(w)}" for w in url_warnings),
            icon=":material/link_off:",
        )
    if warnings:
        st.warning("\n".join(f"- {plain(w)}" for w in warnings), icon=":material/tune:")


def share_link(cfg: Config) -> None:
    """At the foot of the sidebar, the note an uploaded data set needs (its file can't travel)."""
    if cfg.dataset.startswith("upload_"):
        st.sidebar.caption(
            "Your uploaded file can't travel in a link: whoever opens it sees the same "
            "network trained on a built-in data set."
        )
