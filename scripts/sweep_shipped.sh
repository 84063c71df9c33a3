#!/usr/bin/env bash
# Second round for the shipped DCGANs (issue 6): the first round (scripts/train_shipped.sh: non-saturating loss,
# BatchNorm D, 8k/6k steps) passed the MNIST-conditional bars only. This round tries, in parallel on one GPU,
# hinge / non-saturating / least-squares losses with a spectrally normalised D (Miyato et al. 2018), a two
# time-scale variant (Heusel et al. 2017), and longer runs; every run is scored quickly (IS, FID, classes,
# conditional accuracy on 10,000 samples) by scripts/eval_shipped.py --quick.
#
#   scripts/sweep_shipped.sh runs/sweep            # DEVICE=cuda by default
set -uo pipefail
OUTDIR=${1:-runs/sweep}
DEVICE=${DEVICE:-cuda}
DATA=${DATA:-.device/data}
STEPS=${STEPS:-10000}
N_EVAL=${N_EVAL:-10000}
export PYTHONUNBUFFERED=1
mkdir -p "$OUTDIR/logs"
SECONDS=0
train() {  # name, then CLI flags (these override the defaults below: argparse keeps the last value)
  local name=$1; shift
  python -m ganviz train --data-dir "$DATA/gan" --model dcgan --width 64 --batch 128 --lr-g 2e-4 --lr-d 2e-4 \
    --beta1 0.5 --seed 0 --steps "$STEPS" --device "$DEVICE" --threads 1 --quiet --sample-every 1000 \
    --log-every 100 --out "$OUTDIR/$name" "$@" > "$OUTDIR/logs/$name.log" 2>&1
  echo "$name exit $? after ${SECONDS}s"
}
SN="--spectral-norm --d-norm none"
TTUR="--lr-g 1e-4 --lr-d 4e-4 --beta1 0.0 --beta2 0.9"
for d in mnist fashion-mnist; do
  train "dcgan_${d}_hinge_sn"      --data $d --loss hinge $SN &
  train "dcgan_${d}_hinge_sn_ttur" --data $d --loss hinge $SN $TTUR &
  train "dcgan_${d}_ns_sn"         --data $d --loss nonsaturating $SN &
done
train "dcgan_mnist_lsgan"           --data mnist --loss lsgan &
train "dcgan_mnist_ns_long"         --data mnist --loss nonsaturating --steps $((STEPS * 8 / 5)) --lr-g 1e-4 --lr-d 1e-4 &
train "dcgan_fashion-mnist_cond_hinge_sn" --data fashion-mnist --conditional --loss hinge $SN &
train "dcgan_fashion-mnist_cond_ns_sn"    --data fashion-mnist --conditional --loss nonsaturating $SN &
train "dcgan_fashion-mnist_cond_ns_long"  --data fashion-mnist --conditional --loss nonsaturating --steps $((STEPS * 7 / 5)) &
wait
echo "training done after ${SECONDS}s"
for run in "$OUTDIR"/dcgan_*/; do
  python scripts/eval_shipped.py "$run" --quick --device "$DEVICE" --n "$N_EVAL" --json "$run/eval.json" \
    > "$OUTDIR/logs/eval_$(basename "$run").log" 2>&1 &
  while [ "$(jobs -rp | wc -l)" -ge 8 ]; do sleep 1; done
done
wait
cat "$OUTDIR"/logs/eval_*.log
echo "all done after ${SECONDS}s"
