"""Home: the minimax game, Algorithm 1, and a map of the app."""
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ganviz import sitemap, ui

ui.page_header(
    "ganviz — Generative Adversarial Networks, explained live",
    "every picture in this app is computed while you watch — move a slider and the math answers.",
    "A GAN is a game between two networks: a **generator** G turns noise z into samples, and a "
    "**discriminator** D tells real samples from generated ones (Goodfellow et al., 2014).",
)

left, right = st.columns([1.1, 1])
with left:
    st.subheader("The minimax objective")
    ui.formula(r"\begin{aligned}\min_G \max_D V(D,G) = {} & \mathbb{E}_{x\sim p_{\text{data}}}[\log D(x)] \\"
               r" & + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))]\end{aligned}",
               "D ascends V (it wants D(x) → 1 on real data, D(G(z)) → 0 on fakes); G descends it.")
    ui.formula(r"D^*_G(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}")
    ui.formula(r"C(G) = \max_D V(G,D) = -\log 4 + 2\,\mathrm{JSD}(p_{\text{data}}\,\|\,p_g)",
               "Proposition 1 and Theorem 1: for a fixed G the best D is D*, and G then minimises a "
               "Jensen–Shannon divergence whose minimum −log 4 is reached exactly when p_g = p_data.")
with right:
    st.subheader("Algorithm 1 (Goodfellow et al., 2014)")
    st.markdown(
        """
**for** number of training iterations **do**
1. **for** k steps **do**
   - sample a minibatch of m noise samples {z⁽¹⁾…z⁽ᵐ⁾} from the prior p_z
   - sample a minibatch of m examples {x⁽¹⁾…x⁽ᵐ⁾} from p_data
   - update D by **ascending** its stochastic gradient
"""
    )
    st.latex(r"\begin{aligned}\nabla_{\theta_d} \frac{1}{m}\sum_{i=1}^m \Big[&\log D(x^{(i)}) \\"
             r" &+ \log\big(1 - D(G(z^{(i)}))\big)\Big]\end{aligned}")
    st.markdown(
        """
2. sample a minibatch of m noise samples from p_z and update G by **descending**
"""
    )
    st.latex(r"\nabla_{\theta_g} \frac{1}{m}\sum_{i=1}^m \log\big(1 - D(G(z^{(i)}))\big)")
    ui.note("The paper used k = 1 and SGD with momentum; in practice G minimises −log D(G(z)) instead "
            "(the non-saturating loss — see its page). Every live page here runs this same loop.")

st.subheader("Map of the app")
for section, pages in sitemap.available().items():
    entries = [(f, title, icon, line) for f, title, icon, line in pages if f != "home.py"]
    if not entries:
        continue
    st.markdown(f"**{section}**")
    for f, title, icon, line in entries:
        link, text = st.columns([1, 2.4], vertical_alignment="center")
        with link:
            try:
                st.page_link(str(sitemap.PAGES_DIR / f), label=title, icon=icon)
            except StreamlitAPIException:  # the page file run alone (no st.navigation): a plain link
                st.markdown(f"[{title}](/{f.removesuffix('.py')})")
        text.markdown(ui.md_escape(line))
st.caption("Everything works offline; the app never downloads anything unless you press a download button. The "
           "sidebar names the compute device.")
