"""Rerun latency of the 1-D theory pages: median server time of an AppTest rerun after a slider change.

For each theory page that exists: one first run, 3 warm-up reruns, then N reruns, each moving one main
slider to a value not visited before (so cached computations are recomputed, as when a student drags the
slider). Server time is the script run itself (timed around streamlit's script execution: page code and
element messages, not AppTest's parsing), as wall clock and as CPU time of the script thread — the CPU time
is what a shared, busy machine does not inflate. Prints medians, the 90th percentile, the ratios to the 50 ms
budget (issue 2: each theory page's rerun ≤ 50 ms median after warm-up), and the ratio to the reference
measured in the same run: a rerun of the static home page (the floor on this machine, at this load).
Run: python bench/rerun_latency.py
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)  # the pages read models/ and pages/ from the repository root

_SCRIPT_MS: list[float] = []  # wall time of each script run
_SCRIPT_CPU_MS: list[float] = []  # CPU time of the script thread (not inflated by waiting for a busy CPU)
_exec = script_runner.exec_func_with_error_handling


def _timed_exec(func, ctx):
    """Server-side time of one script run: the page's code and its element messages (no AppTest parsing)."""
    t0, c0 = time.perf_counter(), time.thread_time()
    try:
        return _exec(func, ctx)
    finally:
        _SCRIPT_MS.append(1000 * (time.perf_counter() - t0))
        _SCRIPT_CPU_MS.append(1000 * (time.thread_time() - c0))


script_runner.exec_func_with_error_handling = _timed_exec

BUDGET_MS = 50.0
#: page file -> preferred slider key (None: the page's first slider)
PAGES = [("pages/generator.py", "gen_a"), ("pages/discriminator.py", None), ("pages/jsd.py", "jsd_shift"),
         ("pages/jsd.py", "jsd_scale"), ("pages/jsd.py", "jsd_theta"), ("pages/saturation.py", None)]
REFERENCE = "pages/home.py"  # no computation and no slider: the machine's floor for one AppTest rerun


def slider_values(slider, n: int) -> list:
    """n distinct values across the slider's range, on its step grid, in a shuffled but fixed order."""
    lo, hi, step = float(slider.min), float(slider.max), float(slider.step or (slider.max - slider.min) / 100)
    grid = np.arange(lo, hi + step / 2, step)
    if grid.size > n:
        grid = grid[np.linspace(0, grid.size - 1, n).round().astype(int)]
    vals = grid[np.random.default_rng(0).permutation(grid.size)]
    cast = int if isinstance(slider.value, int) else float
    return [cast(round(v, 10)) for v in vals]


def measure_reference(reruns: int) -> tuple[float, float]:
    """Median script wall and CPU times of a home-page rerun (static text), the reference of the run."""
    at = AppTest.from_file(str(ROOT / REFERENCE), default_timeout=120)
    script, cpu = [], []
    for i in range(reruns + 3):
        _SCRIPT_MS.clear()
        _SCRIPT_CPU_MS.clear()
        at.run()
        if i >= 3:
            script.append(sum(_SCRIPT_MS))
            cpu.append(sum(_SCRIPT_CPU_MS))
    return statistics.median(script), statistics.median(cpu)


def measure(page: str, key: str | None, reruns: int) -> dict:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.run()
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].message}")
    sliders = [s for s in at.slider if isinstance(s.value, (int, float)) and s.key]
    slider = next((s for s in sliders if s.key == key), sliders[0] if sliders else None)
    if slider is None:
        raise RuntimeError(f"{page} has no numeric slider to move")
    key = slider.key
    values = slider_values(slider, reruns + 3)
    script, cpu, wall = [], [], []
    for i, v in enumerate(values):
        at.slider(key=key).set_value(v)
        _SCRIPT_MS.clear()
        _SCRIPT_CPU_MS.clear()
        t0 = time.perf_counter()
        at.run()
        dt = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"{page} raised at {key}={v}: {at.exception[0].message}")
        if i >= 3:  # the first 3 are the warm-up
            wall.append(1000 * dt)
            script.append(sum(_SCRIPT_MS))
            cpu.append(sum(_SCRIPT_CPU_MS))
    return {"page": page, "slider": key, "n": len(wall), "median": statistics.median(script),
            "p90": float(np.percentile(script, 90)), "cpu": statistics.median(cpu),
            "wall": statistics.median(wall)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reruns", type=int, default=20)
    ap.add_argument("--pages", nargs="*", help="only these page files, e.g. pages/jsd.py (default: all)")
    args = ap.parse_args()
    ref, ref_cpu = measure_reference(args.reruns) if (ROOT / REFERENCE).exists() else (float("nan"),) * 2
    rows = []
    for page, key in PAGES:
        if args.pages and page not in args.pages:
            continue
        if not (ROOT / page).exists():
            print(f"skip {page} (not there yet)")
            continue
        rows.append(measure(page, key, args.reruns))
    print(f"\nRerun after a slider change, {args.reruns} reruns after 3 warm-up. Server time = the script run "
          "(page code + element messages), wall clock and CPU time of the script thread (CPU time is what a busy, "
          f"shared machine does not inflate); AppTest wall adds AppTest's own parsing. Budget {BUDGET_MS:.0f} ms.")
    print("| page | slider moved | reruns | server median ms | server p90 ms | server CPU median ms | "
          "median / 50 ms budget | CPU / 50 ms budget | median / home | AppTest wall median ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {REFERENCE} (reference) | — | {args.reruns} | {ref:.1f} | — | {ref_cpu:.1f} | "
          f"{ref / BUDGET_MS:.2f} | {ref_cpu / BUDGET_MS:.2f} | 1.00 | — |")
    for r in rows:
        print(f"| {r['page']} | {r['slider']} | {r['n']} | {r['median']:.1f} | {r['p90']:.1f} | {r['cpu']:.1f} | "
              f"{r['median'] / BUDGET_MS:.2f} | {r['cpu'] / BUDGET_MS:.2f} | {r['median'] / ref:.1f} | "
              f"{r['wall']:.1f} |")
    print(f"CPU load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
