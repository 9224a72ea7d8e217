package io.github.dl4jsparse.kernels;

/**
 * The active connections of a sparse convolution indexed for {@link SparseConvKernels}: a {@link SparsePattern} over
 * the connection matrix {@code [nIn · kH · kW, nOut]} together with a {@link ConvGeometry}, turned into offsets in the
 * padded input, so that every product is "weight times a shifted window of one input channel":
 * <ul>
 *   <li>{@code tap[k]}: where connection {@code k} (channel {@code c}, tap {@code (kh, kw)}) reads, as a row of the
 *       padded input, {@code (c · Hp + kh · dH) · Wp + kw · dW};</li>
 *   <li>{@code shift[p]}: how far output position {@code p = oh · outW + ow} moves every read,
 *       {@code oh · sH · Wp + ow · sW};</li>
 *   <li>by output channel (slots in order, {@code colStart}) for the forward product and the weight gradient, and by
 *       input channel ({@code channelStart}, entries with their slot and output channel) for the input gradient.</li>
 * </ul>
 * Memory is {@code 4 · (4a + nIn + nOut + outH · outW)} bytes beside the pattern. Build once per pattern and input
 * size, and keep it while neither changes.
 */
public final class ConvIndex {

    final ConvGeometry geometry;
    final SparsePattern pattern;
    final int[] colStart;
    final int[] tap;
    final int[] shift;
    final int[] channelStart;
    final int[] entrySlot;
    final int[] entryOut;
    final int positions;
    final int paddedChannel;

    private ConvIndex(SparsePattern pattern, ConvGeometry g) {
        this.geometry = g;
        this.pattern = pattern;
        this.colStart = pattern.colStart;
        int hp = g.paddedHeight();
        int wp = g.paddedWidth();
        int taps = g.kernelH() * g.kernelW();
        this.positions = g.outputPositions();
        this.paddedChannel = hp * wp;
        this.tap = new int[pattern.active];
        for (int k = 0; k < pattern.active; k++) {
            int r = pattern.rows[k];
            int c = r / taps;
            int kh = (r % taps) / g.kernelW();
            int kw = r % g.kernelW();
            tap[k] = (c * hp + kh * g.dilationH()) * wp + kw * g.dilationW();
        }
        this.shift = new int[positions];
        for (int oh = 0; oh < g.outH(); oh++) {
            for (int ow = 0; ow < g.outW(); ow++) {
                shift[oh * g.outW() + ow] = oh * g.strideH() * wp + ow * g.strideW();
            }
        }
        this.channelStart = new int[g.channels() + 1];
        for (int c = 0; c <= g.channels(); c++) {
            channelStart[c] = pattern.rowStart[c * taps];
        }
        this.entrySlot = pattern.rowSlot;
        this.entryOut = pattern.cols;
    }

    /**
     * @throws IllegalArgumentException if the pattern's matrix is not {@code [channels · kH · kW, outChannels]}
     */
    public static ConvIndex of(SparsePattern pattern, ConvGeometry geometry) {
        if (pattern.nIn != geometry.connectionRows() || pattern.nOut != geometry.outChannels()) {
            throw new IllegalArgumentException("a pattern of [" + pattern.nIn + ", " + pattern.nOut + "] connections "
                    + "does not fit a convolution of " + geometry.connectionRows() + " rows (channels · kH · kW) and "
                    + geometry.outChannels() + " output channels");
        }
        return new ConvIndex(pattern, geometry);
    }

    /** @return the geometry this index was built for */
    public ConvGeometry geometry() {
        return geometry;
    }

    /** @return the pattern this index was built from */
    public SparsePattern pattern() {
        return pattern;
    }

    /** @return whether this index serves {@code p} on {@code g} (the same pattern object and an equal geometry) */
    public boolean serves(SparsePattern p, ConvGeometry g) {
        return pattern == p && geometry.equals(g);
    }
}
