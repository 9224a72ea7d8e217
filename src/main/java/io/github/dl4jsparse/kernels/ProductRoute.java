package io.github.dl4jsparse.kernels;

import java.util.Locale;

/**
 * How a layer with active-only storage computes its products: on the {@link SparseKernels} over the active
 * connections, or as dense matrix products (ND4J/OpenBLAS) on a dense working copy of {@code W ⊙ M}. Both give the
 * same result up to float rounding.
 *
 * <p>{@link #AUTO}, the default, decides per layer and per pass from the layer's density and the minibatch size
 * ({@link #kernelsPay}): kernels up to the calibrated densities of {@code product-route.properties}, measured per
 * machine (the bundled ones and how to measure others: docs/speed-and-memory.md), dense products elsewhere. {@link #KERNELS} and {@link #DENSE} force one
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
        return useConvolutionKernels(density, Long.MAX_VALUE, batch, training);
    }

    /**
     * Most inputs per output channel ({@code nIn · kH · kW}) of a convolution that runs on {@link SparseConvKernels}
     * at any density under {@link #AUTO}: one to three input channels (LeNet-5's first layer has 25, VGG16's 27).
     * DL4J's im2col and gemm are at their worst on so few rows (LeNet-5's dense first layer: about 90 ms of a 120 ms
     * training step at batch 128, against about 1 ms on the kernels).
     */
    public static final long SMALL_FAN_IN = 32;

    /**
     * As {@link #useConvolutionKernels(double, int, boolean)} for a convolution of {@code fanIn} inputs per output
     * channel ({@code nIn · kH · kW}): under {@link #AUTO} the kernels at any density up to {@link #SMALL_FAN_IN},
     * else by the calibrated bounds.
     */
    public static boolean useConvolutionKernels(double density, long fanIn, int batch, boolean training) {
        return switch (route) {
            case KERNELS -> true;
            case DENSE -> false;
            case AUTO -> fanIn <= SMALL_FAN_IN
                    || convolutionKernelsPay(density, batch, training, SparseKernels.vectorised());
        };
    }

    /**
     * The calibrated crossover of convolutions: whether {@link SparseConvKernels} beat DL4J's dense convolution (im2col
     * and gemm) for a kernel of {@code density} at minibatch {@code batch}, by the bounds of
     * {@code product-route.properties} (see {@link RouteBounds}; measured with {@code ConvRouteCalibration}).
     */
    public static boolean convolutionKernelsPay(double density, int batch, boolean training, boolean vectorised) {
        return RouteBounds.CONVOLUTION.kernelsPay(density, batch, training, vectorised);
    }

    /**
     * The calibrated crossover: whether the sparse kernels beat dense products for a layer of {@code density} at
     * minibatch {@code batch}, for a training step or for inference, with the Vector API ({@code vectorised}) or in
     * plain Java, by the bounds of {@code product-route.properties} (see {@link RouteBounds}; measured with
     * {@code RouteCalibration}; for inference the dense route keeps its scattered weights between calls).
     */
    public static boolean kernelsPay(double density, int batch, boolean training, boolean vectorised) {
        return RouteBounds.LINEAR.kernelsPay(density, batch, training, vectorised);
    }

    /**
     * The highest density ({@code a / (rows · cols)}, the larger of an LSTM's two matrices) at which a sparse LSTM runs
     * on its kernels under {@link #AUTO}: 0.5. DL4J's LSTM spends much of its step on per-step work around its dense
     * products, so the kernels pay from much higher densities than a fully connected layer's. Measured 2026-12-07,
     * 1 thread, Vector API ({@code LstmTiming}): at sparsity 0.5 the kernels took 0.10–0.76x of DL4J's LSTM training
     * step (hidden 64–1024, batch 1–256, 28 and 200 steps), the most at hidden 1024, batch 32.
     */
    public static final double RECURRENT_MAX_DENSITY = 0.5;

    /**
     * As {@link #RECURRENT_MAX_DENSITY} for the plain-Java kernels (no Vector API), training only: 0.05. Without the
     * Vector API a time step's exponentials and tangents run one at a time, so inference stays slower than DL4J's LSTM
     * even at sparsity 0.99 (1.05x at hidden 128, batch 256) and training pays only at high sparsity (0.95: 0.42–0.45x,
     * 0.9: 0.69x at hidden 512, batch 64; measured 2026-12-07).
     */
    public static final double RECURRENT_MAX_DENSITY_PLAIN = 0.05;

    /**
     * @param density  the larger density of a sparse LSTM's input and recurrent matrices
     * @param training whether a backward pass follows (training), or the pass is inference
     * @return whether a sparse LSTM runs a whole-sequence pass on its kernels under the current default route
     *         ({@link #AUTO}: up to {@link #RECURRENT_MAX_DENSITY} with the Vector API, else training up to
     *         {@link #RECURRENT_MAX_DENSITY_PLAIN})
     */
    public static boolean useRecurrentKernels(double density, boolean training) {
        return switch (route) {
            case KERNELS -> true;
            case DENSE -> false;
            case AUTO -> SparseKernels.vectorised() ? density <= RECURRENT_MAX_DENSITY
                    : training && density <= RECURRENT_MAX_DENSITY_PLAIN;
        };
    }
}
