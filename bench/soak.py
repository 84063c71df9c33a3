"""Soak: one playground LiveRun trains for N minutes while a UI-like reader draws it; resident memory is reported.

The reader does what the playground page's live fragment does every 0.5 s: run.snapshot(), then the plotly
figures (playground_figure, the loss series, the mode metrics) serialised to JSON as streamlit would send them.
Resident memory (VmRSS) is sampled every few seconds; growth is measured from the end of a warm-up (the first
10 % of the run, at least 20 s) to the end, and compared with what the run's history legitimately holds
(every recorded value costs 16 bytes: an int64 step and a float64 value).

    python bench/soak.py [--minutes 10] [--config ring-8]

Prints a RESULT line (JSON) that bench/run_all.py reads. Goal: growth beyond the history's own size ≤ 20 MB.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import threading
import time
from pathlib import Path

import torch

from ganviz.engine.live import LiveRun
from ganviz.plane import playground, toy
from ganviz.plots import toy as plots_toy

GOAL_MB = 20.0


def rss_mb() -> float:
    return int(re.search(r"VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) / 1024


def history_values(history: dict) -> int:
    return sum(len(v) for _, v in history.values())


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--dataset", default="ring-8", choices=list(toy.DATASETS))
    ap.add_argument("--every", type=float, default=0.5, help="reader period in seconds (the fragment's run_every)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    dataset = toy.DATASETS[args.dataset]()
    cfg = playground.PlaygroundConfig(dataset=args.dataset)
    run = LiveRun(lambda: playground.build_trainer(cfg, dataset), view=playground.PlaygroundView(dataset, seed=0),
                  publish_every_s=0.25)
    total = args.minutes * 60
    warmup = max(20.0, 0.1 * total) if total > 40 else total / 4
    samples: list[tuple[float, float, int, int]] = []  # (t, rss MB, step, history values)
    draws, draw_ms, stop = [0], [], threading.Event()

    def reader():
        while not stop.is_set():
            t = time.perf_counter()
            snap = run.snapshot()
            if snap.view is not None:
                figs = [plots_toy.playground_figure(snap.view, dataset.extent, centres=dataset.centres,
                                                    sigma=dataset.sigma),
                        plots_toy.series_figure(snap.history, {"loss_d": "D loss", "loss_g": "G loss"}, snap.events),
                        plots_toy.mode_metrics_figure(snap.history, len(dataset.centres), snap.events)]
                for f in figs:
                    f.to_json()
            draws[0] += 1
            draw_ms.append(1000 * (time.perf_counter() - t))
            stop.wait(max(0.0, args.every - (time.perf_counter() - t)))

    t0 = time.perf_counter()
    run.start()
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    while (now := time.perf_counter() - t0) < total:
        snap = run.snapshot()
        samples.append((now, rss_mb(), snap.step, history_values(snap.history)))
        if snap.error:
            print(f"run paused: {snap.error}")
            break
        time.sleep(min(5.0, max(0.5, total / 60)))
    stop.set()
    th.join()
    run.stop()
    snap = run.snapshot()
    samples.append((time.perf_counter() - t0, rss_mb(), snap.step, history_values(snap.history)))

    base = next((s for s in samples if s[0] >= warmup), samples[0])
    end = samples[-1]
    growth = end[1] - base[1]
    history_mb = 16 * (end[3] - base[3]) / 2**20
    excess = growth - history_mb
    steps_per_s = (end[2] - base[2]) / max(end[0] - base[0], 1e-9)
    print(f"soak: playground {args.dataset}, {args.minutes:g} min, reader every {args.every} s, "
          f"{torch.get_num_threads()} torch threads")
    print(f"{'t s':>7}{'RSS MB':>9}{'step':>10}{'history values':>16}")
    stride = max(1, len(samples) // 12)
    for t, r, s, h in samples[::stride] + ([samples[-1]] if (len(samples) - 1) % stride else []):
        print(f"{t:7.0f}{r:9.1f}{s:10,}{h:16,}")
    print(f"steps {end[2]:,} ({steps_per_s:,.0f}/s after warm-up); reader draws {draws[0]:,} "
          f"(median {statistics.median(draw_ms):.0f} ms each)")
    print(f"RSS after warm-up {base[1]:.1f} MB -> end {end[1]:.1f} MB: growth {growth:+.1f} MB; the history's own "
          f"growth is {history_mb:.1f} MB; excess {excess:+.1f} MB (goal <= {GOAL_MB:g} MB)")
    result = {"name": "soak", "figure": f"RSS {growth:+.1f} MB in {args.minutes:g} min (history {history_mb:.1f} MB)",
              "value": round(excess, 2), "ratio": round(excess / GOAL_MB, 3), "goal": f"excess <= {GOAL_MB:g} MB",
              "pass": excess <= GOAL_MB}
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
