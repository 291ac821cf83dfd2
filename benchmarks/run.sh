#!/usr/bin/env bash
# Forward-pass time of ModuleLab and PyTorch on this CPU: same models, input shapes and thread
# counts, measured alternately in several rounds (benchmarks/compare.py); the GFLOP/s of every
# convolution of the CIFAR ResNet-18 (benchmarks/conv_compare.py); the summary time of a
# generated 10,000-node model. Needs a Release build in build/ and, for the PyTorch columns,
# Debian's python3-torch and libopenblas0-pthread.
#   benchmarks/run.sh [ROUNDS] [ITERS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
iters=${2:-10}
py=/usr/bin/python3
$py benchmarks/compare.py --threads 1,2 --rounds "$rounds" --iters "$iters" --markdown
for threads in 1 2; do
    $py benchmarks/conv_compare.py $threads "$rounds" "$iters"
done
build/benchmarks/modulelab-bench-summary 10000
