#!/usr/bin/env bash
# Round 7 of the shipped conditional Fashion DCGAN (issue 6), on the project's 2-core CPU box: round 5's run
# (scripts/finetune_shipped_cpu.sh) goes on as an AC-GAN — its D gains an auxiliary classifier trained on the real
# labels, and G is also trained to make its fakes classified as the asked class (--aux-classifier; Odena et al.
# 2017) — for STEPS steps while both learning rates decay linearly (--decay-steps), with an EMA of G (β = 0.999).
#
#   scripts/acgan_shipped_cpu.sh runs/v3 runs/v5
#   python scripts/eval_shipped.py runs/v5/dcgan_fashion-mnist_cond/step_* runs/v5/dcgan_fashion-mnist_cond --quick --n 5000
set -uo pipefail
IN=${1:-runs/v3}
OUT=${2:-runs/v5}
STEPS=${STEPS:-4000}
mkdir -p "$OUT/logs"
python -m ganviz train --data-dir .device/data/gan --model dcgan --width 64 --depth 0 --batch 128 --data fashion-mnist \
  --conditional --aux-classifier --aux-weight 1.0 --seed 13 --loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 \
  --steps "$STEPS" --decay-steps "$STEPS" --ema 0.999 --threads 1 --quiet --sample-every 500 --log-every 100 \
  --save-every 1000 --init-from "$IN/dcgan_fashion-mnist_cond" \
  --out "$OUT/dcgan_fashion-mnist_cond" > "$OUT/logs/dcgan_fashion-mnist_cond.log" 2>&1
