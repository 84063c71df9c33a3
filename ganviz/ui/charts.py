"""Live charts and pictures that update in place: one plot ``div`` per chart, redrawn with ``Plotly.react`` for
each figure, and a picture swapped only once its successor is decoded.

``st.plotly_chart`` mounts a new plot ``div`` for every new figure and removes the old one a frame before the new
one has drawn (streamlit/streamlit#8782): during a run every update is a blank frame. ``live_chart`` is a
Streamlit custom component (``st.components.v2``, inline JavaScript in the page, no iframe): its element stays
mounted across reruns with the same key, and its script hands each new figure to ``Plotly.react`` on the same
``div``, which diffs it in place (``uirevision`` keeps a zoom). The figure travels as plotly's JSON; it gets the
app's chart theme (as st.plotly_chart's "streamlit" theme gives it) and the column's width.

Every figure of the app goes through ``live_chart``, so a page loads one plotly.js: the project's own build of
plotly.js (``static/plotly-ganviz.min.js``, plotly.js 4.1.1 as the installed plotly package uses, MIT
licence beside it) with only the trace types the app draws (scatter, bar, heatmap), made by
``scripts/plotly_bundle`` the way plotly.js builds its own bundles (esbuild, one IIFE). Chromium loads and runs it
in about a third of the time its "cartesian" partial bundle takes and a ninth of the full bundle's
(bench/plotly_load.py), and it draws every figure of the app to the same SVG. Streamlit's static file route
serves it (``server.enableStaticServing`` in .streamlit/config.toml) with a validator, so a browser that has seen the
app revalidates its copy and keeps the compiled code instead of downloading and compiling it again for every tab
(the component file route sends neither a validator nor a lifetime); the app makes no outside request.

``st.image`` in a live panel likewise points its ``img`` at a new file for each picture, and in Chromium the
``img`` has no picture (natural width 0) until that file has loaded: 1–2 frames per update, measured with
bench/blank_frames.py. ``live_image`` decodes the new picture off screen and puts it in the old one's place.
"""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from streamlit import config as st_config
from streamlit.components import v1 as components_v1

#: The component's name; AppTest sees each chart as a "bidi_component" element of this name.
NAME = "ganviz_live_chart"
_LIB_NAME = "plotly_js"  # a v1 component serving the static folder where static file serving is off
_LIB_DIR = Path(__file__).resolve().parents[2] / "static"  # the app's static folder, beside app.py
_LIB_FILE = "plotly-ganviz.min.js"
#: The trace types of that bundle (scripts/plotly_bundle/index.js); tests check every figure of the app uses only these.
TRACE_TYPES = frozenset({"bar", "heatmap", "scatter"})

#: The layout st.plotly_chart's "streamlit" theme gives a figure without a template in this app's light theme
#: (read from Streamlit 1.67's PlotlyChart in Chromium); our figures set their own font sizes on top.
THEME_LAYOUT = {
    "font": {"color": "#808495", "family": '"Source Sans", sans-serif', "size": 12, "weight": 400},
    "title": {"font": {"family": '"Source Sans", sans-serif', "size": 16, "color": "#2F2D2B"},
              "pad": {"l": 4}, "xanchor": "left", "x": 0},
    "legend": {"title": {"font": {"size": 12, "color": "#808495"}, "side": "top"}, "valign": "top",
               "bordercolor": "transparent", "borderwidth": 0, "font": {"size": 12, "color": "#262730"}},
    "paper_bgcolor": "#FFFFFF", "plot_bgcolor": "#FFFFFF",
    "yaxis": {"ticklabelposition": "outside", "zerolinecolor": "#e6eaf1",
              "title": {"font": {"color": "#808495", "size": 14}, "standoff": 24}, "tickcolor": "#e6eaf1",
              "tickfont": {"color": "#808495", "size": 12}, "gridcolor": "#e6eaf1",
              "minor": {"gridcolor": "#e6eaf1"}, "automargin": True},
    "xaxis": {"zerolinecolor": "#e6eaf1", "gridcolor": "#e6eaf1", "showgrid": False,
              "tickfont": {"color": "#808495", "size": 12}, "tickcolor": "#e6eaf1",
              "title": {"font": {"color": "#808495", "size": 14}, "standoff": 20},
              "minor": {"gridcolor": "#e6eaf1"}, "zeroline": False, "automargin": True},
    "margin": {"pad": 8, "r": 0, "l": 0},
    "hoverlabel": {"bgcolor": "#FFFFFF", "bordercolor": "rgba(47, 45, 43, 0.2)",
                   "font": {"color": "#808495", "family": '"Source Sans", sans-serif', "size": 12}},
}
#: The colours Streamlit's frontend puts for the placeholders "#0000NN" of its "streamlit" plotly template (the
#: default template in a Streamlit process) in the light theme: categorical 01-10, sequential 11-20, diverging
#: 21-30, others 32-40.
PLACEHOLDER_COLORS = dict(zip([f"{i:02d}" for i in [*range(1, 31), *range(32, 41)]], [
    "#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700", "#ffd16a", "#6d3fc0", "#d5dae5",
    "#e4f5ff", "#c7ebff", "#a6dcff", "#83c9ff", "#60b4ff", "#3d9df3", "#1c83e1", "#0068c9", "#0054a3", "#004280",
    "#7d353b", "#bd4043", "#ff4b4b", "#ff8c8c", "#ffc7c7", "#a6dcff", "#60b4ff", "#1c83e1", "#0054a3", "#004280",
    "#29b09d", "#ff2b2b", "#0068c9", "#e6eaf1", "#808495", "#262730", "#FFFFFF", "rgba(47, 45, 43, 0.1)",
    "rgba(252, 252, 251, 1)"], strict=True))
#: st.plotly_chart's config in this app (no logo, no selection tools, no cloud button).
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendChartToCloud"]}
DEFAULT_HEIGHT = 450  # px, plotly's and st.plotly_chart's height for a figure without one

#: plotly.js loaded once per browser tab: the charts and the preload (preload_html) share the load under way.
_LOADER_JS = r"""
const loadPlotly = (src) => {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__gvPlotlyLoading) {
    window.__gvPlotlyLoading = new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = src;
      s.onload = () => resolve(window.Plotly);
      s.onerror = () => { window.__gvPlotlyLoading = null; reject(new Error("plotly.js did not load")); };
      document.head.appendChild(s);
    });
  }
  return window.__gvPlotlyLoading;
};
"""

_JS = r"""
const THEME = __THEME__, CONFIG = __CONFIG__, COLORS = __COLORS__;

__LOADER__
const merge = (into, from) => {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === "object" && !Array.isArray(v) && into[k] && typeof into[k] === "object") merge(into[k], v);
    else into[k] = v;
  }
  return into;
};

// the figure as st.plotly_chart's "streamlit" theme draws it: the template's placeholder colours replaced, the
// theme's layout merged into the template, the title in bold
const themed = (text) => {
  if (text.includes('"#0000')) text = text.replace(/"#0000(\d\d)"/g, (m, i) => COLORS[i] ? '"' + COLORS[i] + '"' : m);
  const fig = JSON.parse(text), layout = fig.layout || {};
  const template = layout.template || {};
  template.layout = merge(template.layout || {}, structuredClone(THEME));
  layout.template = template;
  if (typeof layout.title === "string") layout.title = {text: layout.title};
  if (layout.title && layout.title.text) layout.title.text = "<b>" + layout.title.text + "</b>";
  fig.layout = layout;
  return fig;
};

// plotly.js lays a new plot out twice when its axes' labels, legend or colour bar need more room than the layout's
// margins (the second pass with the grown margins: a third of a first drawing's time). A chart keeps the margins
// its first drawing ended with, per chart, size and layout, in the browser's storage: the next time the same view
// opens (a reload, a prepared link, the page again) they are its starting margins and the first drawing is one pass.
// Margins only grow from the starting ones, so nothing is cut; a stale entry leaves at most a little more room.
const MARGINS = "ganviz-margins:";
const marginKey = (next, fig) => MARGINS + [next.key, fig.layout.width, fig.layout.height,
  Object.keys(fig.layout).sort().join(","), (fig.data || []).length].join("|");
const recall = (key) => { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } };
const remember = (key, size) => {
  try { localStorage.setItem(key, JSON.stringify({l: size.l, r: size.r, t: size.t, b: size.b})); } catch (e) {}
};

const draw = (Plotly, div) => {
  const next = div.__gvNext;
  if (!next) return;
  div.__gvNext = null;
  const fig = themed(next.figure);
  fig.layout.width = Math.max(div.clientWidth, 150);
  fig.layout.height = next.height;
  fig.layout.autosize = false;
  const first = !div._fullLayout, key = marginKey(next, fig);
  if (first) div.__gvMargin = recall(key);
  if (div.__gvMargin) fig.layout.margin = {...(fig.layout.margin || {}), ...div.__gvMargin};
  Plotly.react(div, fig.data || [], fig.layout, next.modebar ? CONFIG : {...CONFIG, displayModeBar: false});
  if (first && div._fullLayout && div._fullLayout._size) remember(key, div._fullLayout._size);
};

// Charts on the screen are drawn first and kept up to date; one off the screen (below the fold, in a closed
// expander or another tab) gets its first drawing when the browser is idle, and is redrawn only once it comes into
// view (with its latest figure): the first render shows the picture sooner, and a live run redraws only what can
// be seen.
const onScreen = new IntersectionObserver((entries) => {
  for (const e of entries) {
    e.target.__gvVisible = e.isIntersecting;
    if (e.isIntersecting && e.target.__gvPlotly) draw(e.target.__gvPlotly, e.target);
  }
});
const whenIdle = window.requestIdleCallback || ((fn) => setTimeout(fn, 200));

export default function ({ parentElement, data }) {
  let div = parentElement.querySelector(":scope > .gv-live-chart");
  if (!div) {
    div = document.createElement("div");
    div.className = "gv-live-chart";
    div.style.width = "100%";
    parentElement.appendChild(div);
  }
  onScreen.observe(div);  // again after a remount (observing twice is a no-op)
  div.style.height = data.height + "px";  // the chart's height is kept before plotly.js has drawn: no jump
  div.__gvNext = data;  // only the latest figure is drawn
  loadPlotly(data.lib).then((Plotly) => {
    div.__gvPlotly = Plotly;
    if (div.__gvVisible) draw(Plotly, div);
    else if (!div._fullLayout) whenIdle(() => { if (!div._fullLayout && div.isConnected) draw(Plotly, div); });
    if (!div.__gvResize) {
      let width = div.clientWidth;
      div.__gvResize = new ResizeObserver(() => {
        if (div.clientWidth !== width && div.isConnected && div._fullLayout) {
          width = div.clientWidth;
          Plotly.relayout(div, {width: Math.max(width, 150)});
        }
      });
      div.__gvResize.observe(div);
    }
  });
  return () => { onScreen.unobserve(div); if (div.__gvResize) div.__gvResize.disconnect(); };
}
"""

_component = st.components.v2.component(
    NAME, js=_JS.replace("__LOADER__", _LOADER_JS).replace("__THEME__", json.dumps(THEME_LAYOUT))
    .replace("__CONFIG__", json.dumps(CONFIG)).replace("__COLORS__", json.dumps(PLACEHOLDER_COLORS)),
    isolate_styles=False)


def _lib_url() -> str:
    """The URL of the plotly.js bundle: Streamlit's static file route (/app/static/), or, where the operator has
    turned static file serving off, a v1 component whose folder is the static folder (registered per server)."""
    base = st_config.get_option("server.baseUrlPath").strip("/")
    prefix = "/" + base if base else ""
    if st_config.get_option("server.enableStaticServing"):
        return f"{prefix}/app/static/{_LIB_FILE}"
    lib = components_v1.declare_component(_LIB_NAME, path=str(_LIB_DIR))
    return f"{prefix}/component/{lib.name}/{_LIB_FILE}"


def preload_html() -> str:
    """A script that starts loading plotly.js, in an element that takes no space (its container is hidden);
    app.py sends it before the page's script has sent its charts (ui.preload_charts), so the bundle's fetch and
    evaluation (0.3–0.4 s in Chromium here) overlap the page's script instead of following it. The charts'
    ``loadPlotly`` finds the load under way (``window.__gvPlotlyLoading``)."""
    return _PRELOAD_HTML.replace("__SRC__", json.dumps(_lib_url()))


_PRELOAD_HTML = ('<style>[data-testid="stElementContainer"]:has(.gv-preload) { display: none; }</style>'
                 '<span class="gv-preload"></span>'
                 "<script>(() => {\n" + _LOADER_JS + "loadPlotly(__SRC__).catch(() => {});\n})();</script>")


def figure_json(fig: go.Figure) -> str:
    """The figure as plotly's JSON (numpy arrays as typed arrays), as st.plotly_chart sends it."""
    return pio.to_json(fig, validate=False)


def live_chart(fig: go.Figure, key: str, modebar: bool = True) -> None:
    """Draw ``fig`` in the chart element ``key``, updating the same plot in place on every rerun (a live panel's
    refresh, a slider's change): no blank frame, no layout jump, the zoom kept through the figure's
    ``uirevision``. ``modebar=False`` hides plotly's tool bar (zoom, download)."""
    height = fig.layout.height or DEFAULT_HEIGHT
    _component(key=key, data={"figure": figure_json(fig), "height": int(height), "lib": _lib_url(),
                              "modebar": modebar, "key": key}, height=int(height))



_IMAGE_JS = r"""
export default function ({ parentElement, data }) {
  const src = "data:image/png;base64," + data.png;
  parentElement.__gvNext = src;
  const next = new Image();
  next.className = "gv-live-image";
  next.alt = data.alt;
  next.style.cssText = "display:block;width:100%;height:auto;image-rendering:pixelated";
  next.src = src;
  next.decode().catch(() => {}).then(() => {
    if (parentElement.__gvNext !== src) return;  // a newer picture is on its way
    const shown = parentElement.querySelector(":scope > img.gv-live-image");
    if (shown) shown.replaceWith(next); else parentElement.appendChild(next);
  });
}
"""

_image_component = st.components.v2.component(f"{NAME}_image", js=_IMAGE_JS, isolate_styles=False)


def png_base64(picture: np.ndarray) -> str:
    """A uint8 picture (H×W grayscale or H×W×3) as base64 PNG."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(picture, np.uint8)).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def live_image(picture: np.ndarray, key: str, alt: str = "") -> None:
    """Show a uint8 ``picture`` at the column's width in the element ``key``; on every rerun the new picture
    replaces the old one only once it is decoded (no frame without a picture), pixels kept crisp."""
    _image_component(key=key, data={"png": png_base64(picture), "alt": alt})
