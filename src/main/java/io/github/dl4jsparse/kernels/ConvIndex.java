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
 * Memory is {@code 4 · (2a + nIn + 2 · outH · outW · kH · kW)} bytes at most beside the pattern. Build once per pattern and input
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
    /** Entries per connection-matrix row {@code (c, kh, kw)}: {@code rowStart[r] .. rowStart[r+1]-1}. */
    final int[] rowStart;
    /**
     * The taps that read each padded-input position {@code q = Y · Wp + X} of a channel, with the output position they
     * read it for: {@code readStart[q] .. readStart[q+1]-1} index {@code readTap} ({@code kh · kW + kw}) and
     * {@code readPosition} ({@code oh · outW + ow}), taps in increasing order.
     */
    final int[] readStart;
    final int[] readTap;
    final int[] readPosition;
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
        this.rowStart = pattern.rowStart;
        this.readStart = new int[paddedChannel + 1];
        int[] tapList = new int[paddedChannel * taps];
        int[] positionList = new int[paddedChannel * taps];
        int n = 0;
        for (int y = 0; y < hp; y++) {
            for (int x = 0; x < wp; x++) {
                for (int kh = 0; kh < g.kernelH(); kh++) {
                    int oy = y - kh * g.dilationH();
                    if (oy < 0 || oy % g.strideH() != 0 || oy / g.strideH() >= g.outH()) {
                        continue;
                    }
                    for (int kw = 0; kw < g.kernelW(); kw++) {
                        int ox = x - kw * g.dilationW();
                        if (ox < 0 || ox % g.strideW() != 0 || ox / g.strideW() >= g.outW()) {
                            continue;
                        }
                        tapList[n] = kh * g.kernelW() + kw;
                        positionList[n++] = oy / g.strideH() * g.outW() + ox / g.strideW();
                    }
                }
                readStart[y * wp + x + 1] = n;
            }
        }
        this.readTap = java.util.Arrays.copyOf(tapList, n);
        this.readPosition = java.util.Arrays.copyOf(positionList, n);
    }

    /**
     * @throws IllegalArgumentException if the pattern's matrix is not {@code [channels · kH · kW, outChannels]}
     */
    public static ConvIndex of(SparsePattern pattern, ConvGeometry geometry) {
        if (pattern.rowCount != geometry.connectionRows() || pattern.columnCount != geometry.outChannels()) {
            throw new IllegalArgumentException("a pattern of [" + pattern.rowCount + ", " + pattern.columnCount + "] connections "
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
