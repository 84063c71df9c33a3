#!/usr/bin/env bash
# Round 6 of the shipped unconditional DCGANs (issue 6), on the project's 2-core CPU box: the round-4 nets go on
# from their weights (--init-from: G and D, fresh Adam) with a disconnected latent — z from a mixture of K = 50
# Gaussians N(μ_k, 0.5² I), μ_k ~ N(0, I) drawn from the seed (--prior mixture) — for STEPS steps while both
# learning rates decay linearly to ~0. Ambiguous samples between classes are the "bridges" a continuous G draws
# between separated modes (bench/mode_collapse.py: the same prior lifts ring-8 from 92.7 % to 99 % HQ).
# Result (session 3; models/MODEL_CARD.md): NOT shipped. IS rose at first (MNIST 8.40 → 8.9 after 1–2k steps) but
# FID and class balance got worse as training went on (final MNIST IS 8.57, FID 36, max/min 1.81; Fashion IS 7.55,
# FID 22, against round 4's 8.40 / 14 / 1.45 and 7.36 / 7.1 on the same 2,000-sample quick score).
#
#   scripts/mixture_shipped_cpu.sh runs/v2 runs/v4      # round-4 run folders in, round-6 folders out
#   python scripts/eval_shipped.py runs/v4/*/step_* runs/v4/dcgan_* --quick --n 2000
set -uo pipefail
IN=${1:-runs/v2}
OUT=${2:-runs/v4}
STEPS=${STEPS:-6000}
mkdir -p "$OUT/logs"
COMMON="--data-dir .device/data/gan --model dcgan --width 64 --depth 1 --batch 64 --steps $STEPS --decay-steps $STEPS
        --ema 0.999 --prior mixture --mixture-k 50 --mixture-sd 0.5 --threads 1 --quiet --sample-every 500
        --log-every 100 --save-every 1000"
python -m ganviz train $COMMON --data mnist --seed 20 --loss hinge --spectral-norm --d-norm none --lr-g 1e-4 \
  --lr-d 4e-4 --beta1 0.0 --beta2 0.9 --init-from "$IN/dcgan_mnist" \
  --out "$OUT/dcgan_mnist" > "$OUT/logs/dcgan_mnist.log" 2>&1 &
python -m ganviz train $COMMON --data fashion-mnist --seed 21 --loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 \
  --beta1 0.5 --init-from "$IN/dcgan_fashion-mnist" \
  --out "$OUT/dcgan_fashion-mnist" > "$OUT/logs/dcgan_fashion-mnist.log" 2>&1 &
wait
# The conditional Fashion model (round 5: scripts/finetune_shipped_cpu.sh) with the same prior, started separately:
#   python -m ganviz train --data-dir .device/data/gan --model dcgan --width 64 --depth 0 --batch 128 --steps 4000 \
#     --decay-steps 4000 --ema 0.999 --prior mixture --mixture-k 50 --mixture-sd 0.5 --threads 1 --quiet \
#     --sample-every 500 --log-every 100 --save-every 1000 --data fashion-mnist --conditional --seed 22 \
#     --loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 --init-from runs/v3/dcgan_fashion-mnist_cond \
#     --out runs/v4/dcgan_fashion-mnist_cond
