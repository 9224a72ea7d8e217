package io.github.dl4jsparse.benchmarks;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * DenseLayer against SparseLinear in the same 3-layer MLP (see {@link Mlps}): one training step ({@code fit} on one
 * minibatch, Adam) and inference ({@code output}), at the shapes and batch sizes of the speed issue.
 *
 * <p>One JMH thread, ND4J pinned to one OpenMP thread ({@code OMP_NUM_THREADS=1}, set by {@code exec:exec@bench}),
 * 2 forks, 5 warm-up and 8 measurement iterations of 1 s. {@link BenchmarkSuite} prints the SparseLinear/DenseLayer
 * ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
public class MlpBenchmark {

    /** {@code shape/batch}. */
    @Param({"784-1024-1024-10/1", "784-1024-1024-10/32", "784-1024-1024-10/256", "784-1024-1024-10/2048", "100-256-256-10/2048"})
    public String config;

    /**
     * {@code dense}: DenseLayer hidden layers; {@code sparseX}: SparseLinear at sparsity X, default storage (active-only
     * from 0.5); {@code maskedX}: SparseLinear at sparsity X with dense masked storage.
     */
    @Param({"dense", "sparse0.0", "masked0.9", "sparse0.5", "sparse0.8", "sparse0.9", "sparse0.95", "sparse0.99"})
    public String layers;

    private MultiLayerNetwork net;
    private DataSet data;

    @Setup
    public void setUp() {
        String[] parts = config.split("/");
        net = Mlps.build(parts[0], layers);
        data = Mlps.batch(parts[0], Integer.parseInt(parts[1]));
    }

    @Benchmark
    public MultiLayerNetwork trainingStep() {
        net.fit(data);
        return net;
    }

    @Benchmark
    public INDArray inference() {
        return net.output(data.getFeatures());
    }
}
