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
        for (int o = from; o < to; o++) {
            int base = o * batch;
            int s = start[o];
            int end = start[o + 1];
            int b = 0;
            for (; b + 4 * L <= batch; b += 4 * L) {
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
            for (; b + 2 * L <= batch; b += 2 * L) {
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
            for (; b + L <= batch; b += L) {
                FloatVector a0 = FloatVector.zero(SPECIES);
                for (int e = s; e < end; e++) {
                    FloatVector v = FloatVector.broadcast(SPECIES, values.get(slot == null ? e : slot[e]));
                    a0 = FloatVector.fromArray(SPECIES, in, idx[e] * batch + b).fma(v, a0);
                }
                a0.intoArray(out, base + b);
            }
            if (b < batch) {
                tail(s, end, idx, slot, values, in, batch, out, base, b);
            }
        }
    }

    /** The last {@code batch - b} (fewer than one vector) minibatch entries of one output, scalar. */
    private static void tail(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                             float[] out, int base, int b) {
        for (int c = b; c < batch; c++) {
            out[base + c] = FloatKernel.column(s, end, idx, slot, values, in, batch, c);
        }
    }

    @Override
    public void activeDots(int[] colStart, int[] rows, float[] xT, float[] dT, int batch, FloatBuffer grad,
                           int from, int to) {
        int vectorEnd = batch - batch % L;
        for (int j = from; j < to; j++) {
            int d = j * batch;
            for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                int x = rows[k] * batch;
                float sum = 0f;
                if (vectorEnd > 0) {
                    // two accumulators: the chain of dependent multiply-adds is half as long
                    FloatVector acc0 = FloatVector.zero(SPECIES);
                    FloatVector acc1 = acc0;
                    int b = 0;
                    for (; b + 2 * L <= vectorEnd; b += 2 * L) {
                        acc0 = FloatVector.fromArray(SPECIES, xT, x + b).fma(FloatVector.fromArray(SPECIES, dT, d + b), acc0);
                        acc1 = FloatVector.fromArray(SPECIES, xT, x + b + L)
                                .fma(FloatVector.fromArray(SPECIES, dT, d + b + L), acc1);
                    }
                    if (b < vectorEnd) {
                        acc0 = FloatVector.fromArray(SPECIES, xT, x + b).fma(FloatVector.fromArray(SPECIES, dT, d + b), acc0);
                    }
                    sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
                }
                for (int b = vectorEnd; b < batch; b++) {
                    sum += xT[x + b] * dT[d + b];
                }
                grad.put(k, sum);
            }
        }
    }

    @Override
    public String name() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }
}
