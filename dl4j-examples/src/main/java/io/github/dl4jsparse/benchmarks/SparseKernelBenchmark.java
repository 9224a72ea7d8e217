package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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

import java.nio.FloatBuffer;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.concurrent.TimeUnit;

/**
 * Where sparse products start to pay: the three products of one 784 → 1024 layer's training step (forward
 * {@code x·W}, {@code δ·Wᵀ}, {@code xᵀ·δ}) as ND4J dense matrix products ({@code dense}) against the Java kernels of
 * {@link SparseKernels} on the active connections ({@code sparseS}), including the copies between ND4J arrays and
 * Java arrays a layer would make. One thread, {@code OMP_NUM_THREADS=1}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SparseKernelBenchmark {

    private static final int N_IN = 784;
    private static final int N_OUT = 1024;

    @Param({"32", "256"})
    public int batch;

    /** {@code dense}: ND4J products on the full matrix; {@code sparseS}: Java kernels at sparsity S. */
    @Param({"dense", "sparse0.9", "sparse0.95", "sparse0.99"})
    public String layers;

    private INDArray x;
    private INDArray delta;
    private INDArray w;
    private INDArray zOut;
    private INDArray dxOut;
    private INDArray dwOut;
    private SparsePattern pattern;
    private FloatBuffer values;
    private FloatBuffer grad;
    private float[] zT;
    private float[] dxT;

    @Setup
    public void setUp() {
        Nd4j.getRandom().setSeed(1);
        x = Nd4j.randn(DataType.FLOAT, batch, N_IN);
        delta = Nd4j.randn(DataType.FLOAT, batch, N_OUT);
        w = Nd4j.randn(DataType.FLOAT, N_IN, N_OUT).dup('f');
        // preallocated outputs, as DL4J's layers gemm into workspace arrays
        zOut = Nd4j.create(DataType.FLOAT, new long[]{batch, N_OUT}, 'f');
        dxOut = Nd4j.create(DataType.FLOAT, new long[]{batch, N_IN}, 'f');
        dwOut = Nd4j.create(DataType.FLOAT, new long[]{N_IN, N_OUT}, 'f');
        if (!"dense".equals(layers)) {
            double sparsity = Double.parseDouble(layers.substring("sparse".length()));
            Random r = new Random(2);
            float[] weights = w.data().asFloat();
            int[] positions = IntStream.range(0, weights.length).filter(q -> r.nextDouble() >= sparsity).toArray();
            pattern = SparsePattern.of(N_IN, N_OUT, java.util.Arrays.stream(positions).asLongStream().toArray());
            values = FloatBuffer.allocate(positions.length);
            for (int q : positions) {
                values.put(weights[q]);
            }
            grad = FloatBuffer.allocate(positions.length);
            zT = new float[N_OUT * batch];
            dxT = new float[N_IN * batch];
        }
    }

    @Benchmark
    public Object trainingProducts() {
        if ("dense".equals(layers)) {
            Nd4j.gemm(x, w, zOut, false, false, 1.0, 0.0);
            Nd4j.gemm(delta, w, dxOut, false, true, 1.0, 0.0);
            Nd4j.gemm(x, delta, dwOut, true, false, 1.0, 0.0);
            return new INDArray[]{zOut, dxOut, dwOut};
        }
        float[] xT = x.dup('f').data().asFloat();         // [batch, nIn] in 'f' order is xᵀ row-major
        float[] deltaT = delta.dup('f').data().asFloat();
        SparseKernels.forward(pattern, values, xT, batch, zT);
        SparseKernels.backwardInput(pattern, values, deltaT, batch, dxT);
        SparseKernels.weightGradient(pattern, xT, deltaT, batch, grad);
        INDArray z = Nd4j.create(zT, new long[]{batch, N_OUT}, 'f');
        INDArray dx = Nd4j.create(dxT, new long[]{batch, N_IN}, 'f');
        return new INDArray[]{z, dx};
    }
}
