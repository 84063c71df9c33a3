"""Uploads are data, never code: the one refusal type, the raster-only image opener and the zip entry count.

Every loader of a user's file (image zips and arrays, checkpoints, CSVs) raises :class:`UploadError` — a
ValueError whose text is one sentence for the page (st.error), without a traceback or a server path.

Images: Pillow can open formats that are programs (EPS/PostScript is rendered by starting Ghostscript), so a
file is opened only when its first bytes are one of the raster signatures below, and then only with that
format's plugin (``Image.open(..., formats=[fmt])``). Its size is read from the header and checked against the
caps before a pixel is decoded.
"""
from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

__all__ = ["UploadError", "RASTER_FORMATS", "sniff_format", "raster_size", "open_raster", "check_zip_entries",
           "refusal", "quote"]

#: The formats an uploaded picture may have: plain raster formats whose decoders never start a process.
RASTER_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")
_SIGNATURES = (  # (format, offset, bytes): the files' magic numbers
    ("PNG", 0, b"\x89PNG\r\n\x1a\n"),
    ("JPEG", 0, b"\xff\xd8\xff"),
    ("BMP", 0, b"BM"),
    ("GIF", 0, b"GIF87a"),
    ("GIF", 0, b"GIF89a"),
    ("WEBP", 8, b"WEBP"),  # with b"RIFF" at offset 0, checked below
)
_PROGRAMS = ((b"%!PS", "PostScript"), (b"\xc5\xd0\xd3\xc6", "PostScript"), (b"%PDF", "PDF"))
MAX_MESSAGE = 300
_PACKAGE = Path(__file__).resolve().parent


class UploadError(ValueError):
    """A user's file is refused; ``str(err)`` is one sentence for the page (no traceback, no server path)."""

    def __init__(self, message: str):
        text = " ".join(str(message).split())  # one line
        super().__init__(text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…")


def refusal(err: BaseException, what: str) -> UploadError:
    """``err`` as an UploadError: kept if it already is one, or if it is a ValueError raised by ganviz's own code
    (those are written as sentences); else a generic sentence about ``what`` — the text of an exception from a
    library (paths, reprs, decoder internals) never reaches the page."""
    if isinstance(err, UploadError):
        return err
    if type(err) is ValueError and _raised_by_ganviz(err):
        return UploadError(str(err))
    if isinstance(err, MemoryError):
        return UploadError(f"{what} needs more memory than this server allows for an upload.")
    return UploadError(f"{what} could not be read (it is damaged or not in a supported format).")


def _raised_by_ganviz(err: BaseException) -> bool:
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and Path(tb.tb_frame.f_code.co_filename).resolve().parent.is_relative_to(_PACKAGE)


def quote(name: str, limit: int = 60) -> str:
    """A user's file name for a message: repr, shortened."""
    name = str(name)
    return repr(name if len(name) <= limit else name[: limit - 1] + "…")


def sniff_format(head: bytes) -> str | None:
    """The raster format whose signature ``head`` starts with, or None."""
    for fmt, offset, magic in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic and (fmt != "WEBP" or head[:4] == b"RIFF"):
            return fmt
    return None


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def raster_size(head: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from the first bytes of a PNG (IHDR), GIF (logical screen) or JPEG (SOF marker)
    without Pillow; None when ``head`` is another format or too short to tell (the caller then asks Pillow)."""
    fmt = sniff_format(head[:16])
    try:
        if fmt == "PNG" and head[12:16] == b"IHDR":
            w, h = struct.unpack_from(">II", head, 16)
            return fmt, w, h
        if fmt == "GIF":
            w, h = struct.unpack_from("<HH", head, 6)
            return fmt, w, h
        if fmt == "JPEG":
            i = 2
            while i + 9 <= len(head):
                if head[i] != 0xFF:
                    return None
                marker = head[i + 1]
                if marker == 0xFF:  # fill byte
                    i += 1
                elif marker in _JPEG_SOF:
                    h, w = struct.unpack_from(">HH", head, i + 5)
                    return fmt, w, h
                elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
                    i += 2
                else:
                    i += 2 + struct.unpack_from(">H", head, i + 2)[0]
    except struct.error:
        return None
    return None


def open_raster(raw: bytes, name: str, max_pixels: int):
    """A PIL image of ``raw`` with only its header read (nothing decoded yet), after checking the magic bytes,
    opening with that format's plugin alone, and checking width × height ≤ ``max_pixels``.

    UploadError with one sentence for anything else, e.g. PostScript named ``.png``."""
    from PIL import Image
    fmt = sniff_format(raw[:16])
    if fmt is None:
        kind = next((k for magic, k in _PROGRAMS if raw[:len(magic)] == magic), None)
        tail = f": its bytes are {kind}, which ganviz never opens" if kind else ""
        raise UploadError(f"{quote(name)} in the zip is not a readable PNG, JPEG, BMP, GIF or WebP image{tail}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError(f"{quote(name)} has more pixels than the limit of {max_pixels:,} per image.") from None
    except Exception:  # noqa: BLE001 - any decoder complaint is the same sentence for the user
        raise UploadError(f"{quote(name)} in the zip is not a readable PNG, JPEG, BMP, GIF or WebP image "
                          f"(its {fmt} header is damaged).") from None
    w, h = img.size
    if w < 1 or h < 1 or w * h > max_pixels:
        raise UploadError(f"{quote(name)} is {w}×{h} pixels; the limit is {max_pixels:,} pixels per image.")
    return img


def check_zip_entries(blob: bytes, cap: int, what: str = "The zip") -> None:
    """Refuse a zip with more than ``cap`` entries before :class:`zipfile.ZipFile` builds one object per entry.

    Walks the central directory's fixed 46-byte headers (PKWARE APPNOTE 4.3.12), counting, and stops at ``cap``;
    linear in the entries, no allocation per entry. A malformed directory is left to zipfile to refuse."""
    end = blob.rfind(b"PK\x05\x06", max(0, len(blob) - 65_557))
    if end < 0 or end + 22 > len(blob):
        return
    size_cd, offset_cd = struct.unpack_from("<II", blob, end + 12)
    start = end - size_cd
    loc = end - 20  # zip64 end-of-central-directory locator
    if loc >= 0 and blob[loc:loc + 4] == b"PK\x06\x07":
        rec = loc - 56  # the zip64 record sits just before its locator (as zipfile reads it)
        if rec >= 0 and blob[rec:rec + 4] == b"PK\x06\x06":
            (size_cd,) = struct.unpack_from("<Q", blob, rec + 40)
            start = rec - size_cd
    pos, count = max(start, 0), 0
    while pos + 46 <= len(blob) and blob[pos:pos + 4] == b"PK\x01\x02":
        count += 1
        if count > cap:
            raise UploadError(f"{what} holds more than {cap:,} entries; the limit is {cap:,}.")
        n, m, k = struct.unpack_from("<HHH", blob, pos + 28)
        pos += 46 + n + m + k
