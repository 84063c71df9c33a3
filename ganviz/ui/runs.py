"""A page's live run in streamlit: the session's run of a core Experiment (:func:`live_run`), its controls
(:func:`run_controls`), the run kept for a reload (:class:`PageSlot`, ganviz.engine.reattach) and the live panel
fragment (:func:`live_panel`). Reached as ``ui.live_run`` etc.; imported (with torch) by the first page that
trains, not by Home."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from ganviz.engine.experiment import Experiment
from ganviz.engine.live import Busy, LiveRun, RunSlot, Snapshot
from ganviz.engine.reattach import REGISTRY


class PageSlot(RunSlot):
    """A page's RunSlot that, when its session ends, detaches a worker run for a reload to reattach."""

    def __init__(self, page_key: str):
        super().__init__()
        self.page_key = page_key
        self.reattach = True  # False: the run just stops with the session (see session_run)

    def end_session(self) -> None:
        run = self.run
        if run is not None and self.reattach and getattr(run, "run_id", None) and run.state != "stopped":
            REGISTRY.detach(run.run_id, self.page_key, self.key, run)
            self.run = None
        self.release()


@st.cache_resource(scope="session", on_release=lambda slot: slot.end_session(), show_spinner=False)
def _slot(page_key: str) -> PageSlot:
    return PageSlot(page_key)


def session_run(page_key: str, nets_key, factory: Callable[[], LiveRun], reattach: bool = True) -> LiveRun:
    """This session's run for a page. A new ``nets_key`` (new nets or data) stops the old run and makes a new
    one. A worker run's id goes into the URL (``?run=``): when the session ends the run is detached for a grace
    period (ganviz.engine.reattach), and a session opening that URL in time takes it back; a thread run just stops.
    ``reattach=False``: a page's second run (not in the URL; it stops with the session)."""
    slot = _slot(page_key)
    if not reattach:
        slot.reattach = False
        return slot.get(nets_key, factory)
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


def _act(run: LiveRun, action: str, key_prefix: str, pause_at: int | None = None) -> None:
    try:
        if action == "play" and pause_at is not None and run.snapshot().step < pause_at:
            run.start(pause_at=pause_at)
        else:
            {"play": run.start, "pause": run.pause, "step": run.step, "step_d": run.step_d,
             "step_g": run.step_g, "stop": run.stop, "reset": run.reset}[action]()
        st.session_state.pop(f"{key_prefix}_busy", None)
    except Busy as err:
        st.session_state[f"{key_prefix}_busy"] = str(err)


def run_controls(run: LiveRun, key_prefix: str, extra: tuple[str, ...] = ("step_d", "step_g"),
                 labels: dict | None = None, pause_at: int | None = None) -> Snapshot:
    """Play/Pause, Step, the ``extra`` buttons ("step_d", "step_g", "stop"), Reset; returns the snapshot.
    Stop ends the run for good (its thread and job slot are freed); Reset starts it again from its seed.
    ``pause_at``: Play from below that step pauses there once (a preset's step budget); Play again trains on."""
    labels = {"step": "Step", "step_d": "Step D", "step_g": "Step G", "stop": "Stop", **(labels or {})}
    running = run.state == "running"
    stopped = run.state == "stopped"
    buttons = ["toggle", "step", *extra, "reset"]
    cols = st.columns(len(buttons))
    for col, name in zip(cols, buttons, strict=True):
        with col:
            if name == "toggle":
                st.button("Pause" if running else "Play", key=f"{key_prefix}_toggle", type="primary", disabled=stopped,
                          icon=":material/pause:" if running else ":material/play_arrow:",
                          on_click=_act, args=(run, "pause" if running else "play", key_prefix, pause_at),
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


def live_run(exp: Experiment, page_key: str, key_prefix: str, extra: tuple[str, ...] = ("step_d", "step_g"),
             labels: dict | None = None, reattach: bool = True,
             pause_at: int | None = None) -> tuple[LiveRun, Snapshot]:
    """The one call of a page with a live run: this session's run of ``exp`` (:func:`session_run`: a new
    ``exp.key`` starts a new run), ``exp.live`` applied to it where it differs from the run's settings (between two
    steps, no new nets), then the controls (:func:`run_controls`, at this point of the page). Returns the run (for
    :func:`live_panel`) and its snapshot."""
    run = session_run(page_key, exp.key, exp.start, reattach)
    changes = exp.changes(run.snapshot().config)
    if changes:
        run.update(**changes)
    return run, run_controls(run, key_prefix, extra, labels, pause_at)


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
