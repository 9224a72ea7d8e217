package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseKernels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * The crossover table behind {@link ProductRoute#kernelsPay}, measured fast: for one 1024 → 1024 {@link SparseLinear}
 * layer (active storage, a 1024 → 16 output layer) at each density and minibatch size, the training step and
 * inference with the products on the kernels and on dense matrix products, the two routes interleaved call by call on
 * the same network in one JVM (so both see the same machine state); prints medians of rounds as the ratio
 * kernels / dense. {@link ProductRouteBenchmark} measures the same with JMH.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java [--add-modules jdk.incubator.vector] -cp ... io.github.dl4jsparse.benchmarks.RouteCalibration
 * </pre>
 */
public final class RouteCalibration {

    private static final int WIDTH = ProductRouteBenchmark.WIDTH;
    private static final double[] DENSITIES = {0.5, 0.3, 0.2, 0.1, 0.05, 0.01};
    private static final int[] BATCHES = {1, 32, 256, 2048};
    private static final int ROUNDS = 7;

    private RouteCalibration() {
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "kernels: %s, %d thread(s); ratio kernels / dense, medians of %d interleaved rounds%n",
                SparseKernels.implementation(), SparseKernels.threads(), ROUNDS);
        System.out.println("| density | batch | training step | inference | rule picks kernels (training / inference) |");
        System.out.println("|---|---|---|---|---|");
        for (int batch : BATCHES) {
            for (double density : DENSITIES) {
                MultiLayerNetwork net = ProductRouteBenchmark.layerNet(density);
                Nd4j.getRandom().setSeed(7);
                DataSet data = new DataSet(Nd4j.randn(DataType.FLOAT, batch, WIDTH), Nd4j.randn(DataType.FLOAT, batch, 16));
                double train = ratio(() -> net.fit(data));
                double infer = ratio(() -> net.output(data.getFeatures()));
                System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %s |%n", density, batch, train, infer,
                        ProductRoute.kernelsPay(density, batch, true, SparseKernels.vectorised()) + " / " + ProductRoute.kernelsPay(density, batch, false, SparseKernels.vectorised()));
            }
        }
        ProductRoute.setDefault(ProductRoute.AUTO);
    }

    /** Median over rounds of (time per call on the kernels) / (time per call on dense products). */
    private static double ratio(Runnable op) {
        for (ProductRoute r : new ProductRoute[]{ProductRoute.KERNELS, ProductRoute.DENSE}) {
            ProductRoute.setDefault(r);
            Timing.timePerCall(op, 0.15);
        }
        double[] ratios = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            ProductRoute.setDefault(ProductRoute.KERNELS);
            double kernels = Timing.timePerCall(op, 0.08);
            ProductRoute.setDefault(ProductRoute.DENSE);
            double dense = Timing.timePerCall(op, 0.08);
            ratios[k] = kernels / dense;
        }
        Arrays.sort(ratios);
        return ratios[ROUNDS / 2];
    }
}
