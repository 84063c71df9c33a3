"""The page's live VAE on this machine's CPU: LiveRun steps/s vs the same trainer stepped headless, and the time to
the first useful picture.

Headless: ``VAETrainer.step()`` in a plain loop for ``--seconds``. Live: the page's run (ganviz.beyond.vae.live_vae_run,
a LiveRun worker thread, its view built every 0.2 s as the page asks for it) played for ``--seconds`` while this
thread reads a snapshot every 0.5 s (as the page's fragment does). Time to first useful picture: from Play until
the shipped MNIST classifier's Inception Score of the run's 256 decoder means on fixed prior draws reaches
``--target`` (the real test digits score 9.7), checked every 0.5 s of wall time (the check is counted); and,
independent of the machine's load, the number of steps a headless run needs to reach it (checked every 25 steps).

    python bench/vae_live.py [--seconds 20] [--target 5] [--batch 128] [--lr 2e-3]
"""
from __future__ import annotations

import argparse
import os
import time

import torch

from ganviz.beyond import vae
from ganviz.images import datasets
from ganviz.scoring import classifier, metrics


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--target", type=float, default=5.0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--limit", type=float, default=30.0, help="the issue's budget for the first useful picture, s")
    args = ap.parse_args()
    images = datasets.load_images("mnist").images
    spec, config = vae.VAESpec(), vae.VAEConfig(lr=args.lr, batch_size=args.batch, seed=0)
    torch.set_num_threads(1)

    t = vae.build_vae_trainer(images, spec, config)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        t.step()
    headless = t.step_count / (time.perf_counter() - t0)

    run = vae.live_vae_run(images, spec, config)
    run.start()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.seconds:
        time.sleep(0.5)
        run.snapshot()
    live = run.trainer.step_count / (time.perf_counter() - t0)
    run.stop()

    clf = classifier.load_classifier("mnist")
    z = torch.randn(256, spec.z_dim, generator=torch.Generator().manual_seed(1))

    def score(tr) -> float:
        return metrics.inception_score(clf.extract(tr.generate(z))[1], splits=1)[0]

    t, steps_needed = vae.build_vae_trainer(images, spec, config), None  # steps to the target: load-independent
    while t.step_count < 2000 and steps_needed is None:
        for _ in range(25):
            t.step()
        if score(t) >= args.target:
            steps_needed = t.step_count
    run = vae.live_vae_run(images, spec, config)
    run.start()
    t0, first, got = time.perf_counter(), None, 0.0
    while time.perf_counter() - t0 < 3 * args.limit:
        time.sleep(0.5)
        got = run.with_trainer(score)
        if got >= args.target:
            first = time.perf_counter() - t0
            break
    step = run.trainer.step_count
    run.stop()
    print(f"VAE (z {spec.z_dim}, width {spec.width}), batch {args.batch}, MNIST, CPU 1 thread; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"headless {headless:.1f} steps/s · LiveRun {live:.1f} steps/s · ratio {live / headless:.2f}")
    print(f"headless: IS of 256 samples ≥ {args.target} first at step {steps_needed} (checked every 25 steps), "
          f"{(steps_needed or 0) / headless:.1f} s at this run's headless rate")
    if first is None:
        print(f"LiveRun: IS {got:.2f} < {args.target} after {3 * args.limit:.0f} s (step {step})")
    else:
        print(f"LiveRun: first useful picture (IS of 256 samples ≥ {args.target}) {first:.1f} s after Play, at step "
              f"{step} (IS {got:.2f}) · {first / args.limit:.2f} of the {args.limit:.0f} s budget")


if __name__ == "__main__":
    main()
