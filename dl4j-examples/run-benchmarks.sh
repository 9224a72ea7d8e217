#!/usr/bin/env bash
# Runs the speed benchmarks of the README in one session and prints their tables:
#   1. JMH MlpBenchmark at 784-1024-1024-10, batch 32 and 256: DenseLayer vs SparseLinear (0.0, masked 0.9, 0.9, 0.99),
#      training step and inference, with the ratio table;
#   2. the reference article's PyTorch code on the same shapes, with DL4J / PyTorch ratios (if PyTorch is installed:
#      apt-get install python3-torch libopenblas0-pthread);
#   3. MemoryReport: parameter, updater-state and off-heap bytes.
# Usage: bash dl4j-examples/run-benchmarks.sh [extra JMH options, e.g. -f 1 -wi 3 -i 5 for a quick run]
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
out=dl4j-examples/target/benchmarks
mkdir -p "$out"

mvn -B -q install -DskipTests
mvn -B -q -f dl4j-examples/pom.xml compile exec:exec@bench \
    -Dbench.args="MlpBenchmark -p config=784-1024-1024-10/32,784-1024-1024-10/256 -rf json -rff $PWD/$out/mlp.json $*" | tee "$out/jmh.log" | sed -n '/^| benchmark/,$p'

python=/usr/bin/python3
if "$python" -c 'import torch' 2>/dev/null; then
    "$python" dl4j-examples/pytorch/article_benchmark.py --jmh-json "$out/mlp.json" | tee "$out/pytorch.md"
else
    echo "PyTorch not installed for $python: skipping the article's PyTorch code (apt-get install python3-torch libopenblas0-pthread)"
fi

mvn -B -q -f dl4j-examples/pom.xml exec:exec@memory | tee "$out/memory.md"
