#!/bin/sh
# Resident memory of a training run: samples VmRSS of modulelab-cli train every second and
# prints the samples with the step reached (its output line-buffered), so that growth over the
# steps shows.
#   benchmarks/train_rss.sh [STEPS] [MODEL] [TRAIN OPTIONS...]
# e.g. benchmarks/train_rss.sh 1000 resources/examples/autoencoder.py --target input
set -eu
STEPS=${1:-1000}
MODEL=${2:-resources/examples/fashion_cnn.py}
[ $# -ge 2 ] && shift 2 || shift $#
CLI=${CLI:-build/cli/modulelab-cli}
LOG=$(mktemp)
stdbuf -oL "$CLI" train "$MODEL" --data fashion-mnist --steps "$STEPS" --batch 64 --optimizer adam --lr 0.001 \
    --threads 2 --format json "$@" >"$LOG" &
PID=$!
while kill -0 "$PID" 2>/dev/null; do
    RSS=$(awk '/^VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null || true)
    STEP=$(tail -n 1 "$LOG" | sed -n 's/.*"step": *\([0-9]*\).*/\1/p')
    [ -n "$RSS" ] && echo "step ${STEP:-0} rss_kb $RSS"
    sleep 1
done
wait "$PID"
rm -f "$LOG"
