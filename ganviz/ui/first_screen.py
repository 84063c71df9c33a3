"""The first screen first. A page calls :func:`fold` where its first screen ends (title, main figure, the
settings that define the view, Play/Step). On the page's first visit in a browser session the script stops
there; once the browser has drawn that screen it asks for the rest (the secondary figures, formula cards,
longer explanations), which the next run adds below. Later reruns of the page draw it whole at once.

In Chromium on a 2-core CPU every element costs the browser 5–25 ms to mount (markdown, KaTeX, widgets, a data
grid ~200 ms) and the main figure is drawn only after everything sent with it is mounted: what sits below the fold
delayed the picture. A client without a browser (AppTest, a script) gets the whole page in one run."""
from __future__ import annotations

from typing import Callable

import streamlit as st

WHOLE = "_gv_whole_"  # session_state key prefix: the page has been drawn whole in this session
PENDING_CLASS = "gv-fold-pending"  # the note shown until the rest has arrived (the browser tests wait for it)

# The rest is asked for when every chart on the screen is drawn and the browser is idle, at the latest 1.5 s
# after the note is mounted (a chart that cannot draw, a background tab whose animation frames are paused).
_JS = """
export default function ({ parentElement, setTriggerValue }) {
  let asked = false, timer = 0;
  const ask = () => { if (!asked) { asked = true; clearTimeout(timer); setTriggerValue("ready", true); } };
  const onScreen = (d) => { const r = d.getBoundingClientRect();
                            return r.height > 0 && r.bottom > 0 && r.top < window.innerHeight; };
  const idle = window.requestIdleCallback || ((fn) => setTimeout(fn, 50));
  const check = () => {
    if (asked || !parentElement.isConnected) return;
    const charts = Array.from(document.querySelectorAll('[data-testid="stMain"] .gv-live-chart')).filter(onScreen);
    if (charts.every((d) => d._fullLayout)) idle(ask, {timeout: 300});
    else timer = setTimeout(check, 40);
  };
  timer = setTimeout(check, 0);
  const latest = setTimeout(ask, 1500);
  return () => { clearTimeout(timer); clearTimeout(latest); };
}
"""

_component = st.components.v2.component(
    "gv_fold", html=f'<p class="{PENDING_CLASS}" style="margin:0;color:#888;font-size:0.9rem">'
                    "The rest of this page follows…</p>", js=_JS, isolate_styles=False)


def from_browser() -> bool:
    """True when the session's client is a browser (it sent a User-Agent with its connection): only a browser
    can say when it has drawn the first screen."""
    try:
        return bool(st.context.headers.get("User-Agent"))
    except Exception:  # outside a streamlit run
        return False


# query parameters that set no widget: the presenter view, a live run to take back, the guided lecture's stop, and
# a preset (``<prefix>_preset``, applied to the session's state before any widget is drawn)
NOT_WIDGETS = ("present", "run", "tour", "lecture")


def before_fold(page_key: str) -> bool:
    """True on the run that stops at the page's fold (its first in a browser session): what is drawn now is the
    first screen, and the next run draws the page whole. A live panel may leave a secondary chart to that run."""
    return not st.session_state.get(WHOLE + page_key) and from_browser()


def settings_later(page_key: str) -> bool:
    """True when the page's settings panel (collapsed, above the picture) may be filled on the next run: this run
    is the page's first in a browser session (it stops at the fold) and the URL sets none of its widgets, so every
    setting is the session's value — the page default or a linked preset's — and the widgets, drawn with the rest,
    show exactly the values the picture was made with. A panel's ~20 widgets cost the browser ~0.5 s before the
    picture (Chromium, 2 cores). The page reads its settings from st.session_state in both cases (a keyed
    widget returns its session value), so each needs a default there (ui.init_state)."""
    return before_fold(page_key) and all(k in NOT_WIDGETS or k.endswith("_preset") for k in st.query_params)


def settings_panel(page_key: str, key: str, label: str, draw: Callable[[], None]):
    """The collapsed settings panel (``key``: its container's, which the presenter view hides) with ``draw``'s
    widgets in it now, or — on a link's first run (:func:`settings_later`) — with the rest of the page."""
    panel = st.container(key=key).expander(label, expanded=False, icon=":material/tune:")
    if not settings_later(page_key):
        with panel:
            draw()
    return panel


def fold(page_key: str) -> None:
    """End of the first screen. On the page's first run in a browser session: show a one-line note, stop the
    script, and rerun with the rest once the browser has drawn what is above (see the module docstring)."""
    if not before_fold(page_key):
        return

    def whole() -> None:
        st.session_state[WHOLE + page_key] = True

    _component(key=f"gv_fold_{page_key}", on_ready_change=whole, height=24)
    st.stop()
