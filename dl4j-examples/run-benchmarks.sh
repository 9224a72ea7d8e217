#!/usr/bin/env bash
# Runs the speed benchmarks of the README in one session and prints their tables:
#   1. JMH MlpBenchmark at 784-1024-1024-10, batch 1, 32, 256 and 2048: DenseLayer vs SparseLinear at sparsity 0.5,
#      0.8, 0.9, 0.95 and 0.99, training step and inference, Vector API kernels (--add-modules jdk.incubator.vector),
#      with the ratio table;
#   2. PyTorch's dense nn.Linear network and the reference article's layer on the same shapes and thread count, with
#      DL4J / PyTorch ratios (if PyTorch is installed: apt-get install python3-torch libopenblas0-pthread);
#   3. MemoryReport: parameter, updater-state and off-heap bytes;
#   4. JMH LeNet5Benchmark (ConvolutionLayer + DenseLayer against SparseConv2D + SparseLinear at 0.9 and 0.95, batch
#      128 and 32) and ConvLayerBenchmark (LeNet-5's second convolution alone), then PyTorch's dense LeNet-5 twin on the
#      same shapes with the DL4J / PyTorch ratios, and ConvMemoryReport (working memory of a convolution's step).
# Usage: bash dl4j-examples/run-benchmarks.sh [extra JMH options, e.g. -f 1 -wi 3 -i 5 for a quick run]
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
out=dl4j-examples/target/benchmarks
mkdir -p "$out"
configs=784-1024-1024-10/1,784-1024-1024-10/32,784-1024-1024-10/256,784-1024-1024-10/2048

mvn -B -q install -DskipTests
mvn -B -q -f dl4j-examples/pom.xml compile exec:exec@bench \
    -Dbench.args="MlpBenchmark -p config=$configs -p layers=dense,sparse0.5,sparse0.8,sparse0.9,sparse0.95,sparse0.99 -jvmArgsAppend --add-modules=jdk.incubator.vector -rf json -rff $PWD/$out/mlp.json $*" | tee "$out/jmh.log" | sed -n '/^| benchmark/,$p'

python=/usr/bin/python3
if "$python" -c 'import torch' 2>/dev/null; then
    "$python" dl4j-examples/pytorch/article_benchmark.py --jmh-json "$out/mlp.json" --configs "$configs" \
        --variants dense,sparse0.9 | tee "$out/pytorch.md"
else
    echo "PyTorch not installed for $python: skipping the article's PyTorch code (apt-get install python3-torch libopenblas0-pthread)"
fi

mvn -B -q -f dl4j-examples/pom.xml exec:exec@memory | tee "$out/memory.md"

mvn -B -q -f dl4j-examples/pom.xml compile exec:exec@bench \
    -Dbench.args="LeNet5Benchmark|ConvLayerBenchmark -jvmArgsAppend --add-modules=jdk.incubator.vector -rf json -rff $PWD/$out/lenet5.json $*" | tee "$out/jmh-lenet5.log" | sed -n '/^| benchmark/,$p'
if "$python" -c 'import torch' 2>/dev/null; then
    "$python" dl4j-examples/pytorch/lenet5_benchmark.py --jmh-json "$out/lenet5.json" | tee "$out/pytorch-lenet5.md"
fi
mvn -B -q -f dl4j-examples/pom.xml exec:exec@conv-memory | tee "$out/conv-memory.md"
