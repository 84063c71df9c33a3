"""User uploads as image data sets: a .zip of pictures (labels from its folders), an .npy or an .npz array, checked
against byte, entry, image, pixel and class budgets before anything is decoded, and turned into 28×28 grayscale
images (an :class:`ganviz.images.datasets.ImageSet`). User files are data, never code."""
from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ganviz.images.datasets import SIDE, ImageSet, readonly
from ganviz.safety import UploadError, check_zip_entries, open_raster, quote, raster_size, refusal

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
    return ImageSet("upload", "train", readonly(images), readonly(labels), tuple(classes), desc, "upload")


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
