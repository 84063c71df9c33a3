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
# the device badge's place; filled once torch has loaded (on a served app's first session Home does not wait for it)
badge = st.sidebar.empty()
ui.presenter_toggle()
pages = {section: [(f, st.Page(PAGES_DIR / f, title=title, icon=icon, default=(f == "home.py")))
                   for f, title, icon, _ in entries] for section, entries in available().items()}
# every page listed, none behind "View more"
page = st.navigation({section: [p for _, p in entries] for section, entries in pages.items()}, expanded=True)
if page.url_path not in {p.url_path for entries in pages.values() for f, p in entries if f in TEXT_PAGES}:
    startup.before_figures()  # torch with one thread for this run, and pandas, before the page's first figure
badge_now = startup.torch_ready()
if badge_now:
    ui.device_badge(badge)
page.run()
if not badge_now:
    ui.device_badge(badge)
if ui.from_browser():
    # a served app: the process's other one-time costs (torch's first optimizer step, scipy, pandas, the digits)
    # load in a background thread, after the page's script so that the first page does not share the CPU with them
    startup.warm_server()
