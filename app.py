"""ganviz — an interactive visual explainer of GANs. Run: streamlit run app.py"""
from pathlib import Path

import streamlit as st

from ganviz import ui
from ganviz.engine import processes, startup
from ganviz.sitemap import PAGES_DIR, TEXT_PAGES, available

# A local favicon: a material icon would be fetched from an outside font host.
st.set_page_config(page_title="ganviz — GANs, explained live", layout="wide",
                   page_icon=str(Path(ui.__file__).with_name("favicon.png")))
ui.preload_charts()  # plotly.js starts loading before the page's script runs
processes.warm_up()  # live runs train in worker processes: their forkserver starts before the first Play
served = ui.from_browser()
if not served:  # a test client draws each page whole, at once
    startup.load_torch()
if startup.torch_ready():
    # Page computations are small: one intra-op thread each avoids oversubscribing the CPU when several sessions
    # run at once (a run's own thread: OpenMP's count is per thread). Training threads pick their own count
    # (ganviz.engine.device.cpu_threads_for).
    startup.load_torch().set_num_threads(1)
    ui.device_badge()
    badge_later = None
else:  # the server's first session, while torch loads: the badge's place is kept and filled after the page
    badge_later = st.sidebar.empty()
ui.presenter_toggle()
pages = {section: [(f, st.Page(PAGES_DIR / f, title=title, icon=icon, default=(f == "home.py")))
                   for f, title, icon, _ in entries] for section, entries in available().items()}
# every page listed, none behind "View more"
page = st.navigation({section: [p for _, p in entries] for section, entries in pages.items()}, expanded=True)
# a page with figures: pandas first (plotly would find it half-imported while the warm-up imports it)
if page.url_path not in {p.url_path for entries in pages.values() for f, p in entries if f in TEXT_PAGES}:
    startup.before_figures()
page.run()
if badge_later is not None:
    ui.device_badge(badge_later)
if served:
    # a served app: the process's other one-time costs (torch's first optimizer step, scipy, pandas, the digits)
    # load in a background thread, after the page's script so that the first page does not share the CPU with them
    startup.warm_server()
