"""plotly.js in Chromium: the app's bundle against the installed plotly package's full bundle.

The app ships its own build of plotly.js with only the trace types it draws (``scripts/plotly_bundle``:
scatter, bar, heatmap). This bench serves that file and the full ``plotly.min.js`` of the installed ``plotly``
package (the same plotly.js version) from one local server and, in headless Chromium at 1280×720, for each
bundle in turn:

- load (ms): from adding the ``<script>`` to its ``onload`` — fetch, compile and run — in a fresh browser context
  (empty cache: a link opened in a new browser) and, the median of ``--tabs`` new tabs, with a warm cache (the
  lecturer's situation: HTTP and compiled-code caches filled by an earlier visit);
- first draw (ms): ``Plotly.newPlot`` of the playground's main figure (D's heatmap, real and fake points, G's
  manifold, the gradient arrows), the first plot of the tab, median over the same tabs.

Prints a table, the ratios ours / full and one RESULT line (JSON) for bench/RESULTS.md.

    python bench/plotly_load.py [--tabs 7]
"""
from __future__ import annotations

import argparse
import http.server
import json
import statistics
import sys
import threading
from pathlib import Path

import numpy as np
import plotly

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from seminar import launch  # noqa: E402  (the benches' Chromium)

from ganviz.plots import toy as plots_toy  # noqa: E402
from ganviz.ui import charts  # noqa: E402

LOAD_JS = """(src) => new Promise((resolve, reject) => {
  const t = performance.now(), s = document.createElement('script');
  s.src = src; s.onload = () => resolve(performance.now() - t); s.onerror = reject;
  document.head.appendChild(s);
})"""
DRAW_JS = """(fig) => { const d = document.createElement('div'); d.style.width = '760px'; document.body.appendChild(d);
  const t = performance.now(); Plotly.newPlot(d, fig.data, fig.layout, {displaylogo: false});
  return performance.now() - t; }"""


def playground_figure() -> dict:
    """The playground's main figure on a fixed synthetic view (8 modes on a ring, 60×60 grid of D)."""
    rng = np.random.default_rng(0)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    centres = 2 * np.column_stack([np.cos(angles), np.sin(angles)])
    real = centres[rng.integers(0, 8, 512)] + 0.05 * rng.standard_normal((512, 2))
    fake = 0.8 * rng.standard_normal((512, 2))
    axis = np.linspace(-3, 3, 60)
    xx, yy = np.meshgrid(axis, axis)
    d_grid = 1 / (1 + np.exp(-(np.hypot(xx, yy) - 1.5)))
    manifold = np.stack([np.column_stack([np.linspace(-2, 2, 20), np.full(20, y)]) for y in np.linspace(-2, 2, 10)])
    view = {"real": real, "fake": fake, "grad": -fake[:64], "grid_axis": axis, "d_grid": d_grid,
            "manifold": manifold}
    fig = plots_toy.playground_figure(view, (-3.0, 3.0), centres=centres, sigma=0.05)
    return json.loads(charts.figure_json(fig))


def serve(files: dict[str, Path]):
    """A local HTTP server for the two bundles and an empty page (no outside request)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            name = self.path.lstrip("/")
            body = files[name].read_bytes() if name in files else b"<!doctype html><html><body></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript" if name in files else "text/html")
            self.send_header("Cache-Control", "max-age=3600")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def measure(browser, url: str, name: str, fig: dict, tabs: int) -> dict:
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    page.goto(f"{url}/page.html")
    cold = page.evaluate(LOAD_JS, f"/{name}")
    page.close()
    loads, draws = [], []
    for _ in range(tabs):
        page = ctx.new_page()
        page.goto(f"{url}/page.html")
        loads.append(page.evaluate(LOAD_JS, f"/{name}"))
        draws.append(page.evaluate(DRAW_JS, fig))
        page.close()
    ctx.close()
    return {"cold_load_ms": round(cold), "warm_load_ms": round(statistics.median(loads)),
            "first_draw_ms": round(statistics.median(draws))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", type=int, default=7)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    bundles = {"ours": charts._LIB_DIR / charts._LIB_FILE,
               "full": Path(plotly.__file__).parent / "package_data" / "plotly.min.js"}
    server, url = serve({f"{k}.js": p for k, p in bundles.items()})
    fig = playground_figure()
    rows = {}
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for _ in range(2):  # interleaved twice: a slow moment of the machine hits both
                for key in bundles:
                    row = measure(browser, url, f"{key}.js", fig, args.tabs)
                    old = rows.get(key)
                    rows[key] = row if old is None else {k: min(v, old[k]) for k, v in row.items()}
            browser.close()
    finally:
        server.shutdown()
    for key, path in bundles.items():
        rows[key]["size_kb"] = round(path.stat().st_size / 1024)
    print(f"{'bundle':6} {'size KB':>8} {'load, empty cache ms':>21} {'load, warm ms':>14} {'first draw ms':>14}")
    for key, r in rows.items():
        print(f"{key:6} {r['size_kb']:8d} {r['cold_load_ms']:21d} {r['warm_load_ms']:14d} {r['first_draw_ms']:14d}")
    ratios = {k: round(rows["ours"][k] / rows["full"][k], 2) for k in ("size_kb", "cold_load_ms", "warm_load_ms",
                                                                      "first_draw_ms")}
    print("ours / full: " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    print("RESULT " + json.dumps({"bench": "plotly_load", "rows": rows, "ratio_ours_over_full": ratios}))


if __name__ == "__main__":
    main()
