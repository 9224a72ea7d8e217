package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import io.github.dl4jsparse.dynamic.RegrowCriterion;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
 * The cost of a prune-and-regrow update step against a plain training step of the same sparse network: with
 * {@code deltaT = 1} every measured step is an update step (drop fraction ≈ 0.3), so
 * {@code update step / plain step} is the cost of one update step; amortised over RigL's default
 * {@code deltaT = 100} it adds {@code (ratio - 1) / 100} to the average step.
 *
 * <p>Shapes: LeNet-300-100 at batch 128 (the Fashion-MNIST recipe) and 784-1024-1024-10 at batch 32, both at
 * sparsity 0.9, Adam. One thread, {@code OMP_NUM_THREADS=1}; {@link BenchmarkSuite} prints the ratios to {@code plain}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
public class PruneRegrowBenchmark {

    /** {@code shape/batch}. */
    @Param({"784-300-100-10/128", "784-1024-1024-10/32"})
    public String config;

    /** {@code plain}: a training step with a static mask; {@code SET}, {@code RigL}: every step an update step. */
    @Param({"plain", "SET", "RigL"})
    public String step;

    private MultiLayerNetwork net;
    private DataSet data;

    @Setup
    public void setUp() {
        String[] parts = config.split("/");
        net = Mlps.build(parts[0], "sparse0.9");
        data = Mlps.batch(parts[0], Integer.parseInt(parts[1]));
        if (!"plain".equals(step)) {
            RegrowCriterion criterion = "SET".equals(step) ? RegrowCriterion.RANDOM : RegrowCriterion.GRADIENT;
            net.setListeners(PruneRegrowListener.builder(criterion).deltaT(1).endStep(Integer.MAX_VALUE)
                    .decay(PruneRegrowSchedule.Decay.CONSTANT).build());
        }
    }

    @Benchmark
    public MultiLayerNetwork trainingStep() {
        net.fit(data);
        return net;
    }
}
