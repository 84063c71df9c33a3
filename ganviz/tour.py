"""Guided lectures: a sequence of stops, each opening one of the app's pages in a prepared state (its URL
parameters), with a few sentences and one "predict before you press Play" question.

A lecture is a TOML file (``ganviz/lectures/*.toml`` ships with the app; a lecturer's own go in the app's
``lectures/`` folder and are chosen by name, never by a typed path). It is data: read with ``tomllib``, size-capped,
and validated entry by entry, so a bad file is refused with one sentence naming the stop and the field::

    title = "My lecture"

    [[stop]]
    title = "D converges to D*"
    page = "discriminator"                 # a page's URL name (its file name in pages/)
    params = { ds_preset = "0" }           # that page's URL parameters (see its "Link to this view")
    text = "Two to four sentences."
    question = "Where does D* cross ½?"
    choices = ["At the data's mean", "Where p_data = p_g", "Nowhere"]
    answer = 2                             # 1-based: the right choice
    why = "One sentence on why, pointing at what the page shows."
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomllib

SHIPPED_DIR = Path(__file__).resolve().with_name("lectures")
OWN_DIR = Path(__file__).resolve().parents[1] / "lectures"  # the app's folder for a lecturer's own files
MAX_BYTES = 256 * 1024
MAX_STOPS = 60
MAX_TEXT = 2_000
NAME = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
PARAM = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Parameters every page understands besides its own ("<prefix>_…"): the presenter view.
COMMON_PARAMS = frozenset({"present"})


class LectureError(ValueError):
    """A lecture file that cannot be used: the message is one sentence for the page."""


@dataclass(frozen=True)
class Stop:
    title: str
    page: str                      # URL name of the page: "home", "generator", …
    params: tuple[tuple[str, str], ...]
    text: str
    question: str
    choices: tuple[str, ...]
    answer: int                    # 0-based index into choices
    why: str


@dataclass(frozen=True)
class Lecture:
    name: str
    title: str
    stops: tuple[Stop, ...]


def _text(entry: Mapping, field: str, where: str, required: bool = True) -> str:
    value = entry.get(field)
    if value is None:
        if required:
            raise LectureError(f"{where} has no {field}.")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LectureError(f"{where}: {field} must be a non-empty text.")
    if len(value) > MAX_TEXT:
        raise LectureError(f"{where}: {field} is longer than {MAX_TEXT:,} characters.")
    return value.strip()


def _stop(entry, i: int, pages: Mapping[str, str | None]) -> Stop:
    where = f"Stop {i}"
    if not isinstance(entry, Mapping):
        raise LectureError(f"{where} is not a table of fields ([[stop]] with title, page, text, …).")
    title = _text(entry, "title", where)
    where = f"Stop {i} ('{title[:40]}')"
    unknown = set(entry) - {"title", "page", "params", "text", "question", "choices", "answer", "why"}
    if unknown:
        raise LectureError(f"{where} has an unknown field: {sorted(unknown)[0]}.")
    page = _text(entry, "page", where)
    if page not in pages:
        raise LectureError(f"{where}: unknown page '{page[:40]}'; the pages are {', '.join(pages)}.")
    raw = entry.get("params", {})
    if not isinstance(raw, Mapping):
        raise LectureError(f"{where}: params must be a table, e.g. params = {{ ds_preset = \"0\" }}.")
    prefix = pages[page]
    params = []
    for key, value in raw.items():
        if not PARAM.match(str(key)) or key == "run" or (
                key not in COMMON_PARAMS and (prefix is None or not key.startswith(f"{prefix}_"))):
            own = f"its own start with '{prefix}_'" if prefix else "it has none of its own"
            raise LectureError(f"{where}: '{str(key)[:40]}' is not a parameter of the page {page} ({own}).")
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = repr(value)
        elif not isinstance(value, str) or len(value) > 200:
            raise LectureError(f"{where}: the value of {key} must be a short text or a number.")
        params.append((str(key), value))
    text = _text(entry, "text", where)
    question = _text(entry, "question", where)
    choices = entry.get("choices")
    if (not isinstance(choices, list) or not 2 <= len(choices) <= 6
            or not all(isinstance(c, str) and c.strip() and len(c) <= 300 for c in choices)):
        raise LectureError(f"{where}: choices must be a list of 2 to 6 short texts.")
    if len({c.strip() for c in choices}) != len(choices):
        raise LectureError(f"{where}: two choices are the same.")
    answer = entry.get("answer")
    if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= len(choices):
        raise LectureError(f"{where}: answer must be the number of the right choice, 1 to {len(choices)}.")
    why = _text(entry, "why", where)
    return Stop(title, page, tuple(params), text, question, tuple(c.strip() for c in choices), answer - 1, why)


def parse_lecture(data: bytes | str, name: str, pages: Mapping[str, str | None]) -> Lecture:
    """A Lecture from TOML text. ``pages``: each page's URL name → its parameter prefix (None: no parameters).
    LectureError with one sentence for anything malformed."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_BYTES:
        raise LectureError(f"The lecture file is larger than {MAX_BYTES // 1024} KB.")
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise LectureError("The lecture file is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as err:
        raise LectureError(f"The lecture file is not valid TOML ({err}).") from None
    title = doc.get("title")
    if not isinstance(title, str) or not title.strip():
        raise LectureError("The lecture file has no title (a line: title = \"…\").")
    stops = doc.get("stop")
    if not isinstance(stops, list) or not stops:
        raise LectureError("The lecture file has no stops (tables [[stop]] with title, page, text, question, "
                           "choices, answer, why).")
    if len(stops) > MAX_STOPS:
        raise LectureError(f"The lecture has {len(stops)} stops; the limit is {MAX_STOPS}.")
    return Lecture(name, title.strip()[:120], tuple(_stop(s, i, pages) for i, s in enumerate(stops, 1)))


def lecture_names(own_dir: Path | None = None) -> list[str]:
    """Shipped lectures first, then the lecturer's own (``lectures/*.toml``), by file name without .toml."""
    names = sorted(p.stem for p in SHIPPED_DIR.glob("*.toml"))
    own = Path(own_dir or OWN_DIR)
    if own.is_dir():
        names += sorted(p.stem for p in own.glob("*.toml") if p.stem not in names and NAME.match(p.stem))
    return names


def load_lecture(name: str, pages: Mapping[str, str | None], own_dir: Path | None = None) -> Lecture:
    """The lecture called ``name`` (a name from lecture_names, never a path)."""
    if not NAME.match(name or "") or name not in lecture_names(own_dir):
        raise LectureError(f"There is no lecture called '{str(name)[:40]}'.")
    path = SHIPPED_DIR / f"{name}.toml"
    if not path.is_file():
        path = Path(own_dir or OWN_DIR) / f"{name}.toml"
    if path.stat().st_size > MAX_BYTES:
        raise LectureError(f"The lecture file is larger than {MAX_BYTES // 1024} KB.")
    return parse_lecture(path.read_bytes(), name, pages)
