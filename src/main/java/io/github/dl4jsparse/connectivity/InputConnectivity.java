package io.github.dl4jsparse.connectivity;

import java.util.Arrays;

/**
 * The first layer's active connections per input position of an image: the heat map of which pixels the network
 * still reads. Channels are summed; images larger than {@value #MAX_SIDE} pixels a side are summed over square cells
 * of {@code cellSize} pixels, so the grid is at most {@value #MAX_SIDE} × {@value #MAX_SIDE}.
 *
 * @param layer    the first layer's name
 * @param shape    the image shape
 * @param cellSize pixels per cell side, {@code >= 1}
 * @param rows     grid rows, {@code ceil(height / cellSize)}
 * @param columns  grid columns, {@code ceil(width / cellSize)}
 * @param counts   active connections per cell, row-major, {@code rows · columns} entries; sums to the layer's active
 *                 connections
 */
public record InputConnectivity(String layer, ImageShape shape, int cellSize, int rows, int columns, long[] counts) {

    /** Largest grid side, in cells. */
    public static final int MAX_SIDE = 64;

    public InputConnectivity {
        counts = counts.clone();
        if (cellSize < 1 || rows < 1 || columns < 1 || (long) rows * columns != counts.length
                || Arrays.stream(counts).anyMatch(c -> c < 0)) {
            throw new IllegalArgumentException("inconsistent input connectivity: cell size " + cellSize + ", grid "
                    + rows + "x" + columns + ", " + counts.length + " counts");
        }
    }

    /**
     * The heat map of a first layer whose input unit {@code i} (flattened image index) has {@code outDegree[i]}
     * active connections.
     */
    static InputConnectivity of(String layer, ImageShape shape, long[] outDegree) {
        int cell = (int) Math.max(1, (Math.max(shape.height(), shape.width()) + MAX_SIDE - 1) / MAX_SIDE);
        int rows = (int) ((shape.height() + cell - 1) / cell);
        int columns = (int) ((shape.width() + cell - 1) / cell);
        long[] counts = new long[rows * columns];
        for (int i = 0; i < outDegree.length; i++) {
            long pixel = shape.pixel(i);
            long r = pixel / shape.width() / cell;
            long c = pixel % shape.width() / cell;
            counts[(int) (r * columns + c)] += outDegree[i];
        }
        return new InputConnectivity(layer, shape, cell, rows, columns, counts);
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    /** @return the sum of the counts: the layer's active connections */
    public long total() {
        return Arrays.stream(counts).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputConnectivity i && layer.equals(i.layer) && shape.equals(i.shape)
                && cellSize == i.cellSize && rows == i.rows && columns == i.columns && Arrays.equals(counts, i.counts);
    }

    @Override
    public int hashCode() {
        return 31 * layer.hashCode() + Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "InputConnectivity(" + layer + ", " + shape + ", " + rows + "x" + columns + " cells of " + cellSize
                + " px, total " + total() + ")";
    }
}
