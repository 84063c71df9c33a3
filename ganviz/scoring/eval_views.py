"""The rows of the Evaluating GANs page — a (degraded) real set, a GAN's samples, FID against N — and the
shipped scores of its prepared views.

Scoring a view takes seconds (features of N images, KID over 100 subsets, the k-NN balls of precision/recall:
Salimans et al. 2016; Heusel et al. 2017; Bińkowski et al. 2018; Kynkäänniemi et al. 2019). The default view and
the page's presets are computed once, offline, by ``python -m ganviz eval-views`` and shipped in
``models/eval_views.json`` (numbers) and ``models/eval_views.npz`` (sample grids). Each entry's key holds the
SHA-256 digests of every input it was computed from — the classifier and its reference statistics, the real
images, each GAN's weights — so an entry is used only when today's inputs are byte-identical; anything else is
computed live, with the same functions.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ganviz.images import tensors
from ganviz.images.datasets import ImageSet, load_images
from ganviz.images.pretrained import MODELS_DIR
from ganviz.scoring import classifier as C
from ganviz.scoring import evaluation, metrics

STORE = "eval_views"
Progress = Callable[[float, str], None] | None
# The page's degradation sliders and its sample settings; presets: (caption, settings)
DEFAULTS = {"drop": [], "noise": 0.0, "blur": 0.0}
SETTINGS = {"n": 2000, "kid": 100}
DEFAULT_SEED = 0  # the page's seed box starts here (ui.seed_input)
PRESETS = {
    "Clean": ("The degraded set is real training data: every metric sits at the baseline.", {}),
    "Drop 5 classes": ("IS and recall fall, the class histogram has holes — precision stays high: "
                       "each image is still a perfect digit.", {"drop": [5, 6, 7, 8, 9]}),
    "One class only": ("IS → 1 and recall → 0, yet precision stays: sharp samples, no diversity.",
                       {"drop": [0, 1, 2, 3, 4, 5, 6, 8, 9]}),
    "Noise": ("IS barely moves — the digits stay readable — while FID and KID rise several-fold and "
              "precision and recall fall.", {"noise": 0.15}),
    "Blur": ("IS barely notices; FID jumps and recall collapses: blurred digits crowd into a small part of "
             "feature space, which no longer covers the real variety.", {"blur": 0.75}),
    "Heavy noise": ("The classifier cannot read the digits any more: IS falls towards 1 and precision towards 0.",
                    {"noise": 0.5}),
}
_digests: dict[tuple, str] = {}
_lock = threading.Lock()


# ------------------------------------------------------------------------------------------------ digests
def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's bytes (first 16 hex digits), memoised on its size and modification time."""
    p = Path(path)
    st = p.stat()
    memo = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    with _lock:
        if memo in _digests:
            return _digests[memo]
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    with _lock:
        _digests[memo] = h.hexdigest()[:16]
    return _digests[memo]


def bytes_digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for b in parts:
        h.update(hashlib.sha256(b).digest())
    return h.hexdigest()[:16]


def evaluator_digest(dataset: str, models_dir: str | Path | None = None) -> str:
    """Digest of the classifier's weights, config and reference statistics for ``dataset``."""
    stem = C.classifier_path(dataset, models_dir)
    return bytes_digest(*(file_digest(stem.with_suffix(s)).encode() for s in (".safetensors", ".json", ".npz")))


def pool_digest(pool: ImageSet) -> str:
    """Digest of a real image set's pixels and labels."""
    return bytes_digest(np.ascontiguousarray(pool.images).tobytes(), np.ascontiguousarray(pool.labels).tobytes())


def source_digest(source) -> str:
    """Digest of a GAN's files: a path (shipped stem, run folder or .zip) or uploaded (name, bytes) pairs."""
    if isinstance(source, tuple):
        return bytes_digest(*(name.encode() + b"\0" + blob for name, blob in source))
    p = Path(source)
    if p.is_dir():
        files = [p / "model.safetensors", p / "config.json"]
    elif p.suffix == ".zip":
        files = [p]
    else:
        files = [Path(f"{p}.safetensors"), Path(f"{p}.json")]
    return bytes_digest(*(file_digest(f).encode() for f in files if f.is_file()))


# ------------------------------------------------------------------------------------------------- keys
def degraded_key(evaluator: str, pool: str, drop: Sequence[int], noise: float, blur: float, n: int, seed: int,
                 kid_subsets: int) -> str:
    return json.dumps(["degraded", evaluator, pool, sorted(int(c) for c in drop), round(float(noise), 6),
                       round(float(blur), 6), int(n), int(seed), int(kid_subsets)])


def gan_key(evaluator: str, gan: str, n: int, seed: int, kid_subsets: int) -> str:
    return json.dumps(["gan", evaluator, gan, int(n), int(seed), int(kid_subsets)])


def fid_curve_key(evaluator: str, pool: str, drop: Sequence[int], noise: float, blur: float, seed: int) -> str:
    return json.dumps(["fidn", evaluator, pool, sorted(int(c) for c in drop), round(float(noise), 6),
                       round(float(blur), 6), int(seed)])


# ----------------------------------------------------------------------------------------------- the rows
def score_degraded(clf, ref: metrics.Reference, pool: ImageSet, drop: Sequence[int], noise: float,
                   blur: float, n: int, seed: int, kid_subsets: int, progress: Progress = None):
    """(Scores, drawn_with_replacement, grid of the first 48) of N real images with classes dropped, pixel noise
    and blur added (``evaluation.degrade``)."""
    x, replaced = evaluation.degrade(pool.images, pool.labels, n, drop, noise, blur, seed)
    scores = evaluation.score_images(clf, x, ref, seed, kid_subsets=kid_subsets, progress=progress)
    return scores, bool(replaced), tensors.make_grid(x[:48], nrow=12)


def score_gan(clf, ref: metrics.Reference, G, config: dict, n: int, seed: int, kid_subsets: int,
              progress: Progress = None):
    """(Scores, grid of the first 24) of N samples of the generator ``G``."""
    x = evaluation.sample_generator(G, config, n, seed)
    scores = evaluation.score_images(clf, x, ref, seed, kid_subsets=kid_subsets, progress=progress)
    return scores, tensors.make_grid(x[:24], 12)


def fid_curve(clf, ref: metrics.Reference, pool: ImageSet, drop: Sequence[int], noise: float, blur: float,
              seed: int):
    """``evaluation.fid_curve`` of the (degraded) real pool."""
    return evaluation.fid_curve(clf, ref, pool.images, pool.labels, drop, noise, blur, seed)


# ------------------------------------------------------------------------------------- the shipped store
def _encode(value, grids: dict, index: int):
    if isinstance(value, metrics.Scores):
        d = asdict(value)
        d["class_hist"] = np.asarray(value.class_hist).tolist()
        return {"scores": d}
    if isinstance(value, np.ndarray):
        if value.dtype == np.uint8:
            name = f"g{index}_{len(grids)}"
            grids[name] = value
            return {"grid": name}
        return {"array": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, grids, index) for v in value]}
    if value is None or isinstance(value, (bool, int, float)):
        return {"value": float(value) if isinstance(value, np.floating) else value}
    if isinstance(value, np.floating | np.integer):
        return {"value": value.item()}
    raise TypeError(f"cannot store a {type(value).__name__}")


def _decode(obj, grids):
    if "scores" in obj:
        d = dict(obj["scores"])
        d["class_hist"] = np.asarray(d["class_hist"], dtype=float)
        return metrics.Scores(**d)
    if "grid" in obj:
        return grids[obj["grid"]]
    if "array" in obj:
        return np.asarray(obj["array"], dtype=obj["dtype"])
    if "tuple" in obj:
        return tuple(_decode(v, grids) for v in obj["tuple"])
    return obj["value"]


def save_store(entries: dict[str, object], models_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``entries`` (key → a row's value) to models/eval_views.json and .npz."""
    root = Path(models_dir or MODELS_DIR)
    grids: dict[str, np.ndarray] = {}
    table = {key: _encode(value, grids, i) for i, (key, value) in enumerate(entries.items())}
    js, npz = root / f"{STORE}.json", root / f"{STORE}.npz"
    js.write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")
    np.savez_compressed(npz, **grids)
    return js, npz


def load_store(models_dir: str | Path | None = None) -> dict[str, object]:
    """The shipped entries (key → value), or {} when the files are missing or unreadable."""
    root = Path(models_dir or MODELS_DIR)
    try:
        table = json.loads((root / f"{STORE}.json").read_text())
        with np.load(root / f"{STORE}.npz", allow_pickle=False) as z:
            grids = {k: z[k] for k in z.files}
        return {key: _decode(obj, grids) for key, obj in table.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def prepared_views(presets: dict[str, tuple[str, dict]], defaults: dict) -> list[tuple[tuple[int, ...], float, float]]:
    """(drop, noise, blur) of the default view and of each preset, without repeats."""
    seen = []
    for p in [{}, *(settings for _, settings in presets.values())]:
        v = {**defaults, **p}
        view = (tuple(sorted(int(c) for c in v["drop"])), float(v["noise"]), float(v["blur"]))
        if view not in seen:
            seen.append(view)
    return seen


def compute_store(datasets: Sequence[str], views, n: int, seed: int, kid_subsets: int,
                  log: Callable[[str], None] = print) -> dict[str, object]:
    """Every row the page shows at the given views, for each dataset whose classifier and real images exist."""
    from ganviz.images import pretrained

    entries: dict[str, object] = {}
    for dataset in datasets:
        try:
            clf, ref = C.load_classifier(dataset), C.load_reference(dataset, "test").with_radii(3)
            pool = load_images(dataset, "train")
        except (FileNotFoundError, ValueError) as err:
            log(f"{dataset}: skipped ({err})")
            continue
        ev, pd = evaluator_digest(dataset), pool_digest(pool)
        for drop, noise, blur in views:
            entries[degraded_key(ev, pd, drop, noise, blur, n, seed, kid_subsets)] = score_degraded(
                clf, ref, pool, drop, noise, blur, n, seed, kid_subsets)
            entries[fid_curve_key(ev, pd, drop, noise, blur, seed)] = fid_curve(clf, ref, pool, drop, noise, blur,
                                                                                seed)
            log(f"{dataset}: drop {list(drop)}, noise {noise}, blur {blur}")
        for g in pretrained.list_models():
            if g.dataset in (None, dataset):
                G, cfg = pretrained.load(g.path)
                entries[gan_key(ev, source_digest(g.path), n, seed, kid_subsets)] = score_gan(
                    clf, ref, G, cfg, n, seed, kid_subsets)
                log(f"{dataset}: {g.name}")
    return entries
