package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.LstmCells;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * What a kernel pass ({@link LstmKernelPass}, {@link PointwiseConvolution}) does to its working arrays, in one
 * precision: {@code float[]} for float networks (the products and the gates' forward pass on the Vector API where
 * present) or {@code double[]} for double networks (plain Java: the precision of gradient checks). Every method works
 * on a whole range, so a pass calls one per step, row or matrix, never one per element.
 *
 * @param <A> the working array type, {@code float[]} or {@code double[]}
 */
abstract sealed class PassArithmetic<A> permits PassArithmetic.Floats, PassArithmetic.Doubles {

    static final PassArithmetic<float[]> FLOAT = new Floats();
    static final PassArithmetic<double[]> DOUBLE = new Doubles();

    /** @return the arithmetic of a layer of this data type, or null for one without (half precision) */
    static PassArithmetic<?> of(DataType dataType) {
        return switch (dataType) {
            case FLOAT -> FLOAT;
            case DOUBLE -> DOUBLE;
            default -> null;
        };
    }

    abstract DataType dataType();

    abstract A allocate(int length);

    abstract int length(A a);

    /** @return {@code a} if it holds {@code n} values, else a new array that does (scratch grown, never shrunk) */
    final A atLeast(A a, int n) {
        return a != null && length(a) >= n ? a : allocate(n);
    }

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

    /**
     * From minibatch-major images {@code nchw[b][c][y · w + x]} to channel-major samples
     * {@code cm[c][b][i · outW + j] = nchw[b][c][(i · sH) · w + j · sW]}: a 1×1 convolution's input as the sparse
     * products want it (one row per channel, the minibatch's output positions along it).
     */
    abstract void toChannelMajor(A nchw, int batch, int channels, int h, int w, int sH, int sW, int outH, int outW,
                                 A cm);

    /**
     * Back from channel-major {@code cm[c][b][i · outW + j]} to {@code nchw[b][c][(i · sH) · w + j · sW]}, zeros at the
     * positions a stride skips; {@code bias[c]} added unless null.
     */
    abstract void fromChannelMajor(A cm, int batch, int channels, int h, int w, int sH, int sW, int outH, int outW,
                                   A bias, A nchw);

    /** {@code delta[e] = z[e] + bias[row] > 0 ? delta[e] : 0} for rows of {@code length} (ReLU's derivative, in place). */
    abstract void reluMask(A z, A bias, int rows, int length, A delta);

    static final class Floats extends PassArithmetic<float[]> {

        @Override
        DataType dataType() {
            return DataType.FLOAT;
        }

        @Override
        float[] allocate(int length) {
            return new float[length];
        }

        @Override
        int length(float[] a) {
            return a.length;
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

        @Override
        void toChannelMajor(float[] nchw, int batch, int channels, int h, int w, int sH, int sW, int outH, int outW,
                            float[] cm) {
            int plane = outH * outW;
            for (int c = 0; c < channels; c++) {
                for (int b = 0; b < batch; b++) {
                    int from = (b * channels + c) * h * w;
                    int to = (c * batch + b) * plane;
                    if (sH == 1 && sW == 1) {
                        System.arraycopy(nchw, from, cm, to, plane);
                        continue;
                    }
                    for (int i = 0; i < outH; i++) {
                        int row = from + i * sH * w;
                        for (int j = 0; j < outW; j++) {
                            cm[to + i * outW + j] = nchw[row + j * sW];
                        }
                    }
                }
            }
        }

        @Override
        void fromChannelMajor(float[] cm, int batch, int channels, int h, int w, int sH, int sW, int outH, int outW,
                              float[] bias, float[] nchw) {
            int plane = outH * outW;
            boolean dense = sH == 1 && sW == 1;
            if (!dense) {
                Arrays.fill(nchw, 0, batch * channels * h * w, 0f);
            }
            for (int c = 0; c < channels; c++) {
                float add = bias == null ? 0f : bias[c];
                for (int b = 0; b < batch; b++) {
                    int from = (c * batch + b) * plane;
                    int to = (b * channels + c) * h * w;
                    for (int i = 0; i < outH; i++) {
                        int row = to + (dense ? i * outW : i * sH * w);
                        for (int j = 0; j < outW; j++) {
                            nchw[row + j * sW] = cm[from + i * outW + j] + add;
                        }
                    }
                }
            }
        }

        @Override
        void reluMask(float[] z, float[] bias, int rows, int length, float[] delta) {
            for (int r = 0; r < rows; r++) {
                float add = bias == null ? 0f : bias[r];
                for (int e = r * length; e < (r + 1) * length; e++) {
                    if (!(z[e] + add > 0f)) {
                        delta[e] = 0f;
                    }
                }
            }
        }
    }

    static final class Doubles extends PassArithmetic<double[]> {

        @Override
        DataType dataType() {
            return DataType.DOUBLE;
        }

        @Override
        double[] allocate(int length) {
            return new double[length];
        }

        @Override
        int length(double[] a) {
            return a.length;
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

        @Override
        void toChannelMajor(double[] nchw, int batch, int channels, int h, int w, int sH, int sW, int outH, int outW,
                            double[] cm) {
            int plane = outH * outW;
            for (int c = 0; c < channels; c++) {
                for (int b = 0; b < batch; b++) {
                    int from = (b * channels + c) * h * w;
                    int to = (c * batch + b) * plane;
                    if (sH == 1 && sW == 1) {
                        System.arraycopy(nchw, from, cm, to, plane);
                        continue;
                    }
                    for (int i = 0; i < outH; i++) {
                        int row = from + i * sH * w;
                        for (int j = 0; j < outW; j++) {
                            cm[to + i * outW + j] = nchw[row + j * sW];
                        }
                    }
                }
            }
        }

        @Override
        void fromChannelMajor(double[] cm, int batch, int channels, int h, int w, int sH, int sW, int outH, int outW,
                              double[] bias, double[] nchw) {
            int plane = outH * outW;
            boolean dense = sH == 1 && sW == 1;
            if (!dense) {
                Arrays.fill(nchw, 0, batch * channels * h * w, 0.0);
            }
            for (int c = 0; c < channels; c++) {
                double add = bias == null ? 0.0 : bias[c];
                for (int b = 0; b < batch; b++) {
                    int from = (c * batch + b) * plane;
                    int to = (b * channels + c) * h * w;
                    for (int i = 0; i < outH; i++) {
                        int row = to + (dense ? i * outW : i * sH * w);
                        for (int j = 0; j < outW; j++) {
                            nchw[row + j * sW] = cm[from + i * outW + j] + add;
                        }
                    }
                }
            }
        }

        @Override
        void reluMask(double[] z, double[] bias, int rows, int length, double[] delta) {
            for (int r = 0; r < rows; r++) {
                double add = bias == null ? 0.0 : bias[r];
                for (int e = r * length; e < (r + 1) * length; e++) {
                    if (!(z[e] + add > 0.0)) {
                        delta[e] = 0.0;
                    }
                }
            }
        }
    }
}
