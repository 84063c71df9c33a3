"""Home: the minimax game, Algorithm 1, and a map of the app."""
import streamlit as st

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
    ui.formula(r"\min_G \max_D V(D,G) = \mathbb{E}_{x\sim p_{\text{data}}}[\log D(x)]"
               r" + \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))]",
               "D ascends V (it wants D(x) → 1 on real data, D(G(z)) → 0 on fakes); G descends it.")
    ui.formula(r"D^*_G(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}, \qquad"
               r"C(G) = \max_D V(G,D) = -\log 4 + 2\,\mathrm{JSD}(p_{\text{data}}\,\|\,p_g)",
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
    st.latex(r"\nabla_{\theta_d} \frac{1}{m}\sum_{i=1}^m \Big[\log D(x^{(i)}) + \log\big(1 - D(G(z^{(i)}))\big)\Big]")
    st.markdown(
        """
2. sample a minibatch of m noise samples from p_z and update G by **descending**
"""
    )
    st.latex(r"\nabla_{\theta_g} \frac{1}{m}\sum_{i=1}^m \log\big(1 - D(G(z^{(i)}))\big)")
    st.caption("The paper used k = 1 and SGD with momentum; in practice G minimises −log D(G(z)) instead "
               "(the non-saturating loss — see its page). Every live page here runs this same loop: one "
               "`Trainer` in `ganviz/train.py`.")

st.subheader("Map of the app")
rows = [(section or "—", title, line) for section, pages in sitemap.available().items()
        for _, title, _, line in pages if title != "Home"]
st.dataframe({"Section": [r[0] for r in rows], "Page": [r[1] for r in rows], "What it shows": [r[2] for r in rows]},
             hide_index=True, width="stretch")
st.caption(f"Compute device: {ui.device_description()}. Everything works offline; "
           "the app never downloads anything unless you press a download button.")
