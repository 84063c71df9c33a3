"""Seminar checks in Chromium, per page: first-render time, where the main figure starts, visual defects.

Starts `streamlit run app.py` of a checkout (``--root``, default this one) and, for every page of its sitemap,
opens the page's URL in a fresh tab at 1280×720 (and 1920×1080 for the offset) and measures

- first render (s): from the navigation to the title, the page's first figure (plotly chart or image) and an
  idle script (the server is warmed by one visit of Home first, and the measures wait until its warm-up thread
  and worker processes are quiet, so imports are not counted); a fresh browser
  context, so the browser also downloads and compiles Streamlit's and plotly's scripts each time (a link opened
  in a new browser);
- new tab, warm cache (s): the page's URL opened in a new tab of a browser that has visited every page of the
  app before (its HTTP and compiled-code caches hold Streamlit's and plotly's scripts: the lecturer's real
  situation when opening a prepared link), to the title, first figure and an idle script, median of ``--tabs``
  rounds over all pages (3); *whole*: until the part of the page below its fold (ui.fold: drawn once the
  browser has drawn the first screen) has arrived too;
- in-app navigation (s): the same page reached by its sidebar link from the previous page in one tab (how a
  lecturer moves through the app), from the click to its title, first figure and an idle script;
- browser boot (s), fresh / warm: from the navigation to DOMContentLoaded (Streamlit's scripts fetched, parsed
  and run; the page's own script has not started yet) — the browser's share of the first render;
- main-figure offset (px): the top of the first plotly chart or image of the main area (taller than 40 px), in
  page coordinates, at 1280×720 and 1920×1080, with its middle (top + half its height) and its bottom: a 720-px
  screen shows y < 720 without scrolling, so "top half visible" is middle ≤ 720, "whole figure" is bottom ≤ 1080;
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
import statistics
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
  const r = pick.getBoundingClientRect();
  const top = r.top + window.scrollY + main.scrollTop;
  return {top, middle: top + r.height / 2, bottom: top + r.height};
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


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by process ``pid`` and its living descendants (from /proc)."""
    stats = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(d.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    tree, grew = {pid}, True
    while grew:
        more = {p for p, (ppid, _) in stats.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(stats[p][1] for p in tree if p in stats) / os.sysconf("SC_CLK_TCK")


def wait_quiet(pid: int, share: float = 0.1, window_s: float = 0.5, limit_s: float = 30.0) -> float:
    """Wait until the server (with its worker processes) uses less than ``share`` of a core over ``window_s``:
    its warm-up after the first session (ganviz.engine.startup) has finished. Returns the seconds waited."""
    t0 = time.perf_counter()
    before = _tree_cpu_s(pid)
    while time.perf_counter() - t0 < limit_s:
        time.sleep(window_s)
        now = _tree_cpu_s(pid)
        if now - before < share * window_s:
            break
        before = now
    return time.perf_counter() - t0


def pages_of(root: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", "from ganviz import sitemap; print(' '.join(f for p in "
                          "sitemap.available().values() for f, *_ in p))"], cwd=root, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


WHOLE_JS = "() => !document.querySelector('.gv-fold-pending')"  # the rest below the fold has arrived (ui.fold)


def wait_idle(page, timeout=120_000):
    """Idle with the whole page drawn (the part below the fold too)."""
    for _ in range(2):
        page.wait_for_function(IDLE_JS, timeout=timeout)
        page.wait_for_timeout(300)
    page.wait_for_function(WHOLE_JS, timeout=timeout)
    page.wait_for_function(IDLE_JS, timeout=timeout)


FIGURE = ('[data-testid="stMain"] .js-plotly-plot, [data-testid="stMain"] [data-testid="stImage"] img, '
          '[data-testid="stMain"] img.gv-live-image')


def rendered(page, page_file: str, t0: float) -> float:
    """Seconds from ``t0`` until the page's title, first figure and an idle script — on a page with a fold
    (ui.fold), the first screen's script: its run ends with the note at the fold, and the rest follows."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    if page_file not in TEXT_PAGES:
        page.wait_for_selector(FIGURE, timeout=120_000)
    page.wait_for_function(f"() => document.querySelector('.gv-fold-pending') || ({IDLE_JS})()", timeout=120_000)
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


BOOT_JS = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd / 1000"


def target_of(url: str, page_file: str) -> str:
    return url if page_file == "home.py" else f"{url}/{Path(page_file).stem}"


def figure_at(page) -> dict | None:
    got = page.evaluate(MAIN_FIGURE_JS)
    return None if got is None else {k: round(v) for k, v in got.items()}


def measure(browser, url: str, page_file: str) -> dict:
    """A fresh browser context (empty cache) per screen size: first render, browser boot, figure offsets, defects."""
    row = {"page": page_file}
    for width, height in ((1280, 720), (1920, 1080)):
        ctx = browser.new_context(viewport={"width": width, "height": height})
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto(target_of(url, page_file))
        first = rendered(page, page_file, t0)
        wait_idle(page)
        page.wait_for_timeout(500)
        fig = figure_at(page)
        if width == 1280:
            row.update(first_render_s=round(first, 2), boot_s=round(page.evaluate(BOOT_JS), 2), fig_720=fig,
                       **page.evaluate(DEFECTS_JS))
        else:
            row["fig_1080"] = fig
        ctx.close()
    return row


def new_tabs(browser, url: str, files: list[str], rounds: int = 1
             ) -> dict[str, tuple[float | None, float | None, float | None]]:
    """A browser that has visited the app: one context opens every page once in a new tab (filling its HTTP and
    code caches), then each page's URL again in a new tab, ``rounds`` times over all pages. Median seconds to the
    first render, to DOMContentLoaded, and to the whole page (the part below the fold, ui.fold, arrived)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    for f in files:  # the lecturer's preparation: every page seen once
        page = ctx.new_page()
        page.goto(target_of(url, f))
        rendered(page, f, time.perf_counter())
        wait_idle(page)
        page.close()
    seen: dict[str, list[tuple[float, float, float]]] = {f: [] for f in files}
    for _ in range(rounds):
        for f in files:
            page = ctx.new_page()
            t0 = time.perf_counter()
            try:
                page.goto(target_of(url, f))
                first = rendered(page, f, t0)
                page.wait_for_function(WHOLE_JS, timeout=120_000)
                seen[f].append((first, page.evaluate(BOOT_JS), time.perf_counter() - t0))
                wait_idle(page)
            except Exception:  # a page that never renders is a result too
                pass
            page.close()
    ctx.close()
    return {f: tuple(round(statistics.median(col), 2) for col in zip(*runs, strict=True)) if len(runs) == rounds
            else (None, None, None) for f, runs in seen.items()}


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(ROOT))
    ap.add_argument("--label", default="after")
    ap.add_argument("--tabs", type=int, default=3, help="rounds of new tabs over all pages (medians)")
    args = ap.parse_args()
    root = Path(args.root).resolve()
    from playwright.sync_api import sync_playwright

    proc, url = start(root)
    rows = []
    loads = [load_average()]
    try:
        with sync_playwright() as p:
            browser = launch(p)
            warm = browser.new_page()
            warm.goto(url)
            warm.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
            wait_idle(warm)
            warm.close()
            quiet_s = wait_quiet(proc.pid)
            files = pages_of(root)
            for f in files:
                try:
                    rows.append(measure(browser, url, f))
                except Exception as err:  # a page that never renders is a result too
                    rows.append({"page": f, "error": str(err).splitlines()[0][:120]})
            loads.append(load_average())
            tabs = new_tabs(browser, url, files, args.tabs)
            loads.append(load_average())
            nav = navigate(browser, url, files)
            loads.append(load_average())
            for r in rows:
                r["nav_render_s"] = nav.get(r["page"])
                r["tab_render_s"], r["tab_boot_s"], r["tab_whole_s"] = tabs.get(r["page"], (None, None, None))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)

    def fig(f, *keys):
        return "/".join("—" if f is None else str(f[k]) for k in keys)

    print(f"{'page':16} {'fresh s':>7} {'boot':>5} {'tab s':>6} {'boot':>5} {'whole':>5} {'nav s':>6} "
          f"{'@720 top/mid':>13} {'@1080 top/bot':>13} {'katex':>5} {'wide':>4} {'cut':>3}")
    for r in rows:
        if "error" in r:
            print(f"{r['page']:16} error: {r['error']}")
            continue
        print(f"{r['page'][:-3]:16} {r['first_render_s']:7.2f} {r['boot_s']:5.2f} {str(r['tab_render_s']):>6} "
              f"{str(r['tab_boot_s']):>5} {str(r['tab_whole_s']):>5} {str(r['nav_render_s']):>6} "
              f"{fig(r['fig_720'], 'top', 'middle'):>13} {fig(r['fig_1080'], 'top', 'bottom'):>13} "
              f"{r['katexErrors']:5d} {r['clipped']:4d} {r['cut']:3d}  {'; '.join(r['labels'][:4])}")
    print(f"server quiet {quiet_s:.1f} s after the warm-up visit of Home (its one-time costs paid)")
    print("load average (1/5/15 min) at start, after fresh, after new-tab, after nav: " + " | ".join(loads))
    print("RESULT " + json.dumps({"bench": "seminar", "label": args.label, "load": loads, "rows": rows}))


if __name__ == "__main__":
    main()
