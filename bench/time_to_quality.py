"""Time to quality of the "Train on images" presets on this machine's CPU.

Trains a preset as the page does (a live run: the one Trainer in its worker process, CPU threads chosen by
ganviz.engine.device.cpu_threads_for) for ``--seconds`` of wall time, and every ``--every`` seconds pauses to score
2,000 samples with the shipped MNIST classifier (scoring time is not counted). Prints the first wall time at
which classifier-IS ≥ ``--target`` and the ratio to the 180 s budget (issue: IS ≥ 7 within 3 minutes).

    python bench/time_to_quality.py [--preset conditional|unconditional|sharpened] [--seconds 180] [--every 20]

Each preset is the page's recipe (ganviz/recipes/presets.py): "conditional" is digits_fast, "unconditional"
digits_unconditional, "sharpened" digits_sharpened (unconditional G, the shipped models' mixture latent and an
auxiliary classifier in D).
"""
from __future__ import annotations

import argparse
import operator
import time
from dataclasses import replace

from ganviz import recipes
from ganviz.images import datasets, live
from ganviz.scoring import classifier, metrics

RECIPE = {"conditional": "digits_fast", "unconditional": "digits_unconditional", "sharpened": "digits_sharpened"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", choices=("conditional", "unconditional", "sharpened"), default="conditional")
    ap.add_argument("--seconds", type=float, default=180.0)
    ap.add_argument("--every", type=float, default=20.0)
    ap.add_argument("--target", type=float, default=7.0)
    args = ap.parse_args()

    images = datasets.load_images("mnist")
    spec, config = recipes.build(recipes.resolve(RECIPE[args.preset]), len(images.class_names))
    sharpened = args.preset == "sharpened"
    clf = classifier.load_classifier("mnist")
    tracker = metrics.make_tracker(clf, classifier.load_reference("mnist", "test"), n=2000)
    run = live.live_image_run(images, spec, replace(config), timeline_every=10_000)
    print(f"preset: DCGAN width {spec.width}, {'conditional' if spec.num_classes else 'unconditional'}"
          f"{', mixture latent + classifier in D' if sharpened else ''}, "
          f"batch {config.batch_size}; data: {images.source}")
    print(f"{'wall s':>8}{'steps':>8}{'IS':>8}{'FID':>9}")
    trained, reached = 0.0, None
    while trained < args.seconds:
        run.start()
        t0 = time.perf_counter()
        time.sleep(min(args.every, args.seconds - trained))
        run.pause()
        step = run.with_trainer(operator.attrgetter("step_count"))  # answered after the step in flight
        trained += time.perf_counter() - t0
        scores = run.with_trainer(tracker)
        print(f"{trained:8.0f}{step:8d}{scores['IS']:8.2f}{scores['FID']:9.1f}")
        if reached is None and scores["IS"] >= args.target:
            reached = trained
    run.stop()
    if reached is None:
        print(f"IS ≥ {args.target} NOT reached within {args.seconds:.0f} s")
    else:
        print(f"IS ≥ {args.target} reached after {reached:.0f} s of training: ratio to the 180 s budget "
              f"{reached / 180:.2f} (goal ≤ 1.0)")


if __name__ == "__main__":
    main()
