"""ganviz — an interactive visual explainer of GANs. Run: streamlit run app.py"""
from pathlib import Path

import streamlit as st

from ganviz import ui

st.set_page_config(page_title="ganviz — GANs, explained live", page_icon=":material/compare_arrows:", layout="wide")

PAGES = Path(__file__).parent / "pages"

SECTIONS = {
    "": [("home.py", "Home", ":material/home:")],
    "Theory": [
        ("generator.py", "Generator: noise → data", ":material/trending_up:"),
        ("discriminator.py", "Discriminator: converging to D*", ":material/balance:"),
        ("jsd.py", "The value at the optimum: −log 4 + 2·JSD", ":material/functions:"),
        ("saturation.py", "Saturating vs non-saturating G loss", ":material/show_chart:"),
    ],
    "Training": [
        ("playground.py", "2-D playground", ":material/scatter_plot:"),
        ("train_images.py", "Train on images", ":material/image:"),
    ],
    "Latent space & evaluation": [
        ("pretrained.py", "Pretrained DCGAN", ":material/auto_awesome:"),
        ("latent.py", "Latent space", ":material/timeline:"),
        ("evaluation.py", "Evaluating GANs", ":material/analytics:"),
    ],
}


def navigation() -> dict:
    """The pages that exist on disk, grouped in sections (a page not yet built is simply not listed)."""
    nav = {}
    for section, pages in SECTIONS.items():
        found = [st.Page(PAGES / f, title=t, icon=i, default=(f == "home.py")) for f, t, i in pages
                 if (PAGES / f).exists()]
        if found:
            nav[section] = found
    return nav


ui.device_badge()
st.navigation(navigation()).run()
