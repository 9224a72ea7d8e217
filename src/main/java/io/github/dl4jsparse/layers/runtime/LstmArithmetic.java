package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.LstmCells;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * What an {@link LstmKernelPass} does to its working arrays, in one precision: {@code float[]} for float networks (the
 * products and the gates' forward pass on the Vector API where present) or {@code double[]} for double networks (plain
 * Java: the precision of gradient checks). Every method works on a whole range, so the pass calls one per step or
 * per matrix, never one per element.
 *
 * @param <A> the working array type, {@code float[]} or {@code double[]}
 */
abstract sealed class LstmArithmetic<A> permits LstmArithmetic.Floats, LstmArithmetic.Doubles {

    static final LstmArithmetic<float[]> FLOAT = new Floats();
    static final LstmArithmetic<double[]> DOUBLE = new Doubles();

    /** @return the arithmetic of a layer of this data type, or null for one without (half precision) */
    static LstmArithmetic<?> of(DataType dataType) {
        return switch (dataType) {
            case FLOAT -> FLOAT;
            case DOUBLE -> DOUBLE;
            default -> null;
        };
    }

    abstract DataType dataType();

    abstract A allocate(int length);

    abstract A copyOfRange(A a, int from, int to);

    /** Reads the first {@code n} values of {@code a}, cast to this precision and packed in {@code order}. */
    abstract void read(INDArray a, char order, A dst, int n);

    /** Reads matrix {@code m} ({@code [rows, cols]}) column-major into {@code dst}, cast to this precision. */
    abstract void readColumnMajor(INDArray m, A dst);

    /** Writes {@code src[from, from + n)} into contiguous {@code target} of this precision. */
    abstract void write(INDArray target, A src, int from, int n);

    /** {@code [rows, cols]}, order 'f', of the first {@code rows · cols} values (copied). */
    abstract INDArray matrix(A values, int rows, int cols);

    /** The sparse product {@code out = Wᵀ-pattern · xT} over {@code columns} columns. */
    abstract void product(SparsePattern p, ActiveWeights w, A xT, int columns, A out);

    /** The transposed sparse product {@code dx = W-pattern · delta} over {@code columns} columns. */
    abstract void transposedProduct(SparsePattern p, ActiveWeights w, A delta, int columns, A dx);

    /** Writes {@code dL/dW} at the active positions, {@code xT · deltaᵀ}, into the matrix's gradient view. */
    abstract void weightGradient(ActiveWeights w, SparsePattern p, A xT, A delta, int columns);

    /** {@code gates[to + e] = product[from + e] + bias[u]} for {@code e < n}. */
    abstract void biased(A product, int from, A bias, int u, A gates, int to, int n);

    /** {@code dst[off + e] += src[e]} for {@code e < n}. */
    abstract void addTo(A dst, int off, A src, int n);

    /** {@code dst[e] = a[off + e] + b[e]} for {@code e < n}. */
    abstract void sum(A a, int off, A b, A dst, int n);

    /** Sets {@code cells[c + e]} and {@code out[c + e]} to 0 where {@code masked[c + e]}, for {@code e < n}. */
    abstract void zeroMasked(A cells, A out, boolean[] masked, int c, int n);

    /** {@code sums[u]} = the sum of {@code values[u · columns, (u + 1) · columns)}, for {@code u < rows}. */
    abstract void rowSums(A values, int rows, int columns, A sums);

    /** See {@link LstmCells#forward(float[], int, float[], int, int, float[], float[], int, boolean)}. */
    abstract void cellsForward(A gates, int g, A cells, int cPrev, int c, A cellActs, A out, int n,
                               boolean sigmoidBlock);

    /** See {@link LstmCells#backward(float[], int, float[], int, float[], int, float[], float[], float[], int, boolean, boolean[])}. */
    abstract void cellsBackward(A gates, int g, A cells, int cPrev, A cellActs, int c, A dh, A dc, A dz, int n,
                                boolean sigmoidBlock, boolean[] masked);

    static final class Floats extends LstmArithmetic<float[]> {

        @Override
        DataType dataType() {
            return DataType.FLOAT;
        }

        @Override
        float[] allocate(int length) {
            return new float[length];
        }

        @Override
        float[] copyOfRange(float[] a, int from, int to) {
            return Arrays.copyOfRange(a, from, to);
        }

        @Override
        void read(INDArray a, char order, float[] dst, int n) {
            DirectBuffers.read(DirectBuffers.contiguous(a.castTo(DataType.FLOAT), order), dst, n);
        }

        @Override
        void readColumnMajor(INDArray m, float[] dst) {
            DirectBuffers.readColumnMajor(m.castTo(DataType.FLOAT), dst);
        }

        @Override
        void write(INDArray target, float[] src, int from, int n) {
            DirectBuffers.write(target, src, from, n);
        }

        @Override
        INDArray matrix(float[] values, int rows, int cols) {
            return Nd4j.create(Arrays.copyOf(values, rows * cols), new long[]{rows, cols}, 'f');
        }

        @Override
        void product(SparsePattern p, ActiveWeights w, float[] xT, int columns, float[] out) {
            SparseKernels.forward(p, w.floatValues(), xT, columns, out);
        }

        @Override
        void transposedProduct(SparsePattern p, ActiveWeights w, float[] delta, int columns, float[] dx) {
            SparseKernels.backwardInput(p, w.floatValues(), delta, columns, dx);
        }

        @Override
        void weightGradient(ActiveWeights w, SparsePattern p, float[] xT, float[] delta, int columns) {
            INDArray view = w.valueGradient();
            INDArray grad = DirectBuffers.contiguous(view, 'c');
            SparseKernels.weightGradient(p, xT, delta, columns, DirectBuffers.floats(grad));
            if (grad != view) {
                view.assign(grad);
            }
        }

        @Override
        void biased(float[] product, int from, float[] bias, int u, float[] gates, int to, int n) {
            float b = bias[u];
            for (int e = 0; e < n; e++) {
                gates[to + e] = product[from + e] + b;
            }
        }

        @Override
        void addTo(float[] dst, int off, float[] src, int n) {
            for (int e = 0; e < n; e++) {
                dst[off + e] += src[e];
            }
        }

        @Override
        void sum(float[] a, int off, float[] b, float[] dst, int n) {
            for (int e = 0; e < n; e++) {
                dst[e] = a[off + e] + b[e];
            }
        }

        @Override
        void zeroMasked(float[] cells, float[] out, boolean[] masked, int c, int n) {
            for (int e = 0; e < n; e++) {
                if (masked[c + e]) {
                    cells[c + e] = 0f;
                    out[c + e] = 0f;
                }
            }
        }

        @Override
        void rowSums(float[] values, int rows, int columns, float[] sums) {
            for (int u = 0; u < rows; u++) {
                float s = 0f;
                for (int e = u * columns; e < (u + 1) * columns; e++) {
                    s += values[e];
                }
                sums[u] = s;
            }
        }

        @Override
        void cellsForward(float[] gates, int g, float[] cells, int cPrev, int c, float[] cellActs, float[] out, int n,
                          boolean sigmoidBlock) {
            LstmCells.forward(gates, g, cells, cPrev, c, cellActs, out, n, sigmoidBlock);
        }

        @Override
        void cellsBackward(float[] gates, int g, float[] cells, int cPrev, float[] cellActs, int c, float[] dh,
                           float[] dc, float[] dz, int n, boolean sigmoidBlock, boolean[] masked) {
            LstmCells.backward(gates, g, cells, cPrev, cellActs, c, dh, dc, dz, n, sigmoidBlock, masked);
        }
    }

    static final class Doubles extends LstmArithmetic<double[]> {

        @Override
        DataType dataType() {
            return DataType.DOUBLE;
        }

        @Override
        double[] allocate(int length) {
            return new double[length];
        }

        @Override
        double[] copyOfRange(double[] a, int from, int to) {
            return Arrays.copyOfRange(a, from, to);
        }

        @Override
        void read(INDArray a, char order, double[] dst, int n) {
            DirectBuffers.read(DirectBuffers.contiguous(a.castTo(DataType.DOUBLE), order), dst, n);
        }

        @Override
        void readColumnMajor(INDArray m, double[] dst) {
            DirectBuffers.readColumnMajor(m.castTo(DataType.DOUBLE), dst);
        }

        @Override
        void write(INDArray target, double[] src, int from, int n) {
            DirectBuffers.write(target, src, from, n);
        }

        @Override
        INDArray matrix(double[] values, int rows, int cols) {
            return Nd4j.create(Arrays.copyOf(values, rows * cols), new long[]{rows, cols}, 'f');
        }

        @Override
        void product(SparsePattern p, ActiveWeights w, double[] xT, int columns, double[] out) {
            SparseKernels.forward(p, w.doubleValues(), xT, columns, out);
        }

        @Override
        void transposedProduct(SparsePattern p, ActiveWeights w, double[] delta, int columns, double[] dx) {
            SparseKernels.backwardInput(p, w.doubleValues(), delta, columns, dx);
        }

        @Override
        void weightGradient(ActiveWeights w, SparsePattern p, double[] xT, double[] delta, int columns) {
            INDArray view = w.valueGradient();
            INDArray grad = DirectBuffers.contiguous(view, 'c');
            SparseKernels.weightGradient(p, xT, delta, columns, DirectBuffers.doubles(grad));
            if (grad != view) {
                view.assign(grad);
            }
        }

        @Override
        void biased(double[] product, int from, double[] bias, int u, double[] gates, int to, int n) {
            double b = bias[u];
            for (int e = 0; e < n; e++) {
                gates[to + e] = product[from + e] + b;
            }
        }

        @Override
        void addTo(double[] dst, int off, double[] src, int n) {
            for (int e = 0; e < n; e++) {
                dst[off + e] += src[e];
            }
        }

        @Override
        void sum(double[] a, int off, double[] b, double[] dst, int n) {
            for (int e = 0; e < n; e++) {
                dst[e] = a[off + e] + b[e];
            }
        }

        @Override
        void zeroMasked(double[] cells, double[] out, boolean[] masked, int c, int n) {
            for (int e = 0; e < n; e++) {
                if (masked[c + e]) {
                    cells[c + e] = 0.0;
                    out[c + e] = 0.0;
                }
            }
        }

        @Override
        void rowSums(double[] values, int rows, int columns, double[] sums) {
            for (int u = 0; u < rows; u++) {
                double s = 0.0;
                for (int e = u * columns; e < (u + 1) * columns; e++) {
                    s += values[e];
                }
                sums[u] = s;
            }
        }

        @Override
        void cellsForward(double[] gates, int g, double[] cells, int cPrev, int c, double[] cellActs, double[] out,
                          int n, boolean sigmoidBlock) {
            LstmCells.forward(gates, g, cells, cPrev, c, cellActs, out, n, sigmoidBlock);
        }

        @Override
        void cellsBackward(double[] gates, int g, double[] cells, int cPrev, double[] cellActs, int c, double[] dh,
                           double[] dc, double[] dz, int n, boolean sigmoidBlock, boolean[] masked) {
            LstmCells.backward(gates, g, cells, cPrev, cellActs, c, dh, dc, dz, n, sigmoidBlock, masked);
        }
    }
}
