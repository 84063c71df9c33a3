"""Evaluating GANs: IS, FID, KID and precision/recall, computed offline in the feature space of ganviz's own
classifiers, for real data (the baseline), "degraded real" sets built with sliders, the shipped GANs and the
user's saved run; FID's sample-size bias and the FID∞ extrapolation (Chong & Forsyth 2020)."""
from __future__ import annotations

import hashlib

import streamlit as st

from ganviz import ui
from ganviz.images import pretrained
from ganviz.images.datasets import TITLES, load_images
from ganviz.onedim.theory_live import ResultCache
from ganviz.plots import eval as pe
from ganviz.scoring import classifier as C
from ganviz.scoring import eval_views as V
from ganviz.scoring import evaluation as E

P = "eval"
MAX_UPLOAD_MB = 64
DEFAULTS, SETTINGS, PRESETS = V.DEFAULTS, V.SETTINGS, V.PRESETS


ui.init_state(P, {**DEFAULTS, **SETTINGS})


# ------------------------------------------------------------------------------------------------- caches
@st.cache_resource(max_entries=2, show_spinner=False)
def load_eval(dataset: str):
    """The shipped classifier and the real test reference, with its k-NN radii computed once."""
    return C.load_classifier(dataset), C.load_reference(dataset, "test").with_radii(3)


@st.cache_resource(max_entries=2, show_spinner=False)
def real_pool(dataset: str):
    """Real training images of ``dataset`` (the source of the baseline and the degraded sets), or None."""
    try:
        return load_images(dataset, "train")
    except (FileNotFoundError, ValueError):
        return None


@st.cache_resource(show_spinner=False)
def _results() -> ResultCache:
    """Scores computed live, shared by sessions (each entry is a few hundred kB)."""
    return ResultCache(max_entries=48)


@st.cache_resource(show_spinner=False)
def _shipped() -> dict:
    """Scores of the default view and the presets, computed offline (``python -m ganviz eval-views``)."""
    return V.load_store()


@st.cache_resource(max_entries=2, show_spinner=False)
def pool_digest(dataset: str) -> str:
    return V.pool_digest(real_pool(dataset))


def memo(key: str, compute):
    shipped = _shipped()
    return shipped[key] if key in shipped else _results().get(key, compute)


def progress_bar():
    bar = st.progress(0.0, text="computing features and metrics …")
    return bar, (lambda f, text: bar.progress(min(max(f, 0.0), 1.0), text=text))


def score_degraded(dataset, drop, noise, blur, n, seed, kid_subsets, progress):
    pool = real_pool(dataset)
    key = V.degraded_key(V.evaluator_digest(dataset), pool_digest(dataset), drop, noise, blur, n, seed, kid_subsets)
    return memo(key, lambda: V.score_degraded(*load_eval(dataset), pool, drop, noise, blur, n, seed, kid_subsets,
                                              progress))


def score_gan(dataset, label, source, n, seed, kid_subsets, progress):
    """``source``: a path (shipped stem, run folder or .zip) or a tuple of uploaded (name, bytes) files; the
    cache key holds the digest of its files, so a retrained run in the same folder is scored anew."""
    def compute():
        G, cfg = (pretrained.load_checkpoint_upload(list(source)) if isinstance(source, tuple)
                  else pretrained.load(source))
        trained_on = E.gan_dataset(cfg)
        if trained_on is not None and trained_on != dataset:
            raise ValueError(f"{label} was trained on {trained_on}, not {dataset}: choose that dataset above.")
        return V.score_gan(*load_eval(dataset), G, cfg, n, seed, kid_subsets, progress)
    return memo(V.gan_key(V.evaluator_digest(dataset), V.source_digest(source), n, seed, kid_subsets), compute)


def fid_curve(dataset, drop, noise, blur, seed):
    pool = real_pool(dataset)
    key = V.fid_curve_key(V.evaluator_digest(dataset), pool_digest(dataset), drop, noise, blur, seed)
    return memo(key, lambda: V.fid_curve(*load_eval(dataset), pool, drop, noise, blur, seed))


# --------------------------------------------------------------------------------------------------- page
ui.page_header(
    "Evaluating GANs",
    "drop classes and IS and recall fall while precision stays; add noise or blur and precision falls while "
    "FID climbs — and read every number against the real-vs-real baseline row.",
    "No Inception network can be downloaded here, so ganviz measures in the feature space of small CNNs it "
    "trained itself (as TF-GAN's *mnist_score* does). Values are comparable **within ganviz**, not with papers' "
    "Inception-space numbers.",
)

datasets = [d for d in C.CLASSIFIER_DATASETS if C.classifier_path(d).with_suffix(".safetensors").is_file()
            and C.reference_splits(d)]
if not datasets:
    st.error("No evaluation classifier is shipped in models/: run `python -m ganviz train-classifier --data mnist`.")
    st.stop()

# screen order: presets and the degradation, the scores chart, then everything else; the dataset, N, KID
# subsets and the seed one click away in a collapsed panel
presets_area = st.container()
chart_area = st.container()


def settings_widgets() -> None:
    """The panel's widgets; the page reads their values from st.session_state (a keyed widget's)."""
    top = st.columns([1.2, 1, 1, 1])
    with top[0]:
        st.radio("Dataset", datasets, horizontal=True, **ui.bind(f"{P}_dataset", datasets),
                 format_func=lambda d: TITLES.get(d, d))
    with top[1]:
        st.select_slider("Samples per set N", [1000, 2000, 5000], **ui.bind(f"{P}_n"),
                         help="Every row uses the same N: FID depends on N (see the FID∞ section).")
    with top[2]:
        st.select_slider("KID subsets", [10, 20, 50, 100], **ui.bind(f"{P}_kid"),
                         help="100 subsets of ≤ 1,000 samples is the standard (Bińkowski et al. 2018); fewer is "
                              "faster and noisier.")
    with top[3]:
        ui.seed_input(key=f"{P}_seed")


ui.init_state(P, {"dataset": datasets[0], "seed": 0})  # the first shipped classifier's dataset
settings_area = ui.settings_panel(P, "gv_settings_eval", "Settings: dataset, sample size N, KID subsets, seed",
                                  settings_widgets)  # under the chart (presets_area and chart_area come first)
dataset, n, kid_subsets, seed = (st.session_state[f"{P}_{k}"] for k in ("dataset", "n", "kid", "seed"))
clf, ref = load_eval(dataset)
pool = real_pool(dataset)
class_names = clf.config.get("class_names") or [str(i) for i in range(10)]
is_real = C.reference_inception_score(dataset, "test")
settings_area.caption(f"Reference: {clf.config['data']['test']} — μ, Σ over {ref.n:,} images; KID and "
                      f"precision/recall use "
           f"{len(ref.features):,} of their feature vectors. Classifier accuracy "
           f"{100 * clf.config['accuracy']['test']:.2f} %, real-data IS {is_real[0]:.2f} ± {is_real[1]:.2f}.")

# ---- the degraded real set
if pool is None:
    st.warning(f"No {TITLES.get(dataset, dataset)} training images on this machine, so the baseline and the "
               f"degraded sets are unavailable: run `python -m ganviz download {dataset}`.")
    drop, noise, blur = (), 0.0, 0.0
else:
    settings_area.caption(f"Source: {pool.source}")
    with presets_area:
        ui.preset_bar(P, PRESETS, DEFAULTS, "Degrade the real set:")
    c1, c2, c3 = presets_area.container(key="gv_settings_eval_degrade").columns([1.4, 1, 1])
    with c1:
        drop = st.multiselect("Drop classes (mode dropping)", list(range(10)), **ui.bind(f"{P}_drop", multi=True),
                              format_func=lambda i: class_names[i])
    with c2:
        noise = st.slider("Pixel noise σ (image range −1…1)", 0.0, 1.0, step=0.05, **ui.bind(f"{P}_noise"))
    with c3:
        blur = st.slider("Gaussian blur σ (pixels)", 0.0, 3.0, step=0.25, **ui.bind(f"{P}_blur"))
    drop = tuple(sorted(int(c) for c in drop))
    if len(drop) == 10:
        st.error("Every class is dropped: keep at least one class.")
        st.stop()

rows, grids, hists = [], {}, {}
with chart_area:
    bar, progress = progress_bar()
try:
    if pool is not None:
        base, _, _ = score_degraded(dataset, (), 0.0, 0.0, n, seed, kid_subsets, progress)
        deg, replaced, grid = score_degraded(dataset, drop, float(noise), float(blur), n, seed, kid_subsets, progress)
        rows += [("real train (baseline)", base), ("degraded real", deg)]
        hists = {"real train": base.class_hist, "degraded real": deg.class_hist}
        grids["degraded real"] = grid
        if replaced:
            st.caption(f"Only {E.kept_count(pool.labels, drop):,} images remain after dropping: the "
                       f"{n:,} samples repeat some images.")
    for g in pretrained.list_models():
        if g.dataset in (None, dataset):
            try:
                s, grid = score_gan(dataset, f"pretrained {g.name}", g.path, n, seed, kid_subsets, progress)
                rows.append((f"pretrained {g.name}", s))
                hists[g.name], grids[f"pretrained {g.name}"] = s.class_hist, grid
            except ValueError as err:
                st.warning(f"Pretrained model {g.name} could not be evaluated: {err}")
except ValueError as err:
    st.error(str(err))
    st.stop()
finally:
    bar.empty()

# ---- the user's saved run: on a link's first run (nothing chosen yet in a new session) with the rest of the page
if not ui.settings_later(P):
    with st.expander("Evaluate your own saved run", expanded=False):
        st.caption("A run folder of `python -m ganviz train --out runs/…` (model.safetensors + config.json), its "
                   ".zip (the download of the training page), or the two files. Weights are read with safetensors "
                   "only.")
        runs = {r.path: r for r in pretrained.list_runs() if r.dataset in (None, dataset)}
        picked = st.selectbox("A run saved in runs/", [""] + list(runs), key=f"{P}_run_pick",
                              format_func=lambda p: "—" if not p else f"{runs[p].name} ({runs[p].dataset or '?'})")
        typed = st.text_input("…or the name of a run folder or .zip in runs/", key=f"{P}_run_path",
                              help="Only runs saved under this app's runs/ folder can be named here.").strip()
        uploads = st.file_uploader("…or upload the .zip, or config.json + model.safetensors", key=f"{P}_upload",
                                   type=["zip", "json", "safetensors"], accept_multiple_files=True)
        source, label = None, None
        if uploads:
            if sum(u.size for u in uploads) > MAX_UPLOAD_MB << 20:
                st.error(f"The upload is larger than {MAX_UPLOAD_MB} MB.")
            else:
                files = tuple((u.name, u.getvalue()) for u in uploads)
                digest = hashlib.sha256(b"".join(b for _, b in files)).hexdigest()[:12]
                source, label = files, f"upload {', '.join(name for name, _ in files)} {digest}"
        elif typed or picked:
            try:
                path = str(pretrained.resolve_run(typed)) if typed else picked
                source, label = path, f"run {path}"
            except ValueError as err:
                st.error(f"Your run could not be evaluated: {err}")
        if source is not None:
            bar2, progress2 = progress_bar()
            try:
                s, grid = score_gan(dataset, label, source, n, seed, kid_subsets, progress2)
                rows.append(("your run", s))
                hists["your run"], grids["your run"] = s.class_hist, grid
            except (ValueError, FileNotFoundError, OSError) as err:
                st.error(f"Your run could not be evaluated: {err}")
            finally:
                bar2.empty()

if not rows:
    st.info("Nothing to evaluate yet: no real training images and no GAN on this machine.")
    st.stop()

with chart_area:
    ui.live_chart(pe.metric_bars(rows), key=f"{P}_bars", modebar=False)
ui.fold(P)

# ---- numbers
st.subheader("Scores against the real test reference")
frame = pe.scores_frame(rows)
st.table(frame.style.format({c: "{:.4g}" if c.startswith("KID") else "{:.3f}" for c in frame.columns
                             if c not in ("set", "N")} | {"N": "{:,}"}, na_rep="—"), hide_index=True)

if pool is not None:
    st.subheader("The formulas, and what the degraded set does to each")
    d_row, b_row = deg.row(), base.row()

    def card(latex, meaning, label, key, fmt=".3f", inverse=False):
        left, right = st.columns([2.2, 1])
        with left:
            ui.formula(latex, meaning)
        with right:
            delta = d_row[key] - b_row[key]
            st.metric(label, ui.fmt(d_row[key], fmt), ui.fmt(delta, "+" + fmt) if abs(delta) > 1e-12 else None,
                      delta_color="inverse" if inverse else "normal", help="degraded set; delta vs the baseline")

    card(r"\mathrm{IS} = \exp\Big(\mathbb{E}_{x}\,\mathrm{KL}\big(p(y\mid x)\,\|\,p(y)\big)\Big)",
         "Salimans et al. 2016. High when each sample is confidently one class (sharp p(y|x)) and the classes are "
         "balanced (flat p(y)); between 1 and the number of classes. It never looks at real data.", "IS", "IS")
    card(r"\mathrm{FID} = \|\mu_r-\mu_g\|^2 + \mathrm{Tr}\big(\Sigma_r+\Sigma_g-2(\Sigma_r\Sigma_g)^{1/2}\big)",
         "Heusel et al. 2017. Fréchet distance of Gaussians fitted to real and generated features: quality and "
         "diversity in one number, lower is better; biased upward at small N.", "FID", "FID", inverse=True)
    card(r"\mathrm{KID} = \widehat{\mathrm{MMD}}^2_u,\quad k(x,y) = \big(\tfrac{1}{d}\,x^\top y + 1\big)^3",
         "Bińkowski et al. 2018. Unbiased kernel two-sample statistic on the same features: ≈ 0 for one "
         "distribution at any N; mean ± std over subsets. In this feature space its scale differs from Inception "
         "KID's.", "KID", "KID", fmt=".4g", inverse=True)
    card(r"\mathrm{precision} = \tfrac{1}{M}\textstyle\sum_j \mathbb{1}\big[\phi_g^j \in "
         r"\bigcup_i B(\phi_r^i, \mathrm{NN}_3(\phi_r^i))\big]",
         "Kynkäänniemi et al. 2019. Share of generated samples inside the real manifold (balls to each real "
         "point's 3rd neighbour): quality.", "precision", "precision")
    card(r"\mathrm{recall} = \tfrac{1}{N}\textstyle\sum_i \mathbb{1}\big[\phi_r^i \in "
         r"\bigcup_j B(\phi_g^j, \mathrm{NN}_3(\phi_g^j))\big]",
         "Share of real samples inside the generated manifold: coverage, the number that sees mode dropping.",
         "recall", "recall")

    left, right = st.columns([1.3, 1])
    with left:
        st.markdown("**Predicted classes** (mode dropping shows as empty bars; KL to uniform in the table)")
        ui.live_chart(pe.class_hist_figure(hists, class_names), key=f"{P}_hist", modebar=False)
    with right:
        for name, grid in grids.items():
            st.image(grid, caption=name, width="stretch", clamp=True)

    # ---- FID vs N
    st.subheader("FID depends on N: the FID∞ extrapolation")
    ui.formula(r"\mathrm{FID}_N \approx \mathrm{FID}_\infty + \frac{k}{N}",
               "Chong & Forsyth 2020: FID's bias is linear in 1/N, so a line through FID at several N, extended to "
               "1/N = 0, estimates the FID of infinitely many samples. Compare models at one stated N, or by FID∞.")
    curves = {}
    bar3, progress3 = progress_bar()
    try:
        progress3(0.2, "FID at 8 sample sizes (real train)")
        curves["real train"] = fid_curve(dataset, (), 0.0, 0.0, seed)
        progress3(0.6, "FID at 8 sample sizes (degraded real)")
        deg_curve = fid_curve(dataset, drop, float(noise), float(blur), seed)
    finally:
        bar3.empty()
    if deg_curve is None:
        st.caption("Fewer than 1,000 images remain after dropping classes: no FID∞ fit for the degraded set.")
    elif (drop, noise, blur) != ((), 0.0, 0.0):
        curves["degraded real"] = deg_curve
    c_fig, c_num = st.columns([2.2, 1])
    with c_fig:
        ui.live_chart(pe.fid_vs_n_figure({k: v for k, v in curves.items() if v is not None}), key=f"{P}_fidn",
                      modebar=False)
    with c_num:
        base_c = curves["real train"]
        if base_c is not None:
            ui.metric(f"real train: FID at N = {int(base_c[0][-1]):,}", base_c[1][-1], ".3f")
            ui.metric("real train: FID∞", base_c[2], ".3f")
        if "degraded real" in curves:
            ui.metric("degraded: FID∞", curves["degraded real"][2], ".3f")
        st.caption("Even real data vs real data has FID > 0 at finite N; the baseline's FID∞ is what is left of the "
                   "train/test difference once the small-N bias is removed.")
