"""Live charts in Chromium during a run: the share of animation frames in which a live chart is blank, and how far
the page jumps.

Starts `streamlit run app.py`, opens each live page at 1280×720 (the Generator page on its "Train an MLP G live"
preset), presses Play and, for ``--seconds`` (default 12), samples every animation frame (requestAnimationFrame)
in the page itself:

- a frame is *blank* when fewer figures are drawn than the most seen so far (a figure missing, shorter than
  40 px, or drawn without data: a plotly chart with no trace, an image with no decoded picture; while a new
  picture loads the browser keeps showing the last one);
- *jump*: the largest move of the top of any live figure (page coordinates, the figure named by its element's key)
  between two frames in which every live figure is drawn — a warning popping in and out above a chart moves it.

    python bench/blank_frames.py [--seconds 12] [--pages playground,generator,...]

Goal (issue "Seminar mode"): no live chart blank in more than 1 % of the frames. Prints a table and one RESULT line.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from seminar import IDLE_JS, launch, start  # noqa: E402  (the bench's own server starter)

# page -> (its live prefix (the Play button's key is "<prefix>_toggle"), a preset button to press first)
LIVE = {"playground": ("pg", None), "generator": ("gen", "Train an MLP G live"), "discriminator": ("ds", None),
        "train_images": ("ti", None)}

SAMPLER_JS = """(seconds) => new Promise(resolve => {
  const main = document.querySelector('[data-testid="stMain"]');
  const figures = () => Array.from(main.querySelectorAll(
    '.js-plotly-plot, [data-testid="stImage"] img, img.gv-live-image'));
  const drawn = el => {
    const r = el.getBoundingClientRect();
    if (!el.isConnected || r.height < 40) return false;
    // an image whose src changed keeps showing its current picture until the new one is decoded (HTML's
    // "update the image data": the new request is the pending one); naturalWidth is the current picture's
    if (el.tagName === 'IMG') return el.naturalWidth > 0;
    return el.querySelectorAll('g.trace, .hm, image, g.imagelayer > *').length > 0;
  };
  // a figure's name: its element's key (st-key-<key>), else its place among the figures
  const name = (el, i) => { const k = el.closest('[class*="st-key-"]');
    return k ? Array.from(k.classList).find(c => c.startsWith('st-key-')) : 'figure ' + i; };
  let expected = figures().filter(drawn).length;  // grows when a chart first appears (e.g. once history exists)
  let frames = 0, blank = 0, jump = 0, lastTops = null, longest = 0, run = 0;
  const t0 = performance.now();
  const tick = () => {
    const shown = figures().filter(drawn);
    frames += 1;
    if (shown.length > expected && frames > 1) expected = shown.length;
    if (shown.length < expected) { blank += 1; run += 1; longest = Math.max(longest, run); } else { run = 0; }
    if (shown.length >= expected && shown.length) {  // every figure drawn: how far did each one move?
      const tops = new Map(shown.map((el, i) => [name(el, i),
                                                 el.getBoundingClientRect().top + window.scrollY + main.scrollTop]));
      if (lastTops !== null) for (const [k, top] of tops) {
        if (lastTops.has(k)) jump = Math.max(jump, Math.abs(top - lastTops.get(k)));
      }
      lastTops = tops;
    }
    if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(tick);
    else resolve({expected, frames, blank, longest_blank_frames: longest, jump_px: Math.round(jump)});
  };
  requestAnimationFrame(tick);
})"""


def measure(browser, url: str, name: str, seconds: float) -> dict:
    prefix, preset = LIVE[name]
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    page = ctx.new_page()
    page.goto(f"{url}/{name}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    page.wait_for_function(IDLE_JS, timeout=120_000)
    if preset:
        page.get_by_role("button", name=preset).first.click()
        page.wait_for_timeout(500)
        page.wait_for_function(IDLE_JS, timeout=120_000)
    page.wait_for_selector(f'.st-key-{prefix}_toggle button', timeout=120_000)
    page.wait_for_timeout(1000)
    page.click(f'.st-key-{prefix}_toggle button')
    page.wait_for_timeout(3000)  # the first snapshots replace the idle view and add the history charts
    row = {"page": name, **page.evaluate(SAMPLER_JS, seconds)}
    row["blank_pct"] = round(100 * row["blank"] / max(row["frames"], 1), 2)
    ctx.close()
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--pages", default=",".join(LIVE))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    proc, url = start(ROOT)
    rows = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for name in args.pages.split(","):
                try:
                    rows.append(measure(browser, url, name, args.seconds))
                except Exception as err:  # a page that never plays is a result too
                    rows.append({"page": name, "error": str(err).splitlines()[0][:120]})
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    print(f"{'page':14} {'figures':>7} {'frames':>6} {'blank':>5} {'blank %':>7} {'longest':>7} {'jump px':>7}")
    for r in rows:
        if "error" in r:
            print(f"{r['page']:14} error: {r['error']}")
            continue
        print(f"{r['page']:14} {r['expected']:7d} {r['frames']:6d} {r['blank']:5d} {r['blank_pct']:7.2f} "
              f"{r['longest_blank_frames']:7d} {r['jump_px']:7d}")
    print("RESULT " + json.dumps({"bench": "blank_frames", "seconds": args.seconds, "rows": rows}))


if __name__ == "__main__":
    main()
