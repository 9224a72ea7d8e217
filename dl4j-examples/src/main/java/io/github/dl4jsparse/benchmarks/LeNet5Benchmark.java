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
 * LeNet-5 with {@code ConvolutionLayer} + {@code DenseLayer} against {@code SparseConv2D} + {@code SparseLinear} (every
 * weight layer but the output sparse, see {@link LeNet5s}): one training step ({@code fit} on one minibatch, Adam) and
 * inference ({@code output}). One JMH thread, ND4J on one OpenMP thread ({@code OMP_NUM_THREADS=1}, set by
 * {@code exec:exec@bench}); {@link BenchmarkSuite} prints the sparse / dense ratios, {@link LeNet5Timing} confirms them
 * as interleaved medians.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 6, time = 2)
public class LeNet5Benchmark {

    @Param({"128", "32"})
    public int batch;

    /** {@code dense}, or {@code sparseS}: sparse layers at sparsity {@code S}. */
    @Param({"dense", "sparse0.9", "sparse0.95"})
    public String layers;

    private MultiLayerNetwork net;
    private DataSet data;

    @Setup
    public void setUp() {
        net = LeNet5s.build(layers);
        data = LeNet5s.batch(batch);
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
