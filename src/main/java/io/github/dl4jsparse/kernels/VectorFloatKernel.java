package io.github.dl4jsparse.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.FloatBuffer;

/**
 * {@link FloatKernel} on the Vector API ({@code jdk.incubator.vector}): the minibatch is cut into tiles of up to four
 * vectors, each tile's outputs held in registers while all entries of the output stream past. Loaded only when the
 * module is present at run time ({@code --add-modules jdk.incubator.vector}); {@link PlainFloatKernel} otherwise.
 */
final class VectorFloatKernel implements FloatKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public void product(int[] start, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch, float[] out,
                        int from, int to) {
        float[] lanes = wholeVectorTail(start, idx, in, batch, from, to) ? new float[L] : null;
        for (int o = from; o < to; o++) {
            int base = o * batch;
            int s = start[o];
            int end = start[o + 1];
            int b = 0;
            // one method per width: C2 keeps a method's vectors in registers only when it has one vector loop
            for (; b + 4 * L <= batch; b += 4 * L) {
                product4(s, end, idx, slot, values, in, batch, b, out, base);
            }
            for (; b + 2 * L <= batch; b += 2 * L) {
                product2(s, end, idx, slot, values, in, batch, b, out, base);
            }
            for (; b + L <= batch; b += L) {
                product1(s, end, idx, slot, values, in, batch, b, out, base);
            }
            if (b < batch && lanes != null) {
                vectorTail(s, end, idx, slot, values, in, batch, b, lanes);
                System.arraycopy(lanes, 0, out, base + b, batch - b);
            } else if (b < batch) {
                tail(s, end, idx, slot, values, in, batch, out, base, b);
            }
        }
    }

    /** Four vectors of one output, entries {@code [b, b + 4L)} of the minibatch. */
    private static void product4(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                                 int b, float[] out, int base) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int e = s; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values.get(slot == null ? e : slot[e]));
            int r = idx[e] * batch + b;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(v, a3);
        }
        a0.intoArray(out, base + b);
        a1.intoArray(out, base + b + L);
        a2.intoArray(out, base + b + 2 * L);
        a3.intoArray(out, base + b + 3 * L);
    }

    /** Two vectors of one output. */
    private static void product2(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                                 int b, float[] out, int base) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        for (int e = s; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values.get(slot == null ? e : slot[e]));
            int r = idx[e] * batch + b;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
        }
        a0.intoArray(out, base + b);
        a1.intoArray(out, base + b + L);
    }

    /** One vector of one output. */
    private static void product1(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                                 int b, float[] out, int base) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        for (int e = s; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values.get(slot == null ? e : slot[e]));
            a0 = FloatVector.fromArray(SPECIES, in, idx[e] * batch + b).fma(v, a0);
        }
        a0.intoArray(out, base + b);
    }

    /** The last {@code batch - b} (fewer than one vector) minibatch entries of one output, scalar. */
    private static void tail(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                             float[] out, int base, int b) {
        for (int c = b; c < batch; c++) {
            out[base + c] = FloatKernel.column(s, end, idx, slot, values, in, batch, c);
        }
    }

    /**
     * Whether the last, partial vector of a minibatch of {@code batch} (a minibatch of 8 on 512-bit vectors is all
     * tail) can run as one whole vector: its lanes beyond the minibatch read the next input row, or the slack the
     * caller leaves after the last one, and are dropped. True when at least 4 entries are left over and every row
     * that the connections of {@code [from, to)} read has a vector's worth of array after its tail's start.
     */
    private static boolean wholeVectorTail(int[] start, int[] idx, float[] in, int batch, int from, int to) {
        int tail = batch % L;
        if (tail < 4) {
            return false;
        }
        int maxRow = -1;
        for (int e = start[from]; e < start[to]; e++) {
            maxRow = Math.max(maxRow, idx[e]);
        }
        return (long) maxRow * batch + (batch - tail) + L <= in.length;
    }

    /** The last, partial vector of one output as a whole vector into {@code lanes} (see {@link #wholeVectorTail}). */
    private static void vectorTail(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                                   int b, float[] lanes) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        for (int e = s; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values.get(slot == null ? e : slot[e]));
            a0 = FloatVector.fromArray(SPECIES, in, idx[e] * batch + b).fma(v, a0);
        }
        a0.intoArray(lanes, 0);
    }

    @Override
    public void activeDots(int[] colStart, int[] rows, float[] xT, float[] dT, int batch, FloatBuffer grad,
                           int from, int to) {
        int vectorEnd = batch - batch % L;
        for (int j = from; j < to; j++) {
            int d = j * batch;
            int k = colStart[j];
            int end = colStart[j + 1];
            // four connections of the column at a time: each load of δ serves four multiply-adds
            for (; k + 3 < end; k += 4) {
                dots4(rows, k, xT, dT, d, batch, vectorEnd, grad);
            }
            for (; k < end; k++) {
                dots1(rows, k, xT, dT, d, batch, vectorEnd, grad);
            }
        }
    }

    /** {@code grad[k..k+3]}: the dot products of four connections' input rows with the column's δ row. */
    private static void dots4(int[] rows, int k, float[] xT, float[] dT, int d, int batch, int vectorEnd,
                              FloatBuffer grad) {
        int x0 = rows[k] * batch;
        int x1 = rows[k + 1] * batch;
        int x2 = rows[k + 2] * batch;
        int x3 = rows[k + 3] * batch;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int b = 0; b < vectorEnd; b += L) {
            FloatVector dv = FloatVector.fromArray(SPECIES, dT, d + b);
            a0 = FloatVector.fromArray(SPECIES, xT, x0 + b).fma(dv, a0);
            a1 = FloatVector.fromArray(SPECIES, xT, x1 + b).fma(dv, a1);
            a2 = FloatVector.fromArray(SPECIES, xT, x2 + b).fma(dv, a2);
            a3 = FloatVector.fromArray(SPECIES, xT, x3 + b).fma(dv, a3);
        }
        float s0 = a0.reduceLanes(VectorOperators.ADD);
        float s1 = a1.reduceLanes(VectorOperators.ADD);
        float s2 = a2.reduceLanes(VectorOperators.ADD);
        float s3 = a3.reduceLanes(VectorOperators.ADD);
        for (int b = vectorEnd; b < batch; b++) {
            float dv = dT[d + b];
            s0 += xT[x0 + b] * dv;
            s1 += xT[x1 + b] * dv;
            s2 += xT[x2 + b] * dv;
            s3 += xT[x3 + b] * dv;
        }
        grad.put(k, s0);
        grad.put(k + 1, s1);
        grad.put(k + 2, s2);
        grad.put(k + 3, s3);
    }

    /** {@code grad[k]}: one connection's dot product. */
    private static void dots1(int[] rows, int k, float[] xT, float[] dT, int d, int batch, int vectorEnd,
                              FloatBuffer grad) {
        int x = rows[k] * batch;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int b = 0; b < vectorEnd; b += L) {
            acc = FloatVector.fromArray(SPECIES, xT, x + b).fma(FloatVector.fromArray(SPECIES, dT, d + b), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int b = vectorEnd; b < batch; b++) {
            sum += xT[x + b] * dT[d + b];
        }
        grad.put(k, sum);
    }

    @Override
    public String name() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }
}
