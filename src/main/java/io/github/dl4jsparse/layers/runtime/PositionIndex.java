package io.github.dl4jsparse.layers.runtime;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * How {@link io.github.dl4jsparse.layers.WeightStorage#ACTIVE} keeps the positions of a matrix's active connections
 * in its positions parameter: exact integers in the network's float or double type, one row of the low 24 bits (what a
 * float holds exactly) and, for matrices of more than 2^24 connections, a second row of the bits above. Writing,
 * reading back with validation (a corrupt parameter is refused, never rounded), and filling a parameter pair from a
 * dense mask.
 */
public final class PositionIndex {

    /** Bits of a position per index row: float values hold integers exactly up to 2^24. */
    private static final int POSITION_BITS = 24;
    private static final int LOW_MASK = (1 << POSITION_BITS) - 1;
    /**
     * Most connections a matrix with active storage may have: 2^48, what two 24-bit index rows hold (rows and columns
     * of the connection matrix are Java ints, and at most {@code Integer.MAX_VALUE - 8} connections are active).
     */
    public static final long MAX_CONNECTIONS = 1L << (2 * POSITION_BITS);

    private PositionIndex() {
    }

    /**
     * Fills {@code values} and {@code index} from dense {@code weights} ({@code [rows, columns]}, packed 'f') and the
     * flags of the masked positions in row-major order ({@code masked[i · columns + j]}), without a dense copy of either.
     *
     * @throws IllegalArgumentException if the number of unmasked positions is not {@code values.length()}
     */
    public static void fromMasked(INDArray weights, boolean[] masked, INDArray values, INDArray index) {
        int rows = (int) weights.size(0);
        int columns = (int) weights.size(1);
        int active = (int) values.length();
        INDArray w = DirectBuffers.contiguous(weights, 'f');
        boolean isDouble = w.dataType() == DataType.DOUBLE;
        INDArray wFloat = isDouble ? null : w.castTo(DataType.FLOAT);
        FloatBuffer wf = isDouble ? null : DirectBuffers.floats(wFloat);
        DoubleBuffer wd = isDouble ? DirectBuffers.doubles(w) : null;
        long[] positions = new long[active];
        double[] v = new double[active];
        int k = 0;
        for (int j = 0; j < columns; j++) {
            for (int i = 0; i < rows; i++) {
                if (!masked[i * columns + j]) {
                    if (k == active) {
                        throw new IllegalArgumentException("mask has more than the " + active + " active connections stored");
                    }
                    int p = i + j * rows;
                    positions[k] = p;
                    v[k++] = isDouble ? wd.get(p) : wf.get(p);
                }
            }
        }
        Reference.reachabilityFence(w); // the buffers read above do not keep their arrays alive
        Reference.reachabilityFence(wFloat);
        if (k != active) {
            throw new IllegalArgumentException("mask has " + k + " active connections, " + active + " are stored");
        }
        writeVector(values, v);
        write(index, positions);
    }

    /** Writes positions into {@code index}: row 0 the low 24 bits, row 1 (if there is one) the bits above. */
    public static void write(INDArray index, long[] positions) {
        int active = positions.length;
        int indexRows = (int) index.size(0);
        double[] idx = new double[Math.multiplyExact(indexRows, active)];
        for (int k = 0; k < active; k++) {
            idx[k] = positions[k] & LOW_MASK;
            if (indexRows == 2) {
                idx[active + k] = positions[k] >>> POSITION_BITS;
            }
        }
        index.assign(Nd4j.create(idx, new long[]{indexRows, active}, 'c').castTo(index.dataType()));
    }

    static void writeVector(INDArray target, double[] v) {
        target.assign(Nd4j.create(v, target.shape(), 'c').castTo(target.dataType()));
    }

    /**
     * The number of rows of the index parameter for a layer of {@code rows · columns} connections: 1 while positions fit
     * in 24 bits (exact float integers), else 2.
     */
    public static int indexRows(long rows, long columns) {
        return rows * columns <= (1L << POSITION_BITS) ? 1 : 2;
    }

    /**
     * Throws unless {@code index} ({@code [indexRows(rows, columns), a]}) holds integral positions {@code i + j · rows} in
     * {@code [0, rows · columns)}, strictly increasing.
     *
     * @throws IllegalStateException naming the layer, the parameter, the entry and its value
     */
    public static void requireValid(String layerName, String parameter, INDArray index, long rows, long columns) {
        int indexRows = indexRows(rows, columns);
        if (index.rank() != 2 || index.size(0) != indexRows) {
            throw new IllegalStateException("Layer '" + layerName + "': parameter '" + parameter + "' has shape "
                    + java.util.Arrays.toString(index.shape()) + ", expected [" + indexRows + ", active connections]");
        }
        int active = (int) index.size(1);
        double[] idx = DirectBuffers.readDoubles(DirectBuffers.contiguous(index, 'c'), indexRows * active);
        validPositions(layerName, parameter, idx, indexRows, rows, columns);
    }

    /**
     * The positions held by an index parameter's values ({@code indexRows} rows of {@code idx.length / indexRows}).
     *
     * @throws IllegalStateException naming the layer, the parameter, the entry and its value unless every position is
     *                               an integer in {@code [0, rows · columns)}, strictly increasing
     */
    static long[] validPositions(String layerName, String parameter, double[] idx, int indexRows, long rows,
                                 long columns) {
        int active = idx.length / indexRows;
        long[] positions = new long[active];
        long previous = -1;
        for (int k = 0; k < active; k++) {
            double low = idx[k];
            double high = indexRows == 2 ? idx[active + k] : 0.0;
            boolean integral = low == Math.rint(low) && high == Math.rint(high) && low >= 0 && high >= 0
                    && low <= LOW_MASK;
            long position = integral ? (long) low + ((long) high << POSITION_BITS) : -1;
            if (!integral || position >= rows * columns) {
                throw new IllegalStateException("Layer '" + layerName + "': parameter '" + parameter + "' entry "
                        + k + " is " + (indexRows == 2 ? "(" + low + ", " + high + ")" : Double.toString(low))
                        + ", not an integral position in [0, " + rows * columns + ")");
            }
            if (position <= previous) {
                throw new IllegalStateException("Layer '" + layerName + "': parameter '" + parameter + "' entry "
                        + k + " (input " + position % rows + ", output " + position / rows + ") is not after the previous "
                        + "one in column-major order; positions must be strictly increasing");
            }
            positions[k] = position;
            previous = position;
        }
        return positions;
    }
}
