"""First visits after the server starts, in Chromium at 1280×720: each page's first render while the server
process has never drawn it, against the same page's render once it has.

Starts `streamlit run app.py` of a checkout (``--root``, default this one), opens Home in a new browser (the
lecturer's first step; it starts the server's warm-up, ganviz.engine.startup), waits ``--pause`` seconds (3: the
lecturer's first sentence), then opens every page once in a new tab of that browser — the server-cold visit: the
page's imports, data, models and first optimizer are loaded now, and the browser fetches the page's element
scripts (and plotly's, on the first page with a chart) for the first time — and then every page once more
(server-warm). Seconds from the navigation to the title, the page's first figure and an idle script (see
bench/seminar.py: rendered).

Prints a table with the ratio cold / warm per page, the slowest cold visit against the 2 s budget, and a RESULT
line (JSON, read by bench/run_all.py).

    python bench/first_visit.py [--root PATH] [--pause 3]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.seminar import ROOT, launch, pages_of, rendered, start, target_of, wait_idle  # noqa: E402

BUDGET_S = 2.0


def visit(ctx, url: str, page_file: str) -> float | None:
    page = ctx.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(target_of(url, page_file))
        seconds = rendered(page, page_file, t0)
        wait_idle(page)
        return seconds
    except Exception:  # a page that never renders is a result too
        return None
    finally:
        page.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(ROOT))
    ap.add_argument("--pause", type=float, default=3.0, help="seconds on Home before the first page")
    args = ap.parse_args()
    root = Path(args.root).resolve()
    files = [f for f in pages_of(root) if f != "home.py"]
    from playwright.sync_api import sync_playwright

    proc, url = start(root)
    try:
        with sync_playwright() as p:
            browser = launch(p)
            ctx = browser.new_context(viewport={"width": 1280, "height": 720})
            home = visit(ctx, url, "home.py")
            time.sleep(args.pause)
            cold = {f: visit(ctx, url, f) for f in files}
            warm = {f: visit(ctx, url, f) for f in files}
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"Home (the server's first session, a new browser): {home:.2f} s; then {args.pause:g} s on Home")
    print(f"{'page':16} {'cold s':>7} {'warm s':>7} {'cold / warm':>12}")
    for f in files:
        c, w = cold[f], warm[f]
        ratio = f"{c / w:12.2f}" if c and w else f"{'—':>12}"
        print(f"{f[:-3]:16} {c if c is not None else float('nan'):7.2f} {w if w is not None else float('nan'):7.2f} "
              f"{ratio}")
    worst = max((c for c in cold.values() if c is not None), default=float("inf"))
    slowest = max(cold, key=lambda f: cold[f] if cold[f] is not None else float("inf"))
    ok = worst <= BUDGET_S and all(c is not None for c in cold.values())
    print(f"slowest first visit: {slowest[:-3]} {worst:.2f} s; ratio to the {BUDGET_S:g} s budget: "
          f"{worst / BUDGET_S:.2f}")
    print("RESULT " + json.dumps({"name": "first visit after the server starts (slowest page)",
                                  "figure": f"{worst:.2f} s ({slowest[:-3]})", "ratio": round(worst / BUDGET_S, 3),
                                  "goal": f"<= {BUDGET_S:g} s", "pass": ok,
                                  "cold": cold, "warm": warm, "home": home}))


if __name__ == "__main__":
    main()
