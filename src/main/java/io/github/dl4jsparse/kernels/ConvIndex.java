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
 * Memory is {@code 4 · (2a + nIn + 3 · Hp · Wp · kH · kW)} bytes at most beside the pattern. Build once per pattern and input
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
     * Output positions per unit of work, {@link #unitPositions}: a whole output row ({@code outW}) when the horizontal
     * stride is 1, where the positions of a row read consecutive input columns, so that a unit of one channel and one
     * tile is one contiguous run of {@code outW · width} values in the input, the output and δ alike, whatever the
     * minibatch (vector lanes then span examples and columns: a minibatch of 4 fills them as well as one of 64);
     * a single position otherwise. Unit {@code u} starts at output position {@code u · unitPositions}.
     */
    final int unitPositions;
    /** Units per output channel: {@code positions / unitPositions}. */
    final int units;
    /**
     * The input gradient's units of one padded-input channel and, per unit, the taps that read it: with unit positions
     * of a whole row, unit {@code Y} is padded row {@code Y}; otherwise one padded position {@code q = Y · Wp + X}.
     * {@code readStart[u] .. readStart[u+1]-1} index {@code readTap} ({@code kh · kW + kw}), {@code readTarget} (where
     * the tap's run of {@link #unitPositions} positions starts in the padded channel, {@code Y · Wp + X}) and
     * {@code readPosition} (the output position it reads δ at, {@code oh · outW + ow}); taps in increasing order.
     */
    final int[] readStart;
    final int[] readTap;
    final int[] readTarget;
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
        this.unitPositions = g.strideW() == 1 ? g.outW() : 1;
        this.units = positions / unitPositions;
        int dxUnits = unitPositions > 1 ? hp : paddedChannel;
        int columns = unitPositions > 1 ? 1 : wp;
        this.readStart = new int[dxUnits + 1];
        int[] tapList = new int[dxUnits * taps];
        int[] targetList = new int[dxUnits * taps];
        int[] positionList = new int[dxUnits * taps];
        int n = 0;
        for (int u = 0; u < dxUnits; u++) {
            int y = unitPositions > 1 ? u : u / wp;
            for (int kh = 0; kh < g.kernelH(); kh++) {
                int oy = y - kh * g.dilationH();
                if (oy < 0 || oy % g.strideH() != 0 || oy / g.strideH() >= g.outH()) {
                    continue;
                }
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    int ox = 0;
                    if (columns > 1) {
                        ox = u % wp - kw * g.dilationW();
                        if (ox < 0 || ox % g.strideW() != 0 || ox / g.strideW() >= g.outW()) {
                            continue;
                        }
                    }
                    tapList[n] = kh * g.kernelW() + kw;
                    targetList[n] = columns > 1 ? u : y * wp + kw * g.dilationW();
                    positionList[n++] = oy / g.strideH() * g.outW() + ox / g.strideW();
                }
            }
            readStart[u + 1] = n;
        }
        this.readTap = java.util.Arrays.copyOf(tapList, n);
        this.readTarget = java.util.Arrays.copyOf(targetList, n);
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
