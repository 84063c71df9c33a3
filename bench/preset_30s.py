"""The steps the 2-D playground really runs in 30 s of Play, per remedy preset, with Chromium showing the page.

For every preset with a 30-second step budget (ganviz.plane.playground.STEP_BUDGETS) and the best preset: open
``/playground?pg_preset=<i>`` (the preset's link), press Play, note when the step counter shows the budget (the
preset's Play pauses there: playground.PAUSE_AT) and the step shown 30 s after the click. The ratio is 30 s over
the seconds to the budget (≥ 1: the budget is reached within 30 s, so the promise measured at that budget is what a
lecturer sees after 30 s); a preset that does not get there in time gets steps / budget (< 1).

    python bench/preset_30s.py [--seconds 30] [--presets all]

Prints a table and one RESULT line (JSON) per preset for bench/run_all.py.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from ganviz.plane.playground import BEST_PRESET, BEST_STEPS, PRESETS, STEP_BUDGETS
from tests.e2e.conftest import (
    CHROMIUM,
    keyed,
    launch_chromium,
    read_step,
    start_server,
    stop_server,
    wait_label,
    wait_ready,
    wait_step,
)


def steps_in(page, server: str, index: int, seconds: float, budget: int) -> tuple[int, float | None]:
    """Open preset ``index`` by its link, press Play; return the step shown ``seconds`` after the click and the
    seconds until the counter showed ``budget`` (where the preset's Play pauses; the counter is redrawn every
    second, so to ~1 s), or None if it did not get there in time."""
    page.goto(f"{server}/playground?pg_preset={index}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
    wait_ready(page, 90_000)
    keyed(page, "pg_toggle").locator("button").first.click()
    t0 = time.perf_counter()
    wait_step(page, "s >= 1", timeout=60_000)
    reached = None
    while time.perf_counter() - t0 < seconds:
        if int(read_step(page) or 0) >= budget:
            reached = time.perf_counter() - t0
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(max(0.0, seconds - (time.perf_counter() - t0)) * 1000)
    step = int(read_step(page) or 0)
    if "Pause" in keyed(page, "pg_toggle").inner_text():
        keyed(page, "pg_toggle").locator("button").first.click()
    wait_label(page, "pg_toggle", "Play", 60_000)
    return step, reached


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--presets", default="all", help="preset names separated by |, or all")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"skip: no Chromium at {CHROMIUM}")
        return []
    from playwright.sync_api import sync_playwright

    budgets = {**STEP_BUDGETS, BEST_PRESET: BEST_STEPS}
    names = list(budgets) if args.presets == "all" else args.presets.split("|")
    proc, server = start_server({"GANVIZ_REATTACH_S": "0"})  # each preset's page load ends the last one's run
    rows = []
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            for name in names:
                budget = budgets[name]
                steps, reached = steps_in(page, server, list(PRESETS).index(name), args.seconds, budget)
                # ≥ 1: the budget (where Play pauses) was reached within the time; < 1: the share of it reached
                ratio = args.seconds / reached if reached else steps / budget
                rows.append({"preset": name, "steps": steps, "budget": budget, "ratio": round(ratio, 3),
                             "seconds_to_budget": round(reached if reached else args.seconds * budget / max(steps, 1),
                                                        1)})
                print(f"{name}: {steps:,} steps in {args.seconds:.0f} s (budget {budgets[name]:,})", flush=True)
            browser.close()
    finally:
        stop_server(proc)
    print(f"\nload average {os.getloadavg()[0]:.2f}")
    print(f"| preset | steps in {args.seconds:.0f} s of Play (Chromium) | budget (Play pauses there) | "
          f"{args.seconds:.0f} s ÷ s to the budget | s to the budget |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['preset']} | {r['steps']:,} | {r['budget']:,} | {r['ratio']:.2f} | {r['seconds_to_budget']} |")
    for r in rows:  # one line per preset, as bench/run_all.py reads them
        print("RESULT " + json.dumps({"name": f"{r['preset']}: {args.seconds:.0f} s / time to its budget",
                                      "figure": f"{r['steps']:,} of {r['budget']:,}", "ratio": r["ratio"],
                                      "goal": ">= 1.0", "pass": r["ratio"] >= 1.0}))
    return rows


if __name__ == "__main__":
    main()
