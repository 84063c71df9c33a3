"""The operator's settings (environment variables), read and validated in one place.

A bad value never stops the app: it is reported once, as one sentence on the server's stderr (the startup log),
and the default is used instead.

GANVIZ_JOB_CAP  training runs at once, a whole number 1..MAX_JOB_CAP (default 2 × CPU cores)
GANVIZ_CACHE    folder of the download cache (default ~/.cache/ganviz)
GANVIZ_DATA     a folder holding MNIST / Fashion-MNIST IDX files (optional)
GANVIZ_MIRROR   an http(s) base URL to download MNIST / Fashion-MNIST from (optional)
GANVIZ_REATTACH_S  seconds a closed tab's live run waits to be reopened by its link, a number ≥ 0 (default 120)
GANVIZ_WORKER_NICE  OS priority (nice, 0..19) of the training worker processes (default 10): the server's page
                    reruns, at nice 0, go first when the CPU is short, so students' sliders stay responsive
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["NAMES", "MAX_JOB_CAP", "job_cap", "cache_root", "data_dir", "mirror", "reattach_s", "worker_nice",
           "problems", "report"]

NAMES = ("GANVIZ_JOB_CAP", "GANVIZ_CACHE", "GANVIZ_DATA", "GANVIZ_MIRROR", "GANVIZ_REATTACH_S", "GANVIZ_WORKER_NICE")
DEFAULT_REATTACH_S = 120.0
MAX_REATTACH_S = 86_400.0
MAX_JOB_CAP = 1024
DEFAULT_WORKER_NICE = 10  # bench/classroom.py: 30 students beside 2 trainings (bench/RESULTS.md)
MAX_NICE = 19
_reported: set[str] = set()


def _problem(message: str) -> None:
    """Say ``message`` once per process on stderr (the server's log)."""
    if message not in _reported:
        _reported.add(message)
        print(f"ganviz: {message}", file=sys.stderr, flush=True)


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or not value.strip() else value.strip()


def _whole_number(name: str, lo: int, hi: int, default: int, what: str) -> tuple[int, str | None]:
    """The whole number in environment variable ``name`` if it lies in [lo, hi], else ``default`` and a sentence."""
    raw = _raw(name)
    if raw is None:
        return default, None
    try:
        n = int(raw)
    except ValueError:
        n = None
    if n is None or not lo <= n <= hi:
        return default, (f"{name}={raw[:20]!r} is not a whole number from {lo} to {hi:,} ({what}); using the "
                         f"default {default}.")
    return n, None


def _check_job_cap() -> tuple[int, str | None]:
    return _whole_number("GANVIZ_JOB_CAP", 1, MAX_JOB_CAP, 2 * (os.cpu_count() or 1),
                         "how many runs may train at once")


def _check_folder(name: str) -> tuple[Path | None, str | None]:
    raw = _raw(name)
    if raw is None:
        return None, None
    p = Path(raw).expanduser()
    if p.exists() and not p.is_dir():
        return None, f"{name} names a file, not a folder; it is ignored."
    return p, None


def _check_mirror() -> tuple[str | None, str | None]:
    raw = _raw("GANVIZ_MIRROR")
    if raw is None:
        return None, None
    if not raw.lower().startswith(("http://", "https://")) or any(c.isspace() for c in raw):
        return None, ("GANVIZ_MIRROR must be an http:// or https:// address; it is ignored (the official mirrors "
                      "are used).")
    return raw, None


def _check_reattach() -> tuple[float, str | None]:
    raw = _raw("GANVIZ_REATTACH_S")
    if raw is None:
        return DEFAULT_REATTACH_S, None
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= MAX_REATTACH_S:  # also NaN
        return DEFAULT_REATTACH_S, (f"GANVIZ_REATTACH_S={raw[:20]!r} is not a number of seconds from 0 to "
                                    f"{MAX_REATTACH_S:,.0f}; using the default {DEFAULT_REATTACH_S:.0f}.")
    return value, None


def _check_worker_nice() -> tuple[int, str | None]:
    return _whole_number("GANVIZ_WORKER_NICE", 0, MAX_NICE, DEFAULT_WORKER_NICE, "the training workers' OS priority")


def _get(check):
    value, message = check()
    if message:
        _problem(message)
    return value


def job_cap() -> int:
    """GANVIZ_JOB_CAP, validated (default 2 × CPU cores)."""
    return _get(_check_job_cap)


def cache_root() -> Path | None:
    """GANVIZ_CACHE as a folder, or None for the default."""
    return _get(lambda: _check_folder("GANVIZ_CACHE"))


def data_dir() -> Path | None:
    """GANVIZ_DATA as a folder, or None."""
    return _get(lambda: _check_folder("GANVIZ_DATA"))


def mirror() -> str | None:
    """GANVIZ_MIRROR as an http(s) URL, or None."""
    return _get(_check_mirror)


def reattach_s() -> float:
    """GANVIZ_REATTACH_S, validated (default 120 s)."""
    return _get(_check_reattach)


def worker_nice() -> int:
    """GANVIZ_WORKER_NICE, validated (default 10)."""
    return _get(_check_worker_nice)


def problems() -> list[str]:
    """One sentence per setting that is set to something unusable (empty when all is well)."""
    checks = (_check_job_cap, lambda: _check_folder("GANVIZ_CACHE"), lambda: _check_folder("GANVIZ_DATA"),
              _check_mirror, _check_reattach, _check_worker_nice)
    return [m for m in (c()[1] for c in checks) if m]


def report() -> list[str]:
    """Print every problem once on stderr (called when the app or the CLI starts); returns them."""
    found = problems()
    for m in found:
        _problem(m)
    return found
