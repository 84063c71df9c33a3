"""Streamlit pieces shared by the "Pretrained DCGAN" and "Latent space" pages: the generator picker (shipped
models, saved runs, uploads) with cached loading, and the short model description."""
from __future__ import annotations

import streamlit as st

from ganviz.images import pretrained
from ganviz.images.pretrained import GANInfo

UPLOAD = "Upload a checkpoint…"


@st.cache_resource(show_spinner="Loading the generator…", max_entries=16)
def _load_path(path: str, _mtime: float):
    return pretrained.load(path)


@st.cache_resource(show_spinner="Reading the upload…", max_entries=4)
def _load_checkpoint_upload(files: tuple[tuple[str, bytes], ...]):
    return pretrained.load_checkpoint_upload(list(files))


def _mtime(path: str) -> float:
    from pathlib import Path
    p = Path(path)
    f = p if p.exists() else p.with_suffix(".safetensors")
    return f.stat().st_mtime if f.exists() else 0.0


def preset_model(values: dict) -> dict:
    """A preset's shipped model name → the picker's label ("model" is dropped if that model is not shipped)."""
    values = dict(values)
    titles = {m.name: m.title for m in pretrained.list_models()}
    name = values.pop("model", None)
    if name in titles:
        values["model"] = titles[name]
    return values


def choose_generator(prefix: str, default: str = "dcgan_mnist"):
    """Model picker: shipped GANs, runs in runs/, or an upload. Returns (G, config, GANInfo) or None, after
    showing a clear st.error/st.info for anything missing or malformed (the page then shows nothing else)."""
    shipped, runs = pretrained.list_models(), pretrained.list_runs()
    options = {f"{m.title}": m for m in shipped}
    options.update({f"Run: {r.name}": r for r in runs})
    labels = list(options) + [UPLOAD]
    key = f"{prefix}_model"
    if st.session_state.get(key) not in labels:
        st.session_state[key] = next((k for k, m in options.items() if m.name == default), labels[0])
    choice = st.selectbox("Generator", labels, key=key, bind="query-params",
                          help="The shipped DCGANs (models/), runs saved by `python -m ganviz train --out runs/…`, "
                               "or a checkpoint you upload (a .zip from the training page, or .safetensors + .json).")
    if choice == UPLOAD:
        ups = st.file_uploader("Checkpoint: one .zip, or a .safetensors file with its .json config",
                               accept_multiple_files=True, key=f"{prefix}_upload")
        if not ups:
            st.info("Upload a checkpoint to continue (the training page's “Checkpoint (.zip)” download works).")
            return None
        try:
            G, config = _load_checkpoint_upload(tuple((u.name, u.getvalue()) for u in ups))
        except ValueError as err:
            st.error(f"This upload cannot be used: {err}", icon=":material/error:")
            return None
        info = pretrained.info_from_config(config, ups[0].name, "upload")
        return _check_image_gan(G, config, info)
    info: GANInfo = options[choice]
    try:
        G, config = _load_path(info.path, _mtime(info.path))
    except ValueError as err:
        st.error(f"{choice} cannot be loaded: {err}", icon=":material/error:")
        return None
    return _check_image_gan(G, config, info)


def _check_image_gan(G, config, info: GANInfo):
    if info.z_dim < 2:
        st.error("This generator has a 1-d latent space; the latent-space tools need z_dim ≥ 2.")
        return None
    return G, config, info


def describe(config: dict, info: GANInfo) -> str:
    """One line about the model: data, steps, loss, and the shipped metrics if present."""
    parts = []
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    if data.get("name"):
        parts.append(f"trained on {data['name']} ({data.get('n', '?'):,} images)" if isinstance(data.get("n"), int)
                     else f"trained on {data['name']}")
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    if isinstance(config.get("step"), int):
        parts.append(f"{config['step']:,} steps")
    if train.get("loss"):
        parts.append(f"{train['loss']} loss")
    if isinstance(config.get("hardware"), str):  # a device string: only say which kind
        hw = config["hardware"].lower()
        parts.append("on a GPU" if any(w in hw for w in ("cuda", "nvidia", "gpu")) else "on a CPU")
    m = config.get("metrics") if isinstance(config.get("metrics"), dict) else {}
    if isinstance(m.get("IS"), (int, float)) and isinstance(m.get("FID"), (int, float)):
        parts.append(f"IS {m['IS']:.2f} (real {m.get('real_IS', float('nan')):.2f}), FID {m['FID']:.1f} "
                     "in ganviz's classifier space")
    if info.conditional:
        parts.append(f"class-conditional ({info.num_classes} classes)")
    if info.prior is not None:
        parts.append(f"noise from a mixture of {info.prior.components} Gaussians (a disconnected latent)")
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    if isinstance(model.get("aux_classes"), int) and model["aux_classes"] > 0:
        parts.append("D had a classifier of the real labels and G was trained to make the asked class (AC-GAN)"
                     if info.conditional else "D had a classifier of the real labels and G was trained to make "
                     "pictures it names surely, all classes equally often (CatGAN's terms); sampling needs no label")
    return "; ".join(parts) + "." if parts else ""
