package io.github.dl4jsparse.kernels;

/**
 * The three loops of a sparse convolution's training step in float, over one block of channels; arrays in the tiled
 * layout of {@link ImageTiles}. An implementation computes every output value from its terms in one fixed order
 * (connections in slot order, positions, tiles in order), so results never depend on how channels are split into
 * blocks, nor on the thread count.
 */
interface ConvFloatKernel {

    /**
     * Output rows of channels {@code [from, to)} of one tile ({@code width} examples; {@code in} the padded input at
     * {@code inBase}, {@code out} at {@code outBase}): {@code out[o, p] = Σ_k v[k] · in[tap[k] + shift[p]]} over the
     * slots {@code k} of output channel {@code o}. Overwrites them.
     */
    void forward(ConvIndex ix, float[] values, float[] in, int inBase, float[] out, int outBase, int width, int from,
                 int to);

    /**
     * {@code grad[k] = Σ_tiles Σ_p Σ_b in[tap[k] + shift[p], b] · delta[o, p, b]} for the slots of output channels
     * {@code [from, to)}, over the whole minibatch of {@code batch} examples.
     */
    void weightGradient(ConvIndex ix, float[] in, float[] delta, int batch, float[] grad, int from, int to);

    /**
     * Padded-input rows of input channels {@code [from, to)} of one tile:
     * {@code dx[tap[k] + shift[p]] += v[k] · delta[o_k, p]} over the connections of each channel in their entry order
     * and the positions in order, starting from 0. Overwrites them.
     */
    void inputGradient(ConvIndex ix, float[] values, float[] delta, int deltaBase, float[] dx, int dxBase, int width,
                       int from, int to);

    /** {@code delta[q] = 0} where {@code !(z[q] + bias > 0)}, for {@code q} in {@code [from, to)}: a plain ReLU's derivative. */
    void keepWherePositive(float[] delta, float[] z, float bias, int from, int to);

    /** @return {@code Σ a[q]} over {@code [from, to)}, in an order that depends only on the range */
    float sum(float[] a, int from, int to);

    /** @return a short name for logs and benchmarks */
    String name();
}
