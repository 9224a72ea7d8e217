package io.github.dl4jsparse.examples;

import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A network its dense twin could not train here: 784-46000-46000-10 at sparsity 0.999 (2.1 million active connections
 * of 2.1 billion in the second layer, whose dense {@code W} alone would need 8.5 GB). Initialises it, trains a few Adam
 * steps at batch 32 and prints the init time, the time per step and the peak resident memory of the process.
 *
 * <pre>
 * mvn -q -f dl4j-examples/pom.xml exec:exec@scale      # -Xmx3g, ND4J off-heap limit 5 GB
 * </pre>
 * Arguments (optional): {@code shape sparsity steps}, default {@code 784-46000-46000-10 0.999 3}.
 */
public final class ScaleExample {

    private ScaleExample() {
    }

    public static void main(String[] args) throws IOException {
        String shape = args.length > 0 ? args[0] : "784-46000-46000-10";
        double sparsity = args.length > 1 ? Double.parseDouble(args[1]) : 0.999;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String[] parts = shape.split("-");
        int[] dims = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            dims[i] = Integer.parseInt(parts[i]);
        }
        if (dims.length != 4) {
            throw new IllegalArgumentException("shape must be in-h1-h2-out, got " + shape);
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3)).list()
                .layer(new SparseLinear.Builder().nOut(dims[1]).sparsity(sparsity).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().nOut(dims[2]).sparsity(sparsity).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(dims[3])
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(dims[0]))
                .build();
        System.out.printf(Locale.ROOT, "%s at sparsity %s, kernels: %s, %d thread(s)%n", shape, sparsity,
                SparseKernels.implementation(), SparseKernels.threads());
        long t0 = System.nanoTime();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double initSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "init: %.2f s, %,d parameters (a dense twin would have %,d)%n", initSeconds,
                net.numParams(), (long) dims[0] * dims[1] + (long) dims[1] * dims[2] + (long) dims[2] * dims[3]
                        + dims[1] + dims[2] + dims[3]);

        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, dims[0]);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, dims[3]);
        for (int b = 0; b < 32; b++) {
            y.putScalar(b, b % dims[3], 1.0);
        }
        DataSet batch = new DataSet(x, y);
        for (int s = 1; s <= steps; s++) {
            long t = System.nanoTime();
            net.fit(batch);
            System.out.printf(Locale.ROOT, "step %d: %.1f ms, score %.4f%n", s, (System.nanoTime() - t) / 1e6, net.score());
        }
        SparsityReport report = SparsityReport.of(net);
        System.out.printf(Locale.ROOT, "mask sparsity of the sparse layers %.4f, leaks %d%n", report.maskSparsity(), report.leaks());
        System.out.printf(Locale.ROOT, "peak resident memory: %.2f GB; JVM heap used %.2f GB%n",
                peakResidentBytes() / 1e9, (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e9);
    }

    /** VmHWM of {@code /proc/self/status} (Linux), or -1 where there is none. */
    private static long peakResidentBytes() throws IOException {
        return residentBytes("VmHWM:");
    }

    /**
     * @param field {@code VmRSS:} (resident now) or {@code VmHWM:} (peak) of {@code /proc/self/status} (Linux)
     * @return its value in bytes, or -1 where there is none
     */
    static long residentBytes(String field) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
