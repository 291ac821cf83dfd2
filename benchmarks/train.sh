#!/usr/bin/env bash
# One epoch of Fashion-MNIST (60,000 training images, batch 64, shuffled, Adam lr 0.001,
# cross-entropy) from scratch, then the 10,000 test images, in ModuleLab and in PyTorch on the
# same threads, one after the other. Needs a Release build in build/, Debian's
# dataset-fashion-mnist and, for the PyTorch row, python3-torch.
#   benchmarks/train.sh [MODEL.py] [THREADS] [STEPS]   (STEPS > 0: only that many steps)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
model=${1:-resources/examples/fashion_cnn.py}
threads=${2:-2}
steps=${3:-0}
limit=()
[ "$steps" -gt 0 ] && limit=(--steps "$steps")
printf "%-10s %8s %12s %14s %10s\n" who threads seconds "images/s" accuracy
line=$(build/cli/modulelab-cli train "$model" --data fashion-mnist --batch 64 --optimizer adam --lr 0.001 \
       --threads "$threads" --seed 0 "${limit[@]}" --format json | grep test_accuracy | tail -1)
field() { echo "$1" | sed -E "s/.*\"$2\": ([0-9.e+-]+).*/\1/"; }
printf "%-10s %8s %12.1f %14.0f %9.2f%%\n" ModuleLab "$threads" "$(field "$line" seconds)" \
       "$(field "$line" images_per_second)" "$(awk "BEGIN { print $(field "$line" test_accuracy) * 100 }")"
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
    line=$(/usr/bin/python3 benchmarks/torch_train_epoch.py "$model" "$threads" 1 "$steps" | tail -1)
    printf "%-10s %8s %12.1f %14.0f %9.2f%%\n" PyTorch "$threads" "$(field "$line" seconds)" \
           "$(field "$line" images_per_second)" "$(awk "BEGIN { print $(field "$line" test_accuracy) * 100 }")"
fi
