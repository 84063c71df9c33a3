"""ganviz — an interactive visual explainer of GANs. Run: streamlit run app.py"""
from pathlib import Path

import streamlit as st
import torch

from ganviz import ui
from ganviz.engine import startup, worker
from ganviz.sitemap import PAGES_DIR, available

# A local favicon: a material icon would be fetched from an outside font host.
st.set_page_config(page_title="ganviz — GANs, explained live", layout="wide",
                   page_icon=str(Path(ui.__file__).with_name("favicon.png")))
ui.preload_charts()  # plotly.js starts loading before the page's script runs
# Page computations are small: one intra-op thread each avoids oversubscribing the CPU when several sessions
# run at once. Training threads pick their own count (ganviz.engine.device.cpu_threads_for).
torch.set_num_threads(1)
worker.warm_up()  # live runs train in worker processes: start their forkserver before the first Play
if ui.from_browser():  # a served app (not a test client): pay the process's one-time costs before a page needs them
    startup.warm_server()
ui.device_badge()
ui.presenter_toggle()
st.navigation({section: [st.Page(PAGES_DIR / f, title=title, icon=icon, default=(f == "home.py"))
                         for f, title, icon, _ in pages]
               # every page listed, none behind "View more"
               for section, pages in available().items()}, expanded=True).run()
