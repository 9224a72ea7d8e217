package io.github.dl4jsparse.sparsity;

/**
 * Sparsity figures of one sparse layer ({@link io.github.dl4jsparse.layers.SparseLinear},
 * {@link io.github.dl4jsparse.layers.SparseConv2D}), counted exactly.
 *
 * @param name        the layer's name, or its index in a {@code MultiLayerNetwork} when it has none
 * @param nIn         inputs per output unit: {@code nIn}, or {@code nIn · kH · kW} for a convolution
 * @param nOut        number of outputs (units or channels)
 * @param maskZeros   entries of the mask that are 0
 * @param weightZeros entries of W that are exactly 0.0 (at least {@code maskZeros} unless there are leaks)
 * @param leaks       entries of W that are non-zero where the mask is 0; always 0 for a healthy layer
 */
public record LayerSparsity(String name, long nIn, long nOut, long maskZeros, long weightZeros, long leaks) {

    /** @return {@code nIn · nOut}, the number of possible connections */
    public long connections() {
        return nIn * nOut;
    }

    /** @return connections where the mask is 1 */
    public long activeConnections() {
        return connections() - maskZeros;
    }

    /** @return the fraction of mask entries that are 0 */
    public double maskSparsity() {
        return (double) maskZeros / connections();
    }

    /** @return the fraction of W's entries that are exactly 0.0 */
    public double weightSparsity() {
        return (double) weightZeros / connections();
    }
}
