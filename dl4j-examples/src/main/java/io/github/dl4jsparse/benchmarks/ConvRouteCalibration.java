package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseConvKernels;
import io.github.dl4jsparse.kernels.SparseKernels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The crossover table behind {@link ProductRoute#convolutionKernelsPay} and the "never slower than
 * {@code ConvolutionLayer}" check, measured as interleaved medians in one JVM on LeNet-5's second convolution
 * ({@link ConvLayers}):
 * <ol>
 *   <li>{@code route}: a {@code SparseConv2D} (active storage) at each density and minibatch size with its products on
 *       the kernels and on DL4J's dense convolution, the two routes alternating call by call on the same network: the
 *       ratio kernels / dense, and what the rule picks;</li>
 *   <li>{@code layer}: {@code SparseConv2D} at sparsity 0.5 to 0.99 on the default route ({@code AUTO}) against
 *       {@code ConvolutionLayer}, alternating network by network: the ratio sparse / dense.</li>
 * </ol>
 *
 * <pre>
 * OMP_NUM_THREADS=1 java [--add-modules jdk.incubator.vector] -cp ... io.github.dl4jsparse.benchmarks.ConvRouteCalibration [route|layer]... [batch...]
 * </pre>
 */
public final class ConvRouteCalibration {

    private static final double[] DENSITIES = {0.5, 0.3, 0.2, 0.1, 0.05, 0.01};
    private static final double[] SPARSITIES = {0.5, 0.8, 0.9, 0.95, 0.99};
    private static int[] batches = {1, 32, 128, 512};
    private static final int ROUNDS = 7;

    private ConvRouteCalibration() {
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "convolution kernels: %s, %d thread(s); medians of %d interleaved rounds%n",
                SparseConvKernels.implementation(), SparseKernels.threads(), ROUNDS);
        int[] given = Arrays.stream(args).filter(a -> a.matches("[0-9]+")).mapToInt(Integer::parseInt).toArray();
        if (given.length > 0) {
            batches = given;
        }
        List<String> tables = Arrays.stream(args).filter(a -> !a.matches("[0-9]+")).toList();
        if (tables.isEmpty() || tables.contains("route")) {
            routeTable();
        }
        if (tables.isEmpty() || tables.contains("layer")) {
            layerTable();
        }
    }

    private static void routeTable() {
        System.out.println("| density | batch | training step, kernels / dense | inference, kernels / dense | rule picks kernels (training / inference) |");
        System.out.println("|---|---|---|---|---|");
        for (int batch : batches) {
            DataSet data = ConvLayers.batch(batch);
            for (double density : DENSITIES) {
                MultiLayerNetwork net = ConvLayers.build("sparse" + (1 - density));
                double train = routeRatio(() -> net.fit(data));
                double infer = routeRatio(() -> net.output(data.getFeatures()));
                boolean v = SparseKernels.vectorised();
                System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %s / %s |%n", density, batch, train, infer,
                        ProductRoute.convolutionKernelsPay(density, batch, true, v),
                        ProductRoute.convolutionKernelsPay(density, batch, false, v));
            }
        }
        ProductRoute.setDefault(ProductRoute.AUTO);
    }

    private static void layerTable() {
        System.out.println("| sparsity | batch | training step, SparseConv2D / ConvolutionLayer | inference, SparseConv2D / ConvolutionLayer |");
        System.out.println("|---|---|---|---|");
        ProductRoute.setDefault(ProductRoute.AUTO);
        for (int batch : batches) {
            DataSet data = ConvLayers.batch(batch);
            MultiLayerNetwork dense = ConvLayers.build("dense");
            for (double sparsity : SPARSITIES) {
                MultiLayerNetwork sparse = ConvLayers.build("sparse" + sparsity);
                double train = netRatio(sparse, dense, net -> net.fit(data));
                double infer = netRatio(sparse, dense, net -> net.output(data.getFeatures()));
                System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f |%n", sparsity, batch, train, infer);
            }
        }
    }

    /** Median over rounds of (time per call on the kernels) / (time per call on the dense route). */
    private static double routeRatio(Runnable op) {
        for (ProductRoute r : new ProductRoute[]{ProductRoute.KERNELS, ProductRoute.DENSE}) {
            ProductRoute.setDefault(r);
            Timing.timePerCall(op, 1.0);
        }
        double[] ratios = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            ProductRoute.setDefault(ProductRoute.KERNELS);
            double kernels = Timing.timePerCall(op, 0.08);
            ProductRoute.setDefault(ProductRoute.DENSE);
            ratios[k] = kernels / Timing.timePerCall(op, 0.08);
        }
        return Timing.median(ratios);
    }

    /** Median over rounds of (time per call of {@code a}) / (time per call of {@code b}). */
    private static double netRatio(MultiLayerNetwork a, MultiLayerNetwork b, Consumer<MultiLayerNetwork> op) {
        Timing.timePerCall(() -> op.accept(a), 1.0);
        Timing.timePerCall(() -> op.accept(b), 1.0);
        double[] ratios = new double[ROUNDS];
        for (int k = 0; k < ROUNDS; k++) {
            double ta = Timing.timePerCall(() -> op.accept(a), 0.08);
            ratios[k] = ta / Timing.timePerCall(() -> op.accept(b), 0.08);
        }
        return Timing.median(ratios);
    }
}
