#!/usr/bin/env bash
# Forward-pass time of ModuleLab and PyTorch on this CPU, same models, inputs and thread counts,
# and the summary time of a generated 10,000-node model. Needs a Release build in build/ and,
# for the PyTorch column, Debian's python3-torch and libopenblas0-pthread.
#   benchmarks/run.sh [ITERS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
iters=${1:-20}
cli=build/cli/modulelab-cli
py=/usr/bin/python3
have_torch=0
$py -c "import torch" 2>/dev/null && have_torch=1

printf "%-28s %-14s %-8s %14s %14s\n" model input threads "ModuleLab ms" "PyTorch ms"
for spec in "resources/examples/net_fixed.py 1,1,28,28" "resources/examples/net_fixed.py 64,1,28,28" \
            "resources/examples/net_sequential_fixed.py 1,1,28,28" "resources/examples/net_sequential_fixed.py 64,1,28,28" \
            "resources/examples/net_modulelist_fixed.py 1,1,28,28" "resources/examples/net_modulelist_fixed.py 64,1,28,28" \
            "tests/data/numeric/tiny_cnn.py 64,1,28,28"; do
    set -- $spec
    for threads in 1 2; do
        ours=$($cli bench "$1" --input "$2" --threads $threads --iters "$iters" --format json | tr -d ' \n' | sed -E 's/.*"median_ms":([0-9.e+-]+).*/\1/')
        theirs="-"
        if [ $have_torch = 1 ]; then
            theirs=$($py benchmarks/torch_bench.py "$1" "$2" $threads "$iters" | sed -E 's/.*"median_ms": ([0-9.e+-]+).*/\1/')
        fi
        printf "%-28s %-14s %-8s %14.2f %14.2f\n" "$(basename "$1")" "$2" $threads "$ours" "${theirs/-/0}"
    done
done
build/benchmarks/modulelab-bench-summary 10000
