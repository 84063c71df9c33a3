"""Shared streamlit pieces: page header, formula card, seed, URL-bound widgets and the link to a view, the
presenter view, a page's live run (``live_run`` and the rest of ganviz.ui.runs: the session's run of a core
Experiment, its live settings and its controls, the live panel fragment), charts and pictures that update in place
(live_chart, live_image), and the device badge. Pages call these; the core never imports streamlit."""
from __future__ import annotations

import math
import os
from contextlib import contextmanager
from typing import Callable

import streamlit as st

from ganviz import settings
from ganviz.engine import startup
from ganviz.plots import base as plots_base
from ganviz.ui import charts
from ganviz.ui.charts import live_chart, live_image  # noqa: F401  (pages call ui.live_chart)
from ganviz.ui.first_screen import before_fold, fold, from_browser, settings_later, settings_panel  # noqa: F401  (pages call them)

PRESENT = "present"  # the presenter view's toggle: its key and URL parameter (?present=1)
PRESENTER_SCALE = 1.45  # chart fonts in the presenter view: 14 px -> ~20 px
# key -> page default, filled by init_state: bind() gives each widget its page default as its own default, so
# the URL carries exactly the settings that differ from a fresh page (and a value equal to the widget's built-in
# default is not dropped from the URL while the page would start elsewhere).
_DEFAULTS: dict[str, object] = {}


def presenting() -> bool:
    """True while the presenter view is on (large text, no settings, no long prose)."""
    try:
        return bool(st.session_state.get(PRESENT, False))
    except Exception:  # outside a streamlit run (plain python, unit tests)
        return False


plots_base.set_font_scale_source(lambda: PRESENTER_SCALE if presenting() else 1.0)

# every page: less empty space around the content and between its rows, compact preset buttons, so the picture
# starts higher on a 720-px projector
_BASE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding: 1.4rem 2.5rem 3rem; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { row-gap: 0.75rem; }
[data-testid="stMain"] h1 { font-size: 2.1rem; padding-top: 0.2rem; padding-bottom: 0.2rem; }
[data-testid="stMain"] [class*="st-key-gv_presets_"] { row-gap: 0.4rem; }
[data-testid="stMain"] [class*="st-key-gv_presets_"] button { min-height: 2rem; padding: 0.15rem 0.7rem; }
</style>"""

_PRESENTER_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li { font-size: 20px; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 20px; }
[data-testid="stMain"] [data-testid="stMetricValue"] { font-size: 2.2rem; }
[data-testid="stMain"] .katex { font-size: 1.3em; }
[data-testid="stMain"] [class*="st-key-gv_settings"], [data-testid="stMain"] [class*="st-key-gv_prose"] {
  display: none; }
</style>"""


def presenter_toggle() -> None:
    """The sidebar toggle of the presenter view, app-wide (app.py): ``?present=1`` (or ``true``) turns it on, and
    while it is on the URL keeps ``present=1`` on every page, so a reload or a shared link stays in it."""
    if PRESENT not in st.session_state:
        st.session_state[PRESENT] = st.query_params.get(PRESENT, "").lower() in ("1", "true", "yes", "on")
    st.sidebar.toggle("Presenter view", key=PRESENT,
                      help="For a projector: larger text and charts; the settings and the longer explanations are "
                           "hidden, the picture, its numbers, the formula and Play/Step stay. The link keeps it.")
    if presenting():
        if st.query_params.get(PRESENT) != "1":
            st.query_params[PRESENT] = "1"
    elif PRESENT in st.query_params:
        del st.query_params[PRESENT]
    st.html(_BASE_CSS + (_PRESENTER_CSS if presenting() else ""))  # style only: Streamlit gives it no space


def preload_charts() -> None:
    """Start loading plotly.js as the first element of every page (app.py), hidden: its script runs as soon as
    the browser draws the page's first elements, so the bundle's fetch and evaluation overlap the page's script
    and the rest of the first render instead of following them (charts.preload_html)."""
    st.html(charts.preload_html(), unsafe_allow_javascript=True)


def bind(key: str, options=None, multi: bool = False) -> dict:
    """Keyword arguments that bind a keyed widget to the URL (``bind="query-params"``, Streamlit ≥ 1.55) with
    the page default (from init_state) as the widget's default: ``st.slider("μ", -4.0, 4.0, **ui.bind(k))``.
    ``options``: the option list of a selectbox/radio (the default becomes ``index``); ``multi``: a
    multiselect (``default``)."""
    kwargs: dict = {"key": key, "bind": "query-params"}
    default = _DEFAULTS.get(key)
    if default is None:
        return kwargs
    if multi:
        kwargs["default"] = list(default)
    elif options is not None:
        opts = list(options)
        if default in opts:
            kwargs["index"] = opts.index(default)
    else:
        kwargs["value"] = default
    return kwargs


_LINK_HTML = """<div class="gv-link">
<input id="gv-link-url" readonly aria-label="Link to this view"
       style="width:100%;font:13px monospace;padding:4px;border:1px solid #ccc;border-radius:4px">
<button id="gv-link-copy" style="margin-top:4px;padding:2px 10px;border:1px solid #ccc;border-radius:4px;
        background:#fff;cursor:pointer">Copy</button>
</div>
<script>
(() => {
  const url = document.getElementById("gv-link-url"), copy = document.getElementById("gv-link-copy");
  const show = () => { if (url && url.value !== window.location.href) url.value = window.location.href; };
  show();
  if (window.__gvLinkTimer) clearInterval(window.__gvLinkTimer);
  window.__gvLinkTimer = setInterval(() => { const u = document.getElementById("gv-link-url");
    if (u && u.value !== window.location.href) u.value = window.location.href; }, 500);
  if (copy) copy.onclick = () => { const u = document.getElementById("gv-link-url"); u.select();
    (navigator.clipboard ? navigator.clipboard.writeText(u.value) : Promise.reject()).then(
      () => { copy.innerText = "Copied"; }, () => { document.execCommand("copy"); copy.innerText = "Copied"; }); };
})();
</script>"""


def view_link() -> None:
    """A "Link to this view" popover in the sidebar showing the page's address: every bound widget, the preset
    and the presenter view are in it, so opening it (also after a reload) restores this view."""
    with st.sidebar.popover("Link to this view", icon=":material/link:", width="stretch"):
        st.caption("This address reopens the page with these settings, seed and preset (also after a reload, or "
                   "on another computer running ganviz):")
        st.html(_LINK_HTML, unsafe_allow_javascript=True)

settings.report()  # a bad GANVIZ_* value is said once in the server's log when the app starts


def _ensure_app_navigation() -> None:
    """When a deep link (e.g. /playground) is the server's very first request, Streamlit runs that page alone in
    its legacy pages/ mode — without app.py, so without its sections, layout and badge — until app.py has run
    once. Leave that mode and rerun through app.py's st.navigation (same URL, same page)."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def page_header(title: str, notice: str, intro: str | None = None) -> None:
    """Title with the intro one click away beside it ("About this page"), the one-line "What to notice" (both
    hidden in the presenter view), the sidebar's "Link to this view", and the guided lecture's panel when the URL
    names a stop."""
    _ensure_app_navigation()
    with st.container(horizontal=True, vertical_alignment="center", gap="medium", key="gv_title_row"):
        st.title(title, width="content")
        if intro and not presenting():  # one click away, beside the title (not a row of its own)
            with st.popover("About this page", icon=":material/info:"):
                st.markdown(intro)
    if not presenting():
        with st.container(key="gv_prose_header"):
            st.markdown(f":material/visibility: **What to notice:** {notice}")
    view_link()
    from ganviz.ui import tour as ui_tour  # the guided lecture's panel, when the URL names a stop

    ui_tour.panel()


def init_state(prefix: str, defaults: dict) -> None:
    """Default widget values in session_state (keys "<prefix>_<name>"), set once per session; they are also
    the bound widgets' defaults (see bind)."""
    for k, v in defaults.items():
        _DEFAULTS[f"{prefix}_{k}"] = v
        st.session_state.setdefault(f"{prefix}_{k}", v)


_PRESET_NAMES: dict[str, list[str]] = {}


def _preset_values(prefix: str, defaults: dict, values: dict, adapt) -> dict:
    merged = {**defaults, **values}
    return adapt(merged) if adapt else merged


def _apply_preset(prefix: str, defaults: dict, values: dict, name: str, adapt) -> None:
    for k, v in _preset_values(prefix, defaults, values, adapt).items():
        st.session_state[f"{prefix}_{k}"] = v
    st.session_state[f"{prefix}_story"] = name
    names = _PRESET_NAMES.get(prefix, [])
    if name in names:
        st.query_params[f"{prefix}_preset"] = str(names.index(name))


def preset_bar(prefix: str, presets: dict, defaults: dict, label: str = "Presets:",
               adapt: Callable[[dict], dict] | None = None) -> str | None:
    """A wrapping row of preset buttons showing their whole names (keys "<prefix>_preset_<i>") and the chosen
    preset's one-line story.

    ``presets``: name → (story, {setting: value}); a click puts every setting back to ``defaults`` and then
    applies the preset's values (through ``adapt``, e.g. model names → picker labels), and writes
    ``?<prefix>_preset=<i>`` to the URL. Opening a URL with that parameter applies the preset first; the other
    parameters then override single settings. Returns the name of the preset last applied, if any."""
    names = list(presets)
    _PRESET_NAMES[prefix] = names
    done = f"{prefix}_url_preset_done"
    if done not in st.session_state:
        st.session_state[done] = True
        raw = st.query_params.get(f"{prefix}_preset")
        if raw is not None and raw.isdigit() and int(raw) < len(names):
            name = names[int(raw)]
            for k, v in _preset_values(prefix, defaults, presets[name][1], adapt).items():
                st.session_state[f"{prefix}_{k}"] = v
            st.session_state[f"{prefix}_story"] = name
            # other parameters of this page may override the preset's values once its widgets are drawn: the
            # story waits for the next rerun, where the comparison below sees the resolved values
            if any(k.startswith(f"{prefix}_") and k != f"{prefix}_preset" for k in st.query_params):
                st.session_state[f"{prefix}_story_wait"] = True
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"gv_presets_{prefix}"):
        st.markdown(f"**{label}**", width="content")
        for i, name in enumerate(names):
            st.button(name, key=f"{prefix}_preset_{i}", on_click=_apply_preset,
                      args=(prefix, defaults, presets[name][1], name, adapt), width="content")
    story = st.session_state.get(f"{prefix}_story")
    if st.session_state.pop(f"{prefix}_story_wait", False):
        return story
    if story in presets:
        wanted = _preset_values(prefix, defaults, presets[story][1], adapt)
        same = all(_same(st.session_state.get(f"{prefix}_{k}"), v) for k, v in wanted.items())
        if not same and f"{prefix}_preset" in st.query_params:
            del st.query_params[f"{prefix}_preset"]  # the link now restores the settings, not the preset
        if not presenting():
            with st.container(key=f"gv_prose_story_{prefix}"):
                st.caption(f"**{md_escape(story)}:** {md_escape(presets[story][0])}" if same else
                           f"Started from **{md_escape(story)}**, settings changed since.")
        return story
    return None


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a or []) == list(b or [])
    return a == b


def md_escape(text: str) -> str:
    """Text shown through Markdown as written: D*, G*, p_g and 2·x stay (no italics, no bold)."""
    for ch in ("\\", "*", "_", "`", "$", "~", "#", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def formula(latex: str, caption: str | None = None) -> None:
    """A display formula and its one-line caption (the caption is hidden in the presenter view)."""
    st.latex(latex)
    if caption and not presenting():
        st.caption(md_escape(caption))


def note(text: str, markdown: bool = False) -> None:
    """A longer explanation: a caption (or, with ``markdown``, a paragraph); hidden in the presenter view."""
    if not presenting():
        (st.markdown if markdown else st.caption)(text)


FMT_SCI_FROM = 1e9  # a loss or score this large has no meaningful digits left


def fmt(value, spec: str = ".4f", missing: str = "—") -> str:
    """A number for the screen: never 'nan' or 'inf' (shown as ``missing`` / '∞'), never '-0.0000', and never a
    30-digit number: from |v| ≥ FMT_SCI_FROM on, three significant digits in scientific notation (−2.25e+28)."""
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return missing
    if math.isnan(v):
        return missing
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if abs(v) >= FMT_SCI_FROM:
        return format(v, ("+" if spec.startswith("+") else "") + ".3g")
    text = format(v, spec)
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def metric(label: str, value, spec: str = ".4f", delta=None, help: str | None = None) -> None:
    """st.metric with a guarded number (no NaN/inf on screen)."""
    st.metric(label, fmt(value, spec), None if delta is None else fmt(delta, spec), help=help)


def seed_input(key: str = "seed", default: int = 0) -> int:
    """The run's visible seed: same seed, same pictures."""
    _DEFAULTS.setdefault(key, default)
    return int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, **bind(key),
                               help="Same seed, same run: weights, noise and data batches are all drawn from it."))


@contextmanager
def user_errors():
    """Turn a ValueError from the core (bad input) into one clear sentence on the page."""
    try:
        yield
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        st.stop()


def device_description() -> str:
    """CUDA device name / Apple MPS / CPU and its threads."""
    torch = startup.load_torch()  # 1.3 s on a served app's first session, after its page (app.py)
    if torch.cuda.is_available():
        return f"CUDA · {torch.cuda.get_device_name(0)}"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "Apple MPS"
    return f"CPU · {os.cpu_count()} cores"


def device_badge(place=None) -> None:
    """The compute device in the sidebar (or in ``place``, a placeholder kept for it there)."""
    (place or st.sidebar).badge(device_description(), icon=":material/memory:", color="gray")


_RUNS = ("PageSlot", "session_run", "run_controls", "live_run", "live_panel", "status_line")


def __getattr__(name: str):
    """A page's live run (ganviz.ui.runs), imported with torch when a page first asks for it: Home and the text
    pages draw without waiting for torch (1.3 s) on a served app's first session (PEP 562)."""
    if name in _RUNS:
        from ganviz.ui import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
