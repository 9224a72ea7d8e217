package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.models.SparseMlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
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
 * Cost of {@link SparsityListener} at frequency 1 (a report after every iteration): one training step ({@code fit} on
 * one minibatch) of the reference SparseMLP with and without the listener. Logging is switched off in the forks
 * ({@code org.slf4j.simpleLogger.defaultLogLevel=warn}), so this measures the counting, not the console.
 *
 * <p>One JMH thread, ND4J pinned to one OpenMP thread ({@code OMP_NUM_THREADS=1}), 2 forks, 5 warm-up and 10
 * measurement iterations of 1 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class SparsityListenerBenchmark {

    /** Minibatch size of the training step. */
    @Param({"32", "256"})
    public int batch;

    /** {@code none}: no listener; {@code every1}: {@code new SparsityListener(1)}. */
    @Param({"none", "every1"})
    public String listener;

    private MultiLayerNetwork net;
    private DataSet data;

    @Setup
    public void setUp() {
        net = new MultiLayerNetwork(SparseMlp.sparse(100, 256, 10, 0.8, 42, new Adam(1e-3)));
        net.init();
        if ("every1".equals(listener)) {
            net.setListeners(new SparsityListener(1, 16));
        }
        data = Mlps.batch("100-256-256-10", batch);
    }

    @Benchmark
    public MultiLayerNetwork trainingStep() {
        net.fit(data);
        return net;
    }
}
