#!/usr/bin/env bash
# Round 7 of the shipped unconditional DCGANs (issue 6), on the project's 2-core CPU box. Round 4's runs
# (scripts/train_shipped_cpu.sh) go on with two changes: noise from a mixture of 500 Gaussian blobs N(μ_k, 0.5² I)
# (--prior mixture, a disconnected latent: no in-between pictures where the noise crosses from one class to
# another), and an auxiliary classifier in D trained on the real labels, with G trained to make pictures it names
# surely and all classes equally often (--aux-classifier; CatGAN's generator terms, Springenberg 2016). G stays
# unconditional: sampling needs no label. STEPS steps, both learning rates decaying linearly (--decay-steps), EMA of G.
#
#   scripts/aux_uncond_shipped_cpu.sh runs/v2 runs/v5
#   python scripts/eval_shipped.py runs/v5/dcgan_mnist_k500/step_* runs/v5/dcgan_mnist_k500 --quick --n 5000
# Session 4 first ran 50 blobs with --aux-weight 2 (seeds 20, 21): IS passed real's at once but recall fell to
# 0.13–0.21 (each narrow blob drew nearly one picture); the variants and their scores are in models/MODEL_CARD.md.
set -uo pipefail
IN=${1:-runs/v2}
OUT=${2:-runs/v5}
STEPS=${STEPS:-4000}
mkdir -p "$OUT/logs"
COMMON="--data-dir .device/data/gan --model dcgan --width 64 --depth 1 --batch 64 --prior mixture --mixture-k 500
        --mixture-sd 0.5 --aux-classifier --aux-weight 1.0 --steps $STEPS --decay-steps $STEPS --ema 0.999
        --threads 1 --quiet --sample-every 500 --log-every 100 --save-every 500"
python -m ganviz train $COMMON --data mnist --seed 23 --loss hinge --spectral-norm --d-norm none --lr-g 1e-4 \
  --lr-d 4e-4 --beta1 0.0 --beta2 0.9 --init-from "$IN/dcgan_mnist" \
  --out "$OUT/dcgan_mnist_k500" > "$OUT/logs/dcgan_mnist_k500.log" 2>&1 &
python -m ganviz train $COMMON --data fashion-mnist --seed 28 --loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 \
  --beta1 0.5 --init-from "$IN/dcgan_fashion-mnist" \
  --out "$OUT/dcgan_fashion-mnist_k500" > "$OUT/logs/dcgan_fashion-mnist_k500.log" 2>&1 &
wait
