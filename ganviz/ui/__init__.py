"""Shared streamlit pieces: page header, formula card, seed, session-owned live runs, run controls,
the live panel fragment and the device badge. Pages call these; the core never imports streamlit."""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from typing import Callable

import streamlit as st
import torch

from ganviz.live import Busy, LiveRun, RunSlot, Snapshot
from ganviz.reattach import REGISTRY


def _ensure_app_navigation() -> None:
    """When a deep link (e.g. /playground) is the server's very first request, Streamlit runs that page alone in
    its legacy pages/ mode — without app.py, so without its sections, layout and badge — until app.py has run
    once. Leave that mode and rerun through app.py's st.navigation (same URL, same page)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(title: str, notice: str, intro: str | None = None) -> None:
    """Title, an optional one-paragraph intro, and the one-line "What to notice"."""
    _ensure_app_navigation()
    st.title(title)
    if intro:
        st.markdown(intro)
    st.info(f"**What to notice:** {notice}", icon=":material/visibility:")


def init_state(prefix: str, defaults: dict) -> None:
    """Default widget values in session_state (keys "<prefix>_<name>"), set once per session."""
    for k, v in defaults.items():
        st.session_state.setdefault(f"{prefix}_{k}", v)


def _apply_preset(prefix: str, defaults: dict, values: dict, name: str, adapt) -> None:
    merged = {**defaults, **values}
    for k, v in (adapt(merged) if adapt else merged).items():
        st.session_state[f"{prefix}_{k}"] = v
    st.session_state[f"{prefix}_story"] = name


def preset_bar(prefix: str, presets: dict, defaults: dict, label: str = "One-click presets:",
               adapt: Callable[[dict], dict] | None = None) -> str | None:
    """A row of preset buttons (keys "<prefix>_preset_<i>") and the chosen preset's one-line story.

    ``presets``: name → (story, {setting: value}); a click puts every setting back to ``defaults`` and then
    applies the preset's values (through ``adapt``, e.g. model names → picker labels). Returns the name of the
    preset last applied, if any."""
    st.caption(label)
    for i, (col, name) in enumerate(zip(st.columns(len(presets)), presets)):
        col.button(name, key=f"{prefix}_preset_{i}", on_click=_apply_preset,
                   args=(prefix, defaults, presets[name][1], name, adapt), width="stretch")
    story = st.session_state.get(f"{prefix}_story")
    if story in presets:
        st.caption(f"**{story}:** {presets[story][0]}")
        return story
    return None


def formula(latex: str, caption: str | None = None) -> None:
    st.latex(latex)
    if caption:
        st.caption(caption)


def fmt(value, spec: str = ".4f", missing: str = "—") -> str:
    """A number for the screen: never 'nan' or 'inf' (shown as ``missing`` / '∞'), never '-0.0000'."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return missing
    if math.isnan(v):
        return missing
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = format(v, spec)
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def metric(label: str, value, spec: str = ".4f", delta=None, help: str | None = None) -> None:
    """st.metric with a guarded number (no NaN/inf on screen)."""
    st.metric(label, fmt(value, spec), None if delta is None else fmt(delta, spec), help=help)


def seed_input(key: str = "seed", default: int = 0) -> int:
    """The run's visible seed: same seed, same pictures."""
    return int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, value=default, step=1, key=key,
                               help="Same seed, same run: weights, noise and data batches are all drawn from it."))


@contextmanager
def user_errors():
    """Turn a ValueError from the core (bad input) into one clear sentence on the page."""
    try:
        yield
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        st.stop()


class PageSlot(RunSlot):
    """A page's RunSlot that, when its session ends, detaches a worker run for a reload to reattach."""

    def __init__(self, page_key: str):
        super().__init__()
        self.page_key = page_key

    def end_session(self) -> None:
        run = self.run
        if run is not None and getattr(run, "run_id", None) and run.state != "stopped":
            REGISTRY.detach(run.run_id, self.page_key, self.key, run)
            self.run = None
        self.release()


@st.cache_resource(scope="session", on_release=lambda slot: slot.end_session(), show_spinner=False)
def _slot(page_key: str) -> PageSlot:
    return PageSlot(page_key)


def session_run(page_key: str, nets_key, factory: Callable[[], LiveRun]) -> LiveRun:
    """This session's run for a page. A new ``nets_key`` (new nets or data) stops the old run and makes a new
    one. A worker run's id goes into the URL (``?run=``): when the session ends the run is detached for a grace
    period (ganviz.reattach), and a session opening that URL in time takes it back; a thread run just stops."""
    slot = _slot(page_key)
    wanted = st.query_params.get("run")
    if slot.run is None and wanted:
        found = REGISTRY.reattach(wanted, page_key)
        if found is not None:
            slot.key, slot.run = found
    run = slot.get(nets_key, factory)
    run_id = getattr(run, "run_id", None)
    if run_id and wanted != run_id:
        st.query_params["run"] = run_id
    return run


def _act(run: LiveRun, action: str, key_prefix: str) -> None:
    try:
        {"play": run.start, "pause": run.pause, "step": run.step, "step_d": run.step_d,
         "step_g": run.step_g, "stop": run.stop, "reset": run.reset}[action]()
        st.session_state.pop(f"{key_prefix}_busy", None)
    except Busy as err:
        st.session_state[f"{key_prefix}_busy"] = str(err)


def run_controls(run: LiveRun, key_prefix: str, extra: tuple[str, ...] = ("step_d", "step_g"),
                 labels: dict | None = None) -> Snapshot:
    """Play/Pause, Step, the ``extra`` buttons ("step_d", "step_g", "stop"), Reset; returns the snapshot.
    Stop ends the run for good (its thread and job slot are freed); Reset starts it again from its seed."""
    labels = {"step": "Step", "step_d": "Step D", "step_g": "Step G", "stop": "Stop", **(labels or {})}
    running = run.state == "running"
    stopped = run.state == "stopped"
    buttons = ["toggle", "step", *extra, "reset"]
    cols = st.columns(len(buttons))
    for col, name in zip(cols, buttons):
        with col:
            if name == "toggle":
                st.button("Pause" if running else "Play", key=f"{key_prefix}_toggle", type="primary", disabled=stopped,
                          icon=":material/pause:" if running else ":material/play_arrow:",
                          on_click=_act, args=(run, "pause" if running else "play", key_prefix),
                          width="stretch")
            else:
                st.button(labels.get(name, name.title()), key=f"{key_prefix}_{name}",
                          disabled=(running and name != "stop") or (stopped and name != "reset"),
                          on_click=_act, args=(run, name, key_prefix), width="stretch")
    busy = st.session_state.get(f"{key_prefix}_busy")
    if busy:
        st.warning(busy, icon=":material/hourglass_top:")
    snap = run.snapshot()
    if snap.error:
        st.error(snap.error, icon=":material/error:")
    return snap


def live_panel(run: LiveRun, draw: Callable[[Snapshot], None], every: float = 0.5) -> None:
    """Draw the run's latest snapshot; while it trains, redraw every ``every`` s in a fragment
    (st.fragment(run_every)), so only this panel reruns and the page never waits for the trainer."""
    running = run.state == "running"

    @st.fragment(run_every=every if running else None)
    def panel():
        snap = run.snapshot()
        draw(snap)
        if running and snap.state != "running":  # paused by NaN / max_steps: refresh the controls
            st.rerun()

    panel()


def status_line(snap: Snapshot) -> str:
    rate = f" · {snap.steps_per_s:,.0f} steps/s" if snap.state == "running" and snap.steps_per_s else ""
    return f"Step {snap.step:,} · {snap.state}{rate}"


def device_description() -> str:
    """CUDA device name / Apple MPS / CPU and its threads."""
    if torch.cuda.is_available():
        return f"CUDA · {torch.cuda.get_device_name(0)}"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "Apple MPS"
    return f"CPU · {os.cpu_count()} cores"


def device_badge() -> None:
    st.sidebar.badge(device_description(), icon=":material/memory:", color="gray")
