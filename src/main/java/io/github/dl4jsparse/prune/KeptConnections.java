package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.runtime.SparseLayer;

import java.util.Arrays;
import java.util.List;

/**
 * The connections a pruning mask keeps, as a sparse layer addresses them: their column-major positions in the
 * connection matrix ({@link SparseLayerConfig}), increasing, and the dense weights there. Written into a freshly built
 * sparse layer in time proportional to the kept connections (plus one pass over the mask), where going through dense
 * mask arrays costs several passes and copies of every weight.
 */
final class KeptConnections {

    private final long[] positions;
    private final double[] values;

    private KeptConnections(long[] positions, double[] values) {
        this.positions = positions;
        this.values = values;
    }

    /**
     * @param weights the dense weights, in the 'c' order of the sparse matrix's weight shape
     * @param mask    1 where kept, 0 where pruned, in the same order
     * @param matrix  the sparse matrix the connections are for: its weight shape and order
     */
    static KeptConnections of(double[] weights, double[] mask, SparseLayerConfig matrix) {
        long[] shape = matrix.weightShape();
        int kept = 0;
        for (double m : mask) {
            if (m != 0.0) {
                kept++;
            }
        }
        long[] positions = new long[kept];
        int k = 0;
        for (int q = 0; q < mask.length; q++) {
            if (mask[q] != 0.0) {
                positions[k++] = q;
            }
        }
        if (matrix.weightOrder() == 'f') {
            if (shape.length != 2) {
                throw new IllegalStateException("a column-major weight tensor of rank " + shape.length
                        + " is not supported: " + Arrays.toString(shape));
            }
            long rows = shape[0];
            long cols = shape[1];
            for (int t = 0; t < kept; t++) { // row-major index i·cols + j → column-major position i + j·rows
                long q = positions[t];
                positions[t] = q / cols + (q % cols) * rows;
            }
            Arrays.sort(positions);
        }
        double[] values = new double[kept];
        for (int t = 0; t < kept; t++) {
            values[t] = weights[(int) rowMajorIndex(positions[t], shape, matrix.weightOrder())];
        }
        return new KeptConnections(positions, values);
    }

    private static long rowMajorIndex(long position, long[] shape, char order) {
        return order == 'f' ? (position % shape[0]) * shape[1] + position / shape[0] : position;
    }

    /**
     * Makes these the layer's active connections and weights (its updater state as it is: a new network's).
     *
     * @throws IllegalArgumentException if the layer, under active storage, keeps another number of connections
     */
    void writeTo(SparseLayer layer) {
        layer.rewire(positions, List.of());
        layer.setActiveValues(positions, values);
    }
}
