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

    /**
     * One example of one output: {@code Σ_k values[k] · in[at + tap[k] · width]} over {@code [first, end)}, with four
     * partial sums (a single running sum waits on every addition: minibatches smaller than a vector end up here).
     */
    static float column(int first, int end, int[] tap, float[] values, float[] in, int at, int width) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int k = first;
        for (; k + 3 < end; k += 4) {
            s0 += values[k] * in[at + tap[k] * width];
            s1 += values[k + 1] * in[at + tap[k + 1] * width];
            s2 += values[k + 2] * in[at + tap[k + 2] * width];
            s3 += values[k + 3] * in[at + tap[k + 3] * width];
        }
        for (; k < end; k++) {
            s0 += values[k] * in[at + tap[k] * width];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * One example of one padded-input position and one tap: {@code Σ_e values[slot[e]] · delta[at + out[e] · rowLength]}
     * over {@code [first, end)}, with four partial sums.
     */
    static float tapColumn(int first, int end, int[] slot, int[] out, float[] values, float[] delta, int at,
                           int rowLength) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int e = first;
        for (; e + 3 < end; e += 4) {
            s0 += values[slot[e]] * delta[at + out[e] * rowLength];
            s1 += values[slot[e + 1]] * delta[at + out[e + 1] * rowLength];
            s2 += values[slot[e + 2]] * delta[at + out[e + 2] * rowLength];
            s3 += values[slot[e + 3]] * delta[at + out[e + 3] * rowLength];
        }
        for (; e < end; e++) {
            s0 += values[slot[e]] * delta[at + out[e] * rowLength];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
