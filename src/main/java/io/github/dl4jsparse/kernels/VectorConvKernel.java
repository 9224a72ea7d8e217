package io.github.dl4jsparse.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvFloatKernel} on the Vector API ({@code jdk.incubator.vector}): an output row of a tile (up to four
 * vectors of examples) is held in registers while every connection of its channel adds its weight times a shifted
 * row of the input; weight gradients keep four connections' sums in registers, each load of δ serving all four.
 * Loaded only when the module is present at run time ({@code --add-modules jdk.incubator.vector}).
 */
final class VectorConvKernel implements ConvFloatKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public void forward(ConvIndex ix, float[] values, float[] in, int inBase, float[] out, int outBase, int width,
                        int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int[] shift = ix.shift;
        int positions = ix.positions;
        for (int o = from; o < to; o++) {
            int first = colStart[o];
            int end = colStart[o + 1];
            for (int p = 0; p < positions; p++) {
                int d = outBase + (o * positions + p) * width;
                int s = inBase + shift[p] * width;
                int b = 0;
                for (; b + 4 * L <= width; b += 4 * L) {
                    FloatVector a0 = FloatVector.zero(SPECIES);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    for (int k = first; k < end; k++) {
                        FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
                        int r = s + tap[k] * width + b;
                        a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
                        a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
                        a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
                        a3 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(v, a3);
                    }
                    a0.intoArray(out, d + b);
                    a1.intoArray(out, d + b + L);
                    a2.intoArray(out, d + b + 2 * L);
                    a3.intoArray(out, d + b + 3 * L);
                }
                for (; b + L <= width; b += L) {
                    FloatVector a0 = FloatVector.zero(SPECIES);
                    for (int k = first; k < end; k++) {
                        a0 = FloatVector.fromArray(SPECIES, in, s + tap[k] * width + b)
                                .fma(FloatVector.broadcast(SPECIES, values[k]), a0);
                    }
                    a0.intoArray(out, d + b);
                }
                for (; b < width; b++) {
                    out[d + b] = ConvFloatKernel.column(first, end, tap, values, in, s + b, width);
                }
            }
        }
    }

    @Override
    public void weightGradient(ConvIndex ix, float[] in, float[] delta, int batch, float[] grad, int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int inRows = ix.geometry.paddedInputSize();
        int outRows = ix.geometry.outputSize();
        float[] sums = new float[4];
        for (int o = from; o < to; o++) {
            int k = colStart[o];
            int end = colStart[o + 1];
            for (; k < end; k += 4) {
                int n = Math.min(4, end - k);
                float g0 = 0f;
                float g1 = 0f;
                float g2 = 0f;
                float g3 = 0f;
                for (int t = 0; t < ImageTiles.tiles(batch); t++) {
                    int w = ImageTiles.width(batch, t);
                    int inBase = ImageTiles.base(inRows, t);
                    int dBase = ImageTiles.base(outRows, t) + o * ix.positions * w;
                    // fewer than four connections left: the missing ones repeat the last (their sums are not kept)
                    int x0 = inBase + tap[k] * w;
                    int x1 = inBase + tap[k + Math.min(1, n - 1)] * w;
                    int x2 = inBase + tap[k + Math.min(2, n - 1)] * w;
                    int x3 = inBase + tap[k + Math.min(3, n - 1)] * w;
                    if (w == 4 * L) {
                        dots4Full(ix.shift, ix.positions, in, x0, x1, x2, x3, delta, dBase, sums);
                    } else {
                        dots4(ix.shift, ix.positions, in, x0, x1, x2, x3, delta, dBase, w, sums);
                    }
                    g0 += sums[0];
                    g1 += sums[1];
                    g2 += sums[2];
                    g3 += sums[3];
                }
                grad[k] = g0;
                if (n > 1) {
                    grad[k + 1] = g1;
                }
                if (n > 2) {
                    grad[k + 2] = g2;
                }
                if (n > 3) {
                    grad[k + 3] = g3;
                }
            }
        }
    }

    /**
     * {@link #dots4} for a full tile of four vectors: the sixteen partial sums stay in registers over all positions,
     * each of the four loads of δ serving four multiply-adds.
     */
    private static void dots4Full(int[] shift, int positions, float[] in, int x0, int x1, int x2, int x3,
                                  float[] delta, int d, float[] sums) {
        final int w = 4 * L;
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int p = 0; p < positions; p++) {
            int sp = shift[p] * w;
            int dp = d + p * w;
            FloatVector d0 = FloatVector.fromArray(SPECIES, delta, dp);
            FloatVector d1 = FloatVector.fromArray(SPECIES, delta, dp + L);
            FloatVector d2 = FloatVector.fromArray(SPECIES, delta, dp + 2 * L);
            FloatVector d3 = FloatVector.fromArray(SPECIES, delta, dp + 3 * L);
            int r = x0 + sp;
            a00 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a00);
            a01 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a01);
            a02 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a02);
            a03 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a03);
            r = x1 + sp;
            a10 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a10);
            a11 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a11);
            a12 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a12);
            a13 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a13);
            r = x2 + sp;
            a20 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a20);
            a21 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a21);
            a22 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a22);
            a23 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a23);
            r = x3 + sp;
            a30 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a30);
            a31 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a31);
            a32 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a32);
            a33 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a33);
        }
        sums[0] = a00.add(a01).add(a02.add(a03)).reduceLanes(VectorOperators.ADD);
        sums[1] = a10.add(a11).add(a12.add(a13)).reduceLanes(VectorOperators.ADD);
        sums[2] = a20.add(a21).add(a22.add(a23)).reduceLanes(VectorOperators.ADD);
        sums[3] = a30.add(a31).add(a32.add(a33)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * Four dot products over one tile of {@code w} examples into {@code sums}:
     * {@code Σ_p Σ_b in[xj + shift[p] · w + b] · delta[d + p · w + b]} for the four read offsets {@code xj}.
     */
    private static void dots4(int[] shift, int positions, float[] in, int x0, int x1, int x2, int x3, float[] delta,
                              int d, int w, float[] sums) {
        int vectorEnd = w - w % L;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int p = 0; p < positions; p++) {
            int sp = shift[p] * w;
            int dp = d + p * w;
            for (int b = 0; b < vectorEnd; b += L) {
                FloatVector dv = FloatVector.fromArray(SPECIES, delta, dp + b);
                a0 = FloatVector.fromArray(SPECIES, in, x0 + sp + b).fma(dv, a0);
                a1 = FloatVector.fromArray(SPECIES, in, x1 + sp + b).fma(dv, a1);
                a2 = FloatVector.fromArray(SPECIES, in, x2 + sp + b).fma(dv, a2);
                a3 = FloatVector.fromArray(SPECIES, in, x3 + sp + b).fma(dv, a3);
            }
            for (int b = vectorEnd; b < w; b++) {
                float dv = delta[dp + b];
                s0 = Math.fma(in[x0 + sp + b], dv, s0);
                s1 = Math.fma(in[x1 + sp + b], dv, s1);
                s2 = Math.fma(in[x2 + sp + b], dv, s2);
                s3 = Math.fma(in[x3 + sp + b], dv, s3);
            }
        }
        sums[0] = a0.reduceLanes(VectorOperators.ADD) + s0;
        sums[1] = a1.reduceLanes(VectorOperators.ADD) + s1;
        sums[2] = a2.reduceLanes(VectorOperators.ADD) + s2;
        sums[3] = a3.reduceLanes(VectorOperators.ADD) + s3;
    }

    /**
     * Gathers instead of scattering: each padded-input position of a tile sums the connections of every tap that reads
     * it ({@link ConvIndex}'s read lists), in registers over a tap's connections, and is written once per tap.
     */
    @Override
    public void inputGradient(ConvIndex ix, float[] values, float[] delta, int deltaBase, float[] dx, int dxBase,
                              int width, int from, int to) {
        int taps = ix.geometry.kernelH() * ix.geometry.kernelW();
        int rowLength = ix.positions * width;
        int[] readStart = ix.readStart;
        int[] readTap = ix.readTap;
        int[] readPosition = ix.readPosition;
        int[] rowStart = ix.rowStart;
        int plane = ix.paddedChannel;
        java.util.Arrays.fill(dx, dxBase + from * plane * width, dxBase + to * plane * width, 0f);
        for (int c = from; c < to; c++) {
            for (int q = 0; q < plane; q++) {
                int d = dxBase + (c * plane + q) * width;
                for (int j = readStart[q]; j < readStart[q + 1]; j++) {
                    int r = c * taps + readTap[j];
                    if (rowStart[r] < rowStart[r + 1]) {
                        tapSum(ix.entrySlot, ix.entryOut, rowStart[r], rowStart[r + 1], values, delta,
                                deltaBase + readPosition[j] * width, rowLength, dx, d, width);
                    }
                }
            }
        }
    }

    /**
     * {@code dx[d + b] += Σ_e v[slot[e]] · delta[at + out[e] · rowLength + b]} over entries {@code [first, end)} of one
     * tap, for every example {@code b} of the tile.
     */
    private static void tapSum(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                               int rowLength, float[] dx, int d, int width) {
        int b = 0;
        for (; b + 4 * L <= width; b += 4 * L) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d + b);
            FloatVector a1 = FloatVector.fromArray(SPECIES, dx, d + b + L);
            FloatVector a2 = FloatVector.fromArray(SPECIES, dx, d + b + 2 * L);
            FloatVector a3 = FloatVector.fromArray(SPECIES, dx, d + b + 3 * L);
            for (int e = first; e < end; e++) {
                FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
                int s = at + out[e] * rowLength + b;
                a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
                a2 = FloatVector.fromArray(SPECIES, delta, s + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(SPECIES, delta, s + 3 * L).fma(v, a3);
            }
            a0.intoArray(dx, d + b);
            a1.intoArray(dx, d + b + L);
            a2.intoArray(dx, d + b + 2 * L);
            a3.intoArray(dx, d + b + 3 * L);
        }
        for (; b + L <= width; b += L) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d + b);
            for (int e = first; e < end; e++) {
                a0 = FloatVector.fromArray(SPECIES, delta, at + out[e] * rowLength + b)
                        .fma(FloatVector.broadcast(SPECIES, values[slot[e]]), a0);
            }
            a0.intoArray(dx, d + b);
        }
        for (; b < width; b++) {
            dx[d + b] += ConvFloatKernel.tapColumn(first, end, slot, out, values, delta, at + b, rowLength);
        }
    }

    @Override
    public void keepWherePositive(float[] delta, float[] z, float bias, int from, int to) {
        FloatVector b = FloatVector.broadcast(SPECIES, bias);
        int q = from;
        for (; q + L <= to; q += L) {
            FloatVector sum = FloatVector.fromArray(SPECIES, z, q).add(b);
            FloatVector.fromArray(SPECIES, delta, q).blend(0f, sum.compare(VectorOperators.GT, 0f).not())
                    .intoArray(delta, q);
        }
        for (; q < to; q++) {
            if (!(z[q] + bias > 0f)) {
                delta[q] = 0f;
            }
        }
    }

    @Override
    public float sum(float[] a, int from, int to) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int q = from;
        for (; q + L <= to; q += L) {
            acc = acc.add(FloatVector.fromArray(SPECIES, a, q));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; q < to; q++) {
            s += a[q];
        }
        return s;
    }

    @Override
    public String name() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }
}
