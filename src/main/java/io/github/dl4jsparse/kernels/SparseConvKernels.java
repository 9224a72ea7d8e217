package io.github.dl4jsparse.kernels;

/**
 * The three products of a sparse 2D convolution's training step on its active connections only, computed from the
 * connections directly, without an im2col matrix: an active connection (input channel, kernel row, kernel column,
 * output channel) adds its weight times a shifted window of one input channel to one output channel.
 * <ul>
 *   <li>{@link #forward}: {@code z = conv(x, W ⊙ M)} (no bias);</li>
 *   <li>{@link #backwardInput}: {@code dL/dx}, the transposed convolution of δ;</li>
 *   <li>{@link #weightGradient}: {@code dL/dW} at the active connections only.</li>
 * </ul>
 * Each costs {@code a · outH · outW · batch} multiply-adds for {@code a} active connections. Arrays are in the tiled
 * layout of {@link ImageTiles} (minibatch innermost, tiles of {@value ImageTiles#TILE} examples): the input and its
 * gradient padded ({@link ImageTiles.Frame#input}), the output and δ not ({@link ImageTiles.Frame#output}); weights in
 * slot order of the {@link ConvIndex}'s pattern.
 *
 * <p>Float products run on the Vector API when {@code jdk.incubator.vector} is present at run time, in plain Java
 * otherwise (see {@link SparseKernels}); double products in plain Java. Every product runs on
 * {@link SparseKernels#threads()} threads over disjoint blocks of channels, with results bit-identical for any thread
 * count.
 */
public final class SparseConvKernels {

    private static final ConvFloatKernel FLOAT_KERNEL = SparseKernels.vectorOrPlain("VectorConvKernel", PlainConvKernel::new);

    private SparseConvKernels() {
    }

    /** @return what the float products run on, e.g. {@code "Vector API, 512-bit"} or {@code "plain Java"} */
    public static String implementation() {
        return FLOAT_KERNEL.name();
    }

    /** {@code zT = conv(x, W)}: overwrites {@code zT[0, batch · outputSize)}. */
    public static void forward(ConvIndex ix, float[] values, float[] xT, int batch, float[] zT) {
        forward(FLOAT_KERNEL, ix, values, xT, batch, zT);
    }

    static void forward(ConvFloatKernel kernel, ConvIndex ix, float[] values, float[] xT, int batch, float[] zT) {
        ConvGeometry g = ix.geometry;
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int inBase = ImageTiles.base(g.paddedInputSize(), t);
            int outBase = ImageTiles.base(g.outputSize(), t);
            KernelThreads.run(ix.colStart, g.outChannels(), work(ix, w),
                    (from, to) -> kernel.forward(ix, values, xT, inBase, zT, outBase, w, from, to));
        }
    }

    /** {@code grad[k] = dL/dW} at every active connection {@code k}: overwrites {@code grad[0, a)}. */
    public static void weightGradient(ConvIndex ix, float[] xT, float[] deltaT, int batch, float[] grad) {
        weightGradient(FLOAT_KERNEL, ix, xT, deltaT, batch, grad);
    }

    static void weightGradient(ConvFloatKernel kernel, ConvIndex ix, float[] xT, float[] deltaT, int batch,
                               float[] grad) {
        KernelThreads.run(ix.colStart, ix.geometry.outChannels(), work(ix, batch),
                (from, to) -> kernel.weightGradient(ix, xT, deltaT, batch, grad, from, to));
    }

    /** {@code dxT = dL/dx} on the padded input: overwrites {@code dxT[0, batch · paddedInputSize)}. */
    public static void backwardInput(ConvIndex ix, float[] values, float[] deltaT, int batch, float[] dxT) {
        backwardInput(FLOAT_KERNEL, ix, values, deltaT, batch, dxT);
    }

    static void backwardInput(ConvFloatKernel kernel, ConvIndex ix, float[] values, float[] deltaT, int batch,
                              float[] dxT) {
        ConvGeometry g = ix.geometry;
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int deltaBase = ImageTiles.base(g.outputSize(), t);
            int dxBase = ImageTiles.base(g.paddedInputSize(), t);
            KernelThreads.run(ix.channelStart, g.channels(), work(ix, w),
                    (from, to) -> kernel.inputGradient(ix, values, deltaT, deltaBase, dxT, dxBase, w, from, to));
        }
    }

    /**
     * The backward pass of a plain ReLU on δ in place: {@code deltaT = 0} wherever the tiled pre-activation
     * {@code zT + bias[o]} (no bias: {@code bias == null}) is not positive, as ND4J's {@code relu_bp} (threshold 0).
     */
    public static void reluBackward(ConvGeometry g, int batch, float[] zT, float[] bias, float[] deltaT) {
        int positions = g.outputPositions();
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int base = ImageTiles.base(g.outputSize(), t);
            for (int o = 0; o < g.outChannels(); o++) {
                int from = base + o * positions * w;
                FLOAT_KERNEL.keepWherePositive(deltaT, zT, bias == null ? 0f : bias[o], from, from + positions * w);
            }
        }
    }

    /**
     * @return {@code Σ} of each output channel's values in tiled {@code deltaT} over positions and examples (the bias
     *         gradient), in an order that depends only on the minibatch size
     */
    public static float[] channelSums(ConvGeometry g, int batch, float[] deltaT) {
        float[] sums = new float[g.outChannels()];
        int positions = g.outputPositions();
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int base = ImageTiles.base(g.outputSize(), t);
            for (int o = 0; o < sums.length; o++) {
                int from = base + o * positions * w;
                sums[o] += FLOAT_KERNEL.sum(deltaT, from, from + positions * w);
            }
        }
        return sums;
    }

    /** {@link #channelSums(ConvGeometry, int, float[])} in double precision. */
    public static double[] channelSums(ConvGeometry g, int batch, double[] deltaT) {
        double[] sums = new double[g.outChannels()];
        int positions = g.outputPositions();
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int base = ImageTiles.base(g.outputSize(), t);
            for (int o = 0; o < sums.length; o++) {
                for (int q = base + o * positions * w; q < base + (o + 1) * positions * w; q++) {
                    sums[o] += deltaT[q];
                }
            }
        }
        return sums;
    }

    /** {@link #forward(ConvIndex, float[], float[], int, float[])} in double precision. */
    public static void forward(ConvIndex ix, double[] values, double[] xT, int batch, double[] zT) {
        ConvGeometry g = ix.geometry;
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int inBase = ImageTiles.base(g.paddedInputSize(), t);
            int outBase = ImageTiles.base(g.outputSize(), t);
            KernelThreads.run(ix.colStart, g.outChannels(), work(ix, w),
                    (from, to) -> DoubleConvKernel.forward(ix, values, xT, inBase, zT, outBase, w, from, to));
        }
    }

    /** {@link #weightGradient(ConvIndex, float[], float[], int, float[])} in double precision. */
    public static void weightGradient(ConvIndex ix, double[] xT, double[] deltaT, int batch, double[] grad) {
        KernelThreads.run(ix.colStart, ix.geometry.outChannels(), work(ix, batch),
                (from, to) -> DoubleConvKernel.weightGradient(ix, xT, deltaT, batch, grad, from, to));
    }

    /** {@link #backwardInput(ConvIndex, float[], float[], int, float[])} in double precision. */
    public static void backwardInput(ConvIndex ix, double[] values, double[] deltaT, int batch, double[] dxT) {
        ConvGeometry g = ix.geometry;
        for (int t = 0; t < ImageTiles.tiles(batch); t++) {
            int w = ImageTiles.width(batch, t);
            int deltaBase = ImageTiles.base(g.outputSize(), t);
            int dxBase = ImageTiles.base(g.paddedInputSize(), t);
            KernelThreads.run(ix.channelStart, g.channels(), work(ix, w),
                    (from, to) -> DoubleConvKernel.inputGradient(ix, values, deltaT, deltaBase, dxT, dxBase, w, from, to));
        }
    }

    /** Multiply-adds of one product over {@code examples} examples. */
    private static long work(ConvIndex ix, int examples) {
        return (long) ix.pattern.active * ix.positions * examples;
    }
}
