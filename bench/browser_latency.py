"""What a person feels in Chromium: slider-to-figure latency, live-page refresh cost, in-app training speed.

Starts `streamlit run app.py` (headless, free port) and drives Debian's Chromium with Playwright:

1. Slider -> figure, per theory page (goal <= 300 ms, median): the page's main slider is focused and moved with
   ArrowRight; the time runs from the keydown (in the page's clock) until the plotly figures' data, a metric's
   text or an image changes in the DOM (watched every animation frame). Server time of the same rerun
   (websocket: rerun request -> script_finished) is shown beside it.
2. Live refresh cost: while the playground trains, every auto-rerun of its live fragments (st.fragment
   run_every, the page's default redraw period) is timed on the websocket from its rerun request to its
   script_finished message (goal: median <= 250 ms, so the page keeps up and stays interactive).
3. In-app vs headless training (goal >= 0.9, DESIGN.md): steps/s of the playground's default run read from the
   page's step counter while Chromium shows it, against ganviz's headless Trainer with the same config in this
   process; windows alternate so both see the same machine load. The server's resident memory is reported
   before and after. ``--parts dcgan``: the same for Train on images' default run (DCGAN-28, recipe digits_fast).

    python -m bench.browser_latency [--quick] [--samples 10] [--seconds 10] [--rounds 2] [--parts slider,live,dcgan]

Prints a table and RESULT lines (JSON) for bench/run_all.py.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ganviz import sitemap
from tests.e2e.conftest import (
    CHROMIUM,
    focus_slider,
    keyed,
    launch_chromium,
    read_step,
    start_server,
    stop_server,
    wait_label,
    wait_ready,
    wait_step,
)

SLIDER_GOAL_MS, REFRESH_GOAL_MS, RATIO_GOAL = 300.0, 250.0, 0.9
# page file -> key of its main slider (None: the first slider); theory pages only
THEORY = {"generator.py": "gen_a", "discriminator.py": "ds_mu_g", "jsd.py": "jsd_shift", "saturation.py": "sat_a"}

# Installed in the page: a cheap signature of what is shown (each plotly figure's data is hashed once per new data
# object; metrics' text; images' sources) and a watcher that notes when it changes after a keydown.
WATCH_JS = """() => {
  const h = s => { let x = 5381; for (let i = 0; i < s.length; i++) x = (Math.imul(x, 33) ^ s.charCodeAt(i)) >>> 0;
                   return x; };
  const sig = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    const figs = Array.from(main.querySelectorAll('.js-plotly-plot')).map(g => {
      if (!g.data) return 0;
      if (g.data.__gvHash === undefined) g.data.__gvHash = h(JSON.stringify(g.data));
      return g.data.__gvHash; });
    const metrics = Array.from(main.querySelectorAll('[data-testid="stMetricValue"]')).map(e => e.innerText);
    const images = Array.from(main.querySelectorAll('[data-testid="stImage"] img')).map(i => i.src);
    return JSON.stringify([figs, metrics, images]);
  };
  window.__gv = {sig, t0: null, t1: null};
  if (!window.__gvKeys) {
    window.__gvKeys = true;
    document.addEventListener('keydown', () => {
      const before = sig();
      window.__gv.t0 = performance.now(); window.__gv.t1 = null;
      const tick = () => {
        if (sig() !== before) { window.__gv.t1 = performance.now(); return; }
        if (performance.now() - window.__gv.t0 < 30000) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }, true);
  }
}"""


class Wire:
    """Websocket frames of one page, decoded with streamlit's protobufs: rerun requests and script ends."""

    def __init__(self, page):
        self.events: list[tuple[float, str, bool]] = []  # (time, "rerun"|"finished", is_fragment_auto_rerun)
        page.on("websocket", self._attach)

    def _attach(self, ws):
        ws.on("framesent", lambda payload: self._sent(payload))
        ws.on("framereceived", lambda payload: self._received(payload))

    def _sent(self, payload):
        if isinstance(payload, str):
            return
        msg = BackMsg.FromString(payload)
        if msg.WhichOneof("type") == "rerun_script":
            cs = msg.rerun_script
            self.events.append((time.perf_counter(), "rerun", bool(cs.fragment_id) and cs.is_auto_rerun))

    def _received(self, payload):
        if isinstance(payload, str):
            return
        try:
            msg = ForwardMsg.FromString(payload)
        except Exception:  # noqa: BLE001 - a frame that is not a ForwardMsg is not ours to time
            return
        if msg.WhichOneof("type") == "script_finished":
            self.events.append((time.perf_counter(), "finished", False))

    def durations(self, fragment_only: bool) -> list[float]:
        """ms from each rerun request to the next script_finished."""
        out, start = [], None
        for t, kind, auto in list(self.events):
            if kind == "rerun" and (auto or not fragment_only):
                start = t
            elif kind == "finished" and start is not None:
                out.append(1000 * (t - start))
                start = None
        return out


def open_page(page, url: str, timeout: float = 90_000) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    wait_ready(page, timeout)


def slider_latency(browser, server: str, page_file: str, key: str | None, samples: int) -> dict:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    wire = Wire(page)
    open_page(page, f"{server}/{Path(page_file).stem}")
    page.wait_for_selector('[data-testid="stMain"] .js-plotly-plot', timeout=60_000)
    wait_ready(page)
    page.evaluate(WATCH_JS)
    thumb = focus_slider(page, key)
    lat, misses = [], 0
    for i in range(samples + 1):  # the first move warms the caches up and is not counted
        wire.events.clear()
        page.evaluate("() => { window.__gv.t1 = null; }")
        thumb.focus()
        page.keyboard.press("ArrowRight" if (i // 4) % 2 == 0 else "ArrowLeft")  # 4 right, 4 left, ... new values
        try:
            page.wait_for_function("() => window.__gv.t1 !== null", timeout=30_000)
        except Exception:  # noqa: BLE001 - no visible change (e.g. the slider at its end): counted as a miss
            misses += 1
            continue
        ms = page.evaluate("() => window.__gv.t1 - window.__gv.t0")
        wait_ready(page)
        if i:
            lat.append(ms)
    server_ms = wire.durations(fragment_only=False)
    page.close()
    return {"page": page_file, "slider": key or "(first slider)", "n": len(lat), "misses": misses,
            "median": statistics.median(lat) if lat else float("nan"),
            "p90": sorted(lat)[int(0.9 * (len(lat) - 1))] if lat else float("nan"),
            "server": statistics.median(server_ms) if server_ms else None}


def trainer_steps_per_s(trainer, seconds: float) -> float:
    """Steps per second of a bare Trainer over ``seconds``, after one warm-up step."""
    trainer.step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        trainer.step()
        n += 1
    return n / (time.perf_counter() - t0)


def headless_steps_per_s(seconds: float, threads: int) -> float:
    import torch

    from ganviz.plane import playground, toy
    torch.set_num_threads(threads)
    cfg = playground.PRESETS[playground.DEFAULT_PRESET][1]
    dataset = toy.DATASETS[cfg.dataset]()
    trainer = playground.build_trainer(cfg, dataset)
    return trainer_steps_per_s(trainer, seconds)


def headless_images_steps_per_s(seconds: float, threads: int) -> float:
    """The Train on images page's default run (recipe "digits_fast": DCGAN-28) as a bare Trainer."""
    import torch

    from ganviz import recipes
    from ganviz.images.build import build_trainer
    from ganviz.images.datasets import load_images
    torch.set_num_threads(threads)
    images = load_images("mnist")
    spec, config = recipes.build(recipes.resolve("digits_fast"), len(images.class_names))
    trainer = build_trainer(images, spec, config)
    return trainer_steps_per_s(trainer, seconds)


def _play_window(page, seconds: float, key: str = "pg_toggle") -> tuple[int, int, float]:
    """Press Play, wait until the run is past its first publishes, count steps for ``seconds``, Pause."""
    keyed(page, key).locator("button").first.click()
    wait_step(page, "s >= 5", timeout=120_000)  # running, past the first publishes
    s0, t0 = read_step(page), time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    s1, t1 = read_step(page), time.perf_counter()
    keyed(page, key).locator("button").first.click()
    wait_label(page, key, "Play", 60_000)
    wait_ready(page)
    return s0, s1, t1 - t0


def live_images(browser, server: str, seconds: float, rounds: int, threads: int) -> dict:
    """In-app (Train on images, its default DCGAN run, Chromium showing it) vs headless windows, alternating."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_page(page, f"{server}/train_images")
    keyed(page, "ti_toggle").first.wait_for(timeout=120_000)
    inapp, headless = [], []
    for _ in range(rounds):
        headless.append(headless_images_steps_per_s(seconds, threads))
        s0, s1, dt = _play_window(page, seconds, "ti_toggle")
        inapp.append((s1 - s0) / dt)
        print(f"in-app DCGAN window: step {s0} -> {s1} in {dt:.1f} s; headless {headless[-1]:.1f} steps/s", flush=True)
    page.close()
    return {"inapp": statistics.median(inapp), "headless": statistics.median(headless)}


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def live_playground(browser, server: str, seconds: float, rounds: int, threads: int, server_pid: int) -> dict:
    """In-app vs headless windows on a page without the websocket decoder (decoding every frame in this
    process would load the box the trainer runs on), then one window with it for the refresh timing.
    The server's resident memory is read before the first and after the last window."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_page(page, f"{server}/playground")
    keyed(page, "pg_toggle").first.wait_for(timeout=60_000)
    rss0, t0 = rss_mb(server_pid), time.perf_counter()
    inapp, headless = [], []
    for _ in range(rounds):
        headless.append(headless_steps_per_s(seconds, threads))
        s0, s1, dt = _play_window(page, seconds)
        inapp.append((s1 - s0) / dt)
        print(f"in-app window: step {s0} -> {s1} in {dt:.1f} s; headless {headless[-1]:.1f} steps/s", flush=True)
    page.close()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    wire = Wire(page)
    open_page(page, f"{server}/playground")
    keyed(page, "pg_toggle").first.wait_for(timeout=60_000)
    _play_window(page, seconds)
    refresh = wire.durations(fragment_only=True)
    page.close()
    return {"inapp": statistics.median(inapp), "headless": statistics.median(headless),
            "rss": (rss0, rss_mb(server_pid), time.perf_counter() - t0),
            "refresh_median": statistics.median(refresh) if refresh else float("nan"),
            "refresh_p90": sorted(refresh)[int(0.9 * (len(refresh) - 1))] if refresh else float("nan"),
            "refresh_n": len(refresh)}


def memory_soak(browser, server: str, minutes: float, server_pid: int) -> list[tuple[float, int, float]]:
    """The playground trains live in Chromium for ``minutes``; (seconds, step, server RSS MB) every 30 s."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    open_page(page, f"{server}/playground")
    keyed(page, "pg_toggle").first.wait_for(timeout=60_000)
    keyed(page, "pg_toggle").locator("button").first.click()
    wait_step(page, "s >= 5", timeout=60_000)
    samples, t0 = [], time.perf_counter()
    while True:
        elapsed = time.perf_counter() - t0
        samples.append((elapsed, read_step(page), rss_mb(server_pid)))
        print(f"memory: {elapsed:5.0f} s  step {samples[-1][1]:>8,}  server RSS {samples[-1][2]:.0f} MB", flush=True)
        if elapsed >= 60 * minutes:
            break
        page.wait_for_timeout(min(30.0, 60 * minutes - elapsed + 0.1) * 1000)
    page.close()
    return samples


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4 slider moves per page, 1 round of 5 s")
    ap.add_argument("--samples", type=int, default=10, help="slider moves per page (median of these)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of each training window")
    ap.add_argument("--rounds", type=int, default=2, help="alternating in-app / headless windows")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads of the server (OMP_NUM_THREADS) and of the headless Trainer: the same for both")
    ap.add_argument("--parts", default="slider,live",
                    help="comma-separated: slider, live (default both), memory (a long live session, server RSS)")
    ap.add_argument("--minutes", type=float, default=5.0, help="length of the memory part")
    ap.add_argument("--pages", default=",".join(THEORY), help="theory pages for the slider part (default: all)")
    args = ap.parse_args(argv)
    parts = set(args.parts.split(","))
    if args.quick:
        args.samples, args.seconds, args.rounds = 4, 5.0, 1
    if not Path(CHROMIUM).exists():
        print(f"skip: no Chromium at {CHROMIUM}")
        return []
    from playwright.sync_api import sync_playwright

    available = [f for pages in sitemap.available().values() for f, *_ in pages]
    proc, server = start_server({"OMP_NUM_THREADS": str(args.threads), "MKL_NUM_THREADS": str(args.threads)})
    results = []
    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            rows = [slider_latency(browser, server, f, key, args.samples) for f, key in THEORY.items()
                    if f in available and "slider" in parts and f in args.pages.split(",")]
            live = (live_playground(browser, server, args.seconds, args.rounds, args.threads, proc.pid)
                    if "playground.py" in available and "live" in parts else None)
            images = (live_images(browser, server, args.seconds, args.rounds, args.threads)
                      if "train_images.py" in available and "dcgan" in parts else None)
            memory = (memory_soak(browser, server, args.minutes, proc.pid)
                      if "playground.py" in available and "memory" in parts else None)
            browser.close()
    finally:
        stop_server(proc)

    print(f"\nChromium slider -> DOM change, median of {args.samples} moves (ArrowRight/Left on the focused slider)")
    print("| page | slider | moves | median ms | p90 ms | server rerun ms | median / 300 ms goal | pass |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ok = r["median"] <= SLIDER_GOAL_MS
        srv = "—" if r["server"] is None else f"{r['server']:.0f}"
        print(f"| {r['page']} | {r['slider']} | {r['n']} | {r['median']:.0f} | {r['p90']:.0f} | {srv} | "
              f"{r['median'] / SLIDER_GOAL_MS:.2f} | {'yes' if ok else 'NO'} |")
        results.append({"name": f"slider {r['page']}", "figure": f"{r['median']:.0f} ms median",
                        "value": round(r["median"], 1), "ratio": round(r["median"] / SLIDER_GOAL_MS, 3),
                        "goal": f"<= {SLIDER_GOAL_MS:.0f} ms", "pass": ok})
    if live:
        ok_r = live["refresh_median"] <= REFRESH_GOAL_MS
        ratio = live["inapp"] / live["headless"]
        print(f"\nplayground live view rerun (the page's default redraw period): "
              f"median {live['refresh_median']:.0f} ms, "
              f"p90 {live['refresh_p90']:.0f} ms over {live['refresh_n']} reruns "
              f"(goal median <= {REFRESH_GOAL_MS:.0f} ms)")
        print(f"playground training with Chromium attached: {live['inapp']:,.1f} steps/s in the app vs "
              f"{live['headless']:,.1f} steps/s headless Trainer (same config, {args.threads} torch thread(s) each) "
              f"-> ratio {ratio:.2f} (goal >= {RATIO_GOAL})")
        r0, r1, span = live["rss"]
        print(f"server resident memory {r0:.0f} MB -> {r1:.0f} MB over {span:.0f} s of live training with Chromium "
              f"attached ({r1 - r0:+.1f} MB)")
        results += [
            {"name": "live refresh playground", "figure": f"{live['refresh_median']:.0f} ms per fragment rerun",
             "value": round(live["refresh_median"], 1), "ratio": round(live["refresh_median"] / REFRESH_GOAL_MS, 3),
             "goal": f"<= {REFRESH_GOAL_MS:.0f} ms", "pass": ok_r},
            {"name": "in-app / headless playground", "figure": f"{live['inapp']:.0f} vs {live['headless']:.0f} steps/s",
             "value": round(ratio, 3), "ratio": round(ratio, 3), "goal": f">= {RATIO_GOAL}",
             "pass": ratio >= RATIO_GOAL}]
    if images:
        ratio = images["inapp"] / images["headless"]
        print(f"Train on images (DCGAN) training with Chromium attached: {images['inapp']:,.1f} steps/s in the app vs "
              f"{images['headless']:,.1f} steps/s headless Trainer (same recipe, {args.threads} torch thread(s) each) "
              f"-> ratio {ratio:.2f} (goal >= {RATIO_GOAL})")
        results.append({"name": "in-app / headless DCGAN",
                        "figure": f"{images['inapp']:.1f} vs {images['headless']:.1f} steps/s",
                        "value": round(ratio, 3), "ratio": round(ratio, 3), "goal": f">= {RATIO_GOAL}",
                        "pass": ratio >= RATIO_GOAL})
    if memory:
        (t0, s0, r0), (t1, s1, r1) = memory[0], memory[-1]
        print(f"\nmemory: server resident {r0:.0f} MB -> {r1:.0f} MB ({r1 - r0:+.1f} MB) over {t1 - t0:.0f} s and "
              f"{s1 - s0:,} steps of live playground training with Chromium attached (goal <= 20 MB)")
        results.append({"name": "server memory, live session", "figure": f"{r1 - r0:+.1f} MB in {t1 - t0:.0f} s",
                        "value": round(r1 - r0, 1), "ratio": round((r1 - r0) / 20.0, 3), "goal": "<= 20 MB",
                        "pass": r1 - r0 <= 20.0})
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for r in results:
        print("RESULT " + json.dumps(r))
    return results


if __name__ == "__main__":
    main()
