#!/usr/bin/env bash
# Round 5 of the shipped DCGANs (issue 6), on the project's 2-core CPU box: each model that missed a bar goes on
# from its shipped weights (--init-from: G and D, fresh Adam) for STEPS more steps while both learning rates decay
# linearly to 0.1 % (--decay-steps), with an EMA of G (β = 0.999). Round 4's runs (scripts/train_shipped_cpu.sh)
# had leveled off at a constant learning rate. The three runs share the two cores (one torch thread each).
#
#   scripts/finetune_shipped_cpu.sh runs/v2 runs/v3       # round-4 run folders in, round-5 folders out
#   python scripts/eval_shipped.py runs/v3/*/step_* runs/v3/* --quick --n 2000
# Session 3 shipped only the conditional model of this round: the unconditional ones gained little (MNIST IS 8.40 at
# 6k steps, as before; Fashion 7.36 → 7.41) and were superseded by round 6 (scripts/mixture_shipped_cpu.sh).
set -uo pipefail
IN=${1:-runs/v2}
OUT=${2:-runs/v3}
STEPS=${STEPS:-10000}
mkdir -p "$OUT/logs"
COMMON="--data-dir .device/data/gan --model dcgan --width 64 --steps $STEPS --decay-steps $STEPS --ema 0.999
        --threads 1 --quiet --sample-every 1000 --log-every 100 --save-every 2000"
python -m ganviz train $COMMON --depth 1 --batch 64 --data mnist --seed 10 --loss hinge --spectral-norm --d-norm none \
  --lr-g 1e-4 --lr-d 4e-4 --beta1 0.0 --beta2 0.9 --init-from "$IN/dcgan_mnist" \
  --out "$OUT/dcgan_mnist" > "$OUT/logs/dcgan_mnist.log" 2>&1 &
python -m ganviz train $COMMON --depth 1 --batch 64 --data fashion-mnist --seed 11 --loss nonsaturating --lr-g 2e-4 \
  --lr-d 2e-4 --beta1 0.5 --init-from "$IN/dcgan_fashion-mnist" \
  --out "$OUT/dcgan_fashion-mnist" > "$OUT/logs/dcgan_fashion-mnist.log" 2>&1 &
# the conditional Fashion model starts from round 2's GPU run (depth 0, batch 128; COND_FROM); session 3 passed the
# round-2 shipped files models/dcgan_fashion-mnist_cond.{json,safetensors}, which held that run's G and D
python -m ganviz train $COMMON --depth 0 --batch 128 --data fashion-mnist --conditional --seed 12 --loss nonsaturating \
  --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 --init-from "${COND_FROM:-runs/sweep/dcgan_fashion-mnist_cond_ns_long}" \
  --out "$OUT/dcgan_fashion-mnist_cond" > "$OUT/logs/dcgan_fashion-mnist_cond.log" 2>&1 &
wait
