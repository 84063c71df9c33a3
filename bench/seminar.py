"""Seminar checks in Chromium, per page: first-render time, where the main figure starts, visual defects.

Starts `streamlit run app.py` of a checkout (``--root``, default this one) and, for every page of its sitemap,
opens the page's URL in a fresh tab at 1280×720 (and 1920×1080 for the offset) and measures

- first render (s): from the navigation to the title, the page's first figure (plotly chart or image) and an
  idle script (the server is warmed by one visit of Home first, so imports are not counted); a fresh browser
  context, so the browser also downloads and compiles Streamlit's and plotly's scripts each time (a link opened
  in a new browser);
- in-app navigation (s): the same page reached by its sidebar link from the previous page in one tab (how a
  lecturer moves through the app), from the click to its title, first figure and an idle script;
- main-figure offset (px): the top of the first plotly chart or image of the main area, in page coordinates
  (a 720-px screen shows y < 720 without scrolling);
- KaTeX errors (.katex-error), display formulas wider than their column by more than 4 px (KaTeX's struts
  overhang by 1–2 px without clipping anything visible), buttons whose label is cut
  (scrollWidth > clientWidth of the label).

    python bench/seminar.py [--root PATH] [--label after]

Prints a table and one RESULT line (JSON) for bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("GANVIZ_CHROMIUM", "/usr/bin/chromium")
TEXT_PAGES = ("home.py", "tour.py")  # pages of text and links, without a figure

MAIN_FIGURE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const marked = main.querySelector('.gv-main-figure');
  const el = Array.from(main.querySelectorAll('.js-plotly-plot, [data-testid="stImage"] img, img.gv-live-image'))
                  .find(e => e.getBoundingClientRect().height > 40);
  const pick = el || marked;
  if (!pick) return null;
  return pick.getBoundingClientRect().top + window.scrollY + main.scrollTop;
}"""

DEFECTS_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const katexErrors = document.querySelectorAll('.katex-error').length;
  let clipped = 0, worst = 0;
  for (const d of main.querySelectorAll('.katex-display')) {
    const k = d.querySelector('.katex-html') || d;
    const box = d.closest('[data-testid="stMarkdownContainer"]') || d.parentElement;
    const over = k.scrollWidth - box.clientWidth;
    if (over > 4) { clipped += 1; worst = Math.max(worst, over); }  // > 4 px: not KaTeX's sub-pixel struts
  }
  let cut = 0; const labels = [];
  for (const b of document.querySelectorAll('[data-testid="stApp"] button')) {
    if (!b.offsetParent) continue;
    if (!b.innerText.trim()) continue;
    for (const t of [b, ...b.querySelectorAll('*')]) {
      if (t.clientWidth > 0 && t.scrollWidth > t.clientWidth + 1) {
        cut += 1; labels.push(b.innerText.trim().slice(0, 40)); break;
      }
    }
  }
  return {katexErrors, clipped, worst, cut, labels};
}"""

IDLE_JS = ("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
           " && !(document.querySelector('[data-testid=\"stStatusWidget\"]')"
           "      && document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running'))")


def launch(playwright):
    """Headless Debian Chromium as the benches use it (no sandbox as root, no GPU, no background requests)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def pages_of(root: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", "from ganviz import sitemap; print(' '.join(f for p in "
                          "sitemap.available().values() for f, *_ in p))"], cwd=root, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def wait_idle(page, timeout=120_000):
    for _ in range(2):
        page.wait_for_function(IDLE_JS, timeout=timeout)
        page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout)


FIGURE = ('[data-testid="stMain"] .js-plotly-plot, [data-testid="stMain"] [data-testid="stImage"] img, '
          '[data-testid="stMain"] img.gv-live-image')


def rendered(page, page_file: str, t0: float) -> float:
    """Seconds from ``t0`` until the page's title, first figure and an idle script."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    if page_file not in TEXT_PAGES:
        page.wait_for_selector(FIGURE, timeout=120_000)
    page.wait_for_function(IDLE_JS, timeout=120_000)
    return time.perf_counter() - t0


def navigate(browser, url: str, files: list[str]) -> dict[str, float]:
    """In-app navigation, as a lecturer moves through the app: one tab opens Home, then each page in turn is
    reached by its sidebar link (Streamlit swaps the page without reloading the browser's scripts). Seconds per
    page from the click to its title, first figure and an idle script."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    page.goto(url)
    rendered(page, "home.py", time.perf_counter())
    out = {}
    for f in files:
        if f == "home.py":
            continue
        link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{Path(f).stem}"]').first
        before = page.inner_text('[data-testid="stMain"] h1')
        t0 = time.perf_counter()
        link.click()
        try:
            page.wait_for_function("t => { const h = document.querySelector('[data-testid=\"stMain\"] h1');"
                                   " return h && h.innerText !== t; }", arg=before, timeout=120_000)
            out[f] = round(rendered(page, f, t0), 2)
        except Exception:  # a page that never renders is a result too
            out[f] = None
    ctx.close()
    return out


def measure(browser, url: str, page_file: str) -> dict:
    target = url if page_file == "home.py" else f"{url}/{Path(page_file).stem}"
    row = {"page": page_file}
    for width, height in ((1280, 720), (1920, 1080)):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(target)
        first = rendered(page, page_file, t0)
        wait_idle(page)
        page.wait_for_timeout(500)
        y = page.evaluate(MAIN_FIGURE_JS)
        if width == 1280:
            row.update(first_render_s=round(first, 2), fig_y_720=None if y is None else round(y),
                       **page.evaluate(DEFECTS_JS))
        else:
            row["fig_y_1080"] = None if y is None else round(y)
        ctx.close()
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(ROOT))
    ap.add_argument("--label", default="after")
    args = ap.parse_args()
    root = Path(args.root).resolve()
    from playwright.sync_api import sync_playwright

    proc, url = start(root)
    rows = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            warm = browser.new_page()
            warm.goto(url)
            warm.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
            wait_idle(warm)
            warm.close()
            files = pages_of(root)
            for f in files:
                try:
                    rows.append(measure(browser, url, f))
                except Exception as err:  # a page that never renders is a result too
                    rows.append({"page": f, "error": str(err).splitlines()[0][:120]})
            nav = navigate(browser, url, files)
            for r in rows:
                r["nav_render_s"] = nav.get(r["page"])
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"{'page':18} {'first s':>8} {'nav s':>6} {'fig y@720':>9} {'fig y@1080':>10} {'katex err':>9} "
          f"{'wide eq':>7} {'cut btn':>7}")
    for r in rows:
        if "error" in r:
            print(f"{r['page']:18} error: {r['error']}")
            continue
        print(f"{r['page']:18} {r['first_render_s']:8.2f} {str(r['nav_render_s']):>6} {str(r['fig_y_720']):>9} "
              f"{str(r['fig_y_1080']):>10} "
              f"{r['katexErrors']:9d} {r['clipped']:7d} {r['cut']:7d}  {'; '.join(r['labels'][:4])}")
    print("RESULT " + json.dumps({"bench": "seminar", "label": args.label, "rows": rows}))


if __name__ == "__main__":
    main()
