"""The app's pages: one list read by app.py (navigation), the home page (map) and the tests."""
import re
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
TEXT_PAGES = ("home.py", "tour.py")  # text and links, no figure

# section -> [(file in pages/, title, material icon, one line for the home page's map)]
SECTIONS = {
    "": [("home.py", "Home", ":material/home:", "The minimax objective, Algorithm 1 and this map."),
         ("tour.py", "Guided lecture", ":material/school:",
          "The GAN story in 15 stops through these pages: each opens a page prepared, says what to look at and "
          "asks you to predict what the live run will show; write your own lecture as a small text file.")],
    "Theory": [
        ("generator.py", "Generator: noise → data", ":material/trending_up:",
         "How G pushes N(0,1) onto a target density: change of variables over all preimages, the optimal "
         "monotone map, a small G trained live."),
        ("discriminator.py", "Discriminator: converging to D*", ":material/balance:",
         "Train D live against a fixed p_g and watch it reach p_data/(p_data+p_g); Goodfellow's Figure 1 "
         "(a)–(d) replayed by a real 1-D GAN."),
        ("jsd.py", "The value at the optimum: −log 4 + 2·JSD", ":material/functions:",
         "V(G, D*) by integration beside −log 4 + 2·JSD; JSD stuck at log 2 for disjoint supports while W1 "
         "keeps growing; forward vs reverse KL; Proposition 2."),
        ("saturation.py", "Saturating vs non-saturating G loss", ":material/show_chart:",
         "log(1 − D) vs −log D and their gradients, and what happens to G when D confidently rejects fakes."),
    ],
    "Training": [
        ("playground.py", "2-D playground", ":material/scatter_plot:",
         "GAN Lab and more: rings, grids, spirals, every loss; mode collapse caught in the act and fixed by "
         "PacGAN, unrolling or WGAN-GP."),
        ("train_images.py", "Train on images", ":material/image:",
         "MLP GAN and DCGAN on MNIST / Fashion-MNIST, live, on CPU or GPU, with timelines, curves and downloads."),
    ],
    "Latent space & evaluation": [
        ("pretrained.py", "Pretrained DCGAN", ":material/auto_awesome:",
         "Sample the shipped DCGANs (unconditional and class-conditional) with a seed and a truncation slider."),
        ("latent.py", "Latent space", ":material/timeline:",
         "Interpolate (lerp vs slerp), walk a direction, and do Radford-style vector arithmetic."),
        ("evaluation.py", "Evaluating GANs", ":material/analytics:",
         "IS, FID, KID, precision and recall computed offline — and what each does and does not notice."),
    ],
    "Beyond the 2014 GAN": [
        ("vae.py", "VAE vs GAN, measured", ":material/compare:",
         "A VAE beside the DCGAN of the same data: samples, reconstructions, interpolations, and the textbook "
         "comparison table as measured numbers; train a VAE live."),
        ("dirac.py", "Why GAN training oscillates: Dirac-GAN", ":material/cyclone:",
         "The smallest GAN in the (θ, ψ) plane: the gradient field rotates around the equilibrium; simultaneous "
         "steps spiral out, alternating ones circle, R1 or instance noise make them converge."),
        ("cyclegan.py", "Unpaired translation: CycleGAN", ":material/sync_alt:",
         "Two 2-D domains, no pairs: G: X→Y and F: Y→X trained live, with and without the cycle-consistency loss."),
    ],
}


def available() -> dict[str, list[tuple[str, str, str, str]]]:
    """SECTIONS restricted to the page files that exist."""
    out = {}
    for section, pages in SECTIONS.items():
        found = [p for p in pages if (PAGES_DIR / p[0]).exists()]
        if found:
            out[section] = found
    return out


def url_name(page_file: str) -> str:
    """A page's URL name: st.navigation derives it from the file name (pages/jsd.py -> "jsd")."""
    return Path(page_file).stem


def page_prefixes() -> dict[str, str | None]:
    """Each available page's URL name -> the prefix of its widget keys and URL parameters (the page file's
    ``P = "…"``), None for a page without parameters."""
    out: dict[str, str | None] = {}
    for pages in available().values():
        for f, *_ in pages:
            m = re.search(r'^P = "([a-z]+)"', (PAGES_DIR / f).read_text(encoding="utf-8"), re.M)
            out[url_name(f)] = m.group(1) if m else None
    return out
