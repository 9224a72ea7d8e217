package io.github.dl4jsparse.kernels;

import java.util.Locale;

/**
 * How a layer with active-only storage computes its products: on the {@link SparseKernels} over the active
 * connections, or as dense matrix products (ND4J/OpenBLAS) on a dense working copy of {@code W ⊙ M}. Both give the
 * same result up to float rounding.
 *
 * <p>{@link #AUTO}, the default, decides per layer and per pass from the layer's density and the minibatch size
 * ({@link #kernelsPay}): kernels where the committed benchmark ({@code ProductRouteBenchmark} in the examples) found
 * them faster on a 2-core x86-64 machine, dense products elsewhere. {@link #KERNELS} and {@link #DENSE} force one
 * route for every layer of the JVM: for tests and benchmarks, or a machine whose crossover differs; set with
 * {@link #setDefault} or the system property {@code dl4jsparse.products} ({@code auto}, {@code kernels},
 * {@code dense}).
 */
public enum ProductRoute {
    /** Kernels where they are faster, by density and minibatch size. */
    AUTO,
    /** Always the sparse kernels. */
    KERNELS,
    /** Always dense matrix products on a dense working copy of the weights. */
    DENSE;

    private static volatile ProductRoute route = fromProperty();

    private static ProductRoute fromProperty() {
        String value = System.getProperty("dl4jsparse.products");
        if (value == null) {
            return AUTO;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property dl4jsparse.products must be auto, kernels or dense, got '"
                    + value + "'", e);
        }
    }

    /** @return the route every layer of this JVM uses; {@link #AUTO} unless set */
    public static ProductRoute getDefault() {
        return route;
    }

    /**
     * Sets the route for every layer of this JVM.
     *
     * @throws IllegalArgumentException for null
     */
    public static void setDefault(ProductRoute value) {
        if (value == null) {
            throw new IllegalArgumentException("product route must be AUTO, KERNELS or DENSE, got null");
        }
        route = value;
    }

    /**
     * @param density  fraction of active connections, {@code a / (nIn · nOut)}
     * @param batch    minibatch size
     * @param training whether a backward pass follows (training), or the pass is inference
     * @return whether a layer of this density multiplies a minibatch of this size on the sparse kernels under the
     *         current default route
     */
    public static boolean useKernels(double density, int batch, boolean training) {
        return switch (route) {
            case KERNELS -> true;
            case DENSE -> false;
            case AUTO -> kernelsPay(density, batch, training, SparseKernels.vectorised());
        };
    }

    /**
     * @param density  fraction of active connections of a convolution's kernel, {@code a / (nOut · nIn · kH · kW)}
     * @param batch    minibatch size
     * @param training whether a backward pass follows (training), or the pass is inference
     * @return whether a sparse convolution of this density runs a minibatch of this size on {@link SparseConvKernels}
     *         under the current default route
     */
    public static boolean useConvolutionKernels(double density, int batch, boolean training) {
        return switch (route) {
            case KERNELS -> true;
            case DENSE -> false;
            case AUTO -> convolutionKernelsPay(density, batch, training, SparseKernels.vectorised());
        };
    }

    /**
     * The calibrated crossover of convolutions: whether {@link SparseConvKernels} beat DL4J's dense convolution (im2col
     * and gemm) for a kernel of {@code density} at minibatch {@code batch}. The bounds are the densities up to which
     * LeNet-5's second convolution (20 → 50 channels, 5 × 5, 12 × 12 input) was faster on the kernels in
     * {@code ConvRouteCalibration} (2-core x86-64 with AVX-512, one thread; measured from density 0.5 down, the densest
     * a layer has under the default storage), with a margin where the two were even; minibatch sizes between the
     * measured ones (1, 32, 128, 512) take the bound of the nearest on a log scale.
     */
    public static boolean convolutionKernelsPay(double density, int batch, boolean training, boolean vectorised) {
        int row = batch <= 5 ? 0 : batch <= 64 ? 1 : batch <= 256 ? 2 : 3;
        double[][] bounds = vectorised ? VECTOR_CONV_BOUNDS : PLAIN_CONV_BOUNDS;
        return density <= bounds[training ? 0 : 1][row];
    }

    /** Densities up to which the convolution kernels pay, [training, inference][batch 1, 32, 128, 512]: Vector API. */
    private static final double[][] VECTOR_CONV_BOUNDS = {{0.25, 0.5, 0.5, 0.5}, {0.25, 0.5, 0.5, 0.5}};
    /** As {@link #VECTOR_CONV_BOUNDS}, plain-Java kernels. */
    private static final double[][] PLAIN_CONV_BOUNDS = {{0.2, 0.5, 0.5, 0.5}, {0.5, 0.5, 0.5, 0.5}};

    /**
     * The calibrated crossover: whether the sparse kernels beat dense products for a layer of {@code density} at
     * minibatch {@code batch}, for a training step or for inference, with the Vector API ({@code vectorised}) or in
     * plain Java. The bounds are the densities up to which one 1024 → 1024 layer was faster on the kernels than on
     * dense products in {@code RouteCalibration} (2-core x86-64 with AVX-512, one thread; for inference the dense
     * route keeps its scattered weights between calls; see the README's crossover table), with a margin where the two
     * were even; minibatch sizes between the measured ones (1, 32, 256, 2048) take the bound of the nearest on a log
     * scale.
     */
    public static boolean kernelsPay(double density, int batch, boolean training, boolean vectorised) {
        int row = batch <= 5 ? 0 : batch <= 90 ? 1 : batch <= 724 ? 2 : 3;
        double[][] bounds = vectorised ? VECTOR_BOUNDS : PLAIN_BOUNDS;
        return density <= bounds[training ? 0 : 1][row];
    }

    /** Densities up to which the kernels pay, [training, inference][batch 1, 32, 256, 2048]: Vector API. */
    private static final double[][] VECTOR_BOUNDS = {{0.3, 0.25, 0.25, 0.25}, {0.3, 0.35, 0.3, 0.15}};
    /** As {@link #VECTOR_BOUNDS}, plain-Java kernels. */
    private static final double[][] PLAIN_BOUNDS = {{0.25, 0.07, 0.03, 0.03}, {0.25, 0.08, 0.06, 0.03}};
}
