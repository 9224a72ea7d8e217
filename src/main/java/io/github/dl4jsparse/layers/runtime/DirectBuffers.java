package io.github.dl4jsparse.layers.runtime;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Bulk and indexed access to the native memory of contiguous ND4J arrays from Java, without going through one ND4J
 * op per element. Indices are into the array's own buffer order.
 *
 * <p>A buffer from {@link #floats} or {@link #doubles} does not keep its array alive: once the array is unreachable
 * the garbage collector may free the native memory under it. A caller keeps the array reachable for as long as it
 * uses the buffer ({@link Reference#reachabilityFence} after the last use, as the methods here do for copies they
 * make).
 */
public final class DirectBuffers {

    private DirectBuffers() {
    }

    /** {@code a} itself if its buffer holds exactly its elements, packed in {@code order}, else such a copy. */
    static INDArray contiguous(INDArray a, char order) {
        return a.ordering() == order && isPacked(a, order) ? a : a.dup(order);
    }

    private static boolean isPacked(INDArray a, char order) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int k = 0; k < shape.length; k++) {
            int d = order == 'c' ? shape.length - 1 - k : k;
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * The buffer of contiguous float {@code a}, in place: element 0 is {@code a}'s first, and the limit is its length
     * (a parameter's view does not reach into the next parameter of the same flat buffer).
     */
    static FloatBuffer floats(INDArray a) {
        requireType(a, DataType.FLOAT);
        return a.data().asNioFloat().slice((int) a.offset(), (int) a.length());
    }

    /** As {@link #floats} for a double array. */
    static DoubleBuffer doubles(INDArray a) {
        requireType(a, DataType.DOUBLE);
        return a.data().asNioDouble().slice((int) a.offset(), (int) a.length());
    }

    /** Copies the first {@code n} buffer elements of contiguous {@code a} into {@code dst}. */
    static void read(INDArray a, float[] dst, int n) {
        floats(a).get(dst, 0, n);
        Reference.reachabilityFence(a);
    }

    static void read(INDArray a, double[] dst, int n) {
        doubles(a).get(dst, 0, n);
        Reference.reachabilityFence(a);
    }

    /**
     * Copies float matrix {@code m} ({@code [rows, cols]}) into {@code dst} in column-major order,
     * {@code dst[c·rows + r] = m[r, c]}: one bulk copy for a packed 'f' matrix, a bulk copy and a transpose in Java
     * for a packed 'c' one (cheaper than an ND4J {@code dup('f')} for minibatch-sized matrices).
     */
    static void readColumnMajor(INDArray m, float[] dst) {
        int rows = (int) m.size(0);
        int cols = (int) m.size(1);
        if (m.ordering() == 'f' && isPacked(m, 'f')) {
            read(m, dst, rows * cols);
            return;
        }
        INDArray packed = contiguous(m, 'c');
        FloatBuffer c = floats(packed);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            c.get(r * cols, row);
            for (int col = 0; col < cols; col++) {
                dst[col * rows + r] = row[col];
            }
        }
        Reference.reachabilityFence(packed);
    }

    /** {@link #readColumnMajor(INDArray, float[])} for a double matrix. */
    static void readColumnMajor(INDArray m, double[] dst) {
        int rows = (int) m.size(0);
        int cols = (int) m.size(1);
        if (m.ordering() == 'f' && isPacked(m, 'f')) {
            read(m, dst, rows * cols);
            return;
        }
        INDArray packed = contiguous(m, 'c');
        DoubleBuffer c = doubles(packed);
        double[] row = new double[cols];
        for (int r = 0; r < rows; r++) {
            c.get(r * cols, row);
            for (int col = 0; col < cols; col++) {
                dst[col * rows + r] = row[col];
            }
        }
        Reference.reachabilityFence(packed);
    }

    /** Copies {@code src[0, n)} into the buffer of contiguous {@code a}. */
    static void write(INDArray a, float[] src, int n) {
        floats(a).put(src, 0, n);
        Reference.reachabilityFence(a);
    }

    /** Copies {@code src[from, from + n)} into the buffer of contiguous {@code a}. */
    static void write(INDArray a, float[] src, int from, int n) {
        floats(a).put(src, from, n);
        Reference.reachabilityFence(a);
    }

    static void write(INDArray a, double[] src, int n) {
        doubles(a).put(src, 0, n);
        Reference.reachabilityFence(a);
    }

    /** Copies {@code src[from, from + n)} into the buffer of contiguous double {@code a}. */
    static void write(INDArray a, double[] src, int from, int n) {
        doubles(a).put(src, from, n);
        Reference.reachabilityFence(a);
    }

    /** The first {@code n} elements of contiguous {@code a} as doubles (float values widen exactly). */
    static double[] readDoubles(INDArray a, int n) {
        double[] out = new double[n];
        if (a.dataType() == DataType.DOUBLE) {
            read(a, out, n);
        } else {
            float[] f = new float[n];
            read(a.castTo(DataType.FLOAT), f, n); // one bulk copy, then widening in Java
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    /**
     * All of floating-point {@code a}'s elements in row-major ('c') order, as doubles (float values widen exactly),
     * read from its native memory in bulk: no ND4J copy for a float or double array packed in 'c' order, nor for a
     * packed float 'f' matrix (transposed in Java, in cache-sized tiles); other layouts and types go through one ND4J
     * copy.
     *
     * @throws IllegalArgumentException for an array of more than 2^31 - 9 elements
     */
    public static double[] rowMajorDoubles(INDArray a) {
        if (a.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot read " + a.length() + " elements into one Java array");
        }
        int n = (int) a.length();
        if (a.rank() == 2 && a.ordering() == 'f' && isPacked(a, 'f') && a.dataType() == DataType.FLOAT) {
            int rows = (int) a.size(0);
            int cols = (int) a.size(1);
            float[] columnMajor = new float[n];
            read(a, columnMajor, n);
            double[] out = new double[n];
            int tile = 64;
            for (int c0 = 0; c0 < cols; c0 += tile) {
                for (int r0 = 0; r0 < rows; r0 += tile) {
                    transposeTile(columnMajor, out, rows, cols, r0, Math.min(r0 + tile, rows), c0,
                            Math.min(c0 + tile, cols));
                }
            }
            return out;
        }
        return readDoubles(contiguous(a, 'c'), n);
    }

    /** {@code dst[r·cols + c] = src[c·rows + r]} over one tile (a method of its own, so that it is compiled early). */
    private static void transposeTile(float[] src, double[] dst, int rows, int cols, int r0, int r1, int c0, int c1) {
        for (int r = r0; r < r1; r++) {
            int to = r * cols;
            for (int c = c0; c < c1; c++) {
                dst[to + c] = src[c * rows + r];
            }
        }
    }

    private static void requireType(INDArray a, DataType type) {
        if (a.dataType() != type) {
            throw new IllegalArgumentException("expected a " + type + " array, got " + a.dataType());
        }
    }

    /**
     * Frees an array's off-heap buffer now, if it owns it alone (a detached array, not a view or workspace memory),
     * instead of when the garbage collector gets to it: for arrays made at every step, whose garbage the Java heap
     * hardly notices.
     */
    static void release(INDArray array) {
        if (array != null && !array.wasClosed() && array.closeable()) {
            array.close();
        }
    }
}
