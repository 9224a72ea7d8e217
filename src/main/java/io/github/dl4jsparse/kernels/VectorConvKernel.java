package io.github.dl4jsparse.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvFloatKernel} on the Vector API ({@code jdk.incubator.vector}): a unit of an output channel (a row of
 * output positions times the examples of a tile where the horizontal stride is 1, else one position; see
 * {@link ConvIndex#unitPositions}) is held in registers, up to eight vectors at a time, while every connection of its
 * channel adds its weight times a shifted run of the input; weight gradients keep four connections' sums in
 * registers, each load of δ serving all four. Lanes run along examples and columns together, so a minibatch of 4 keeps
 * them as full as one of 64.
 * Loaded only when the module is present at run time ({@code --add-modules jdk.incubator.vector}).
 */
final class VectorConvKernel implements ConvFloatKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    /** Vectors of 8 and 4 floats for the end of a run shorter than a preferred vector, where they are shorter. */
    private static final VectorSpecies<Float> HALF = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> QUARTER = FloatVector.SPECIES_128;
    private static final boolean HALF_TAIL = HALF.length() < L;
    private static final boolean QUARTER_TAIL = QUARTER.length() < L;

    @Override
    public void forward(ConvIndex ix, float[] values, float[] in, int inBase, float[] out, int outBase, int width,
                        int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int positions = ix.positions;
        int span = ix.unitPositions * width;
        // units outer, channels inner: the input rows a unit reads stay in cache across the block's output channels
        for (int u = 0; u < ix.units; u++) {
            int p = u * ix.unitPositions;
            int s = inBase + ix.shift[p] * width;
            for (int o = from; o < to; o++) {
                forwardSpan(colStart[o], colStart[o + 1], tap, values, in, s, width, out,
                        outBase + (o * positions + p) * width, span);
            }
        }
    }

    /**
     * {@code out[d + b] = Σ_k values[k] · in[s + tap[k] · width + b]} over connections {@code [first, end)}, for
     * {@code b} in {@code [0, span)}: eight, four or one vectors at a time in registers, then half and quarter vectors,
     * then single values.
     */
    private static void forwardSpan(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                    float[] out, int d, int span) {
        int b = 0;
        for (; b + 8 * L <= span; b += 8 * L) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int k = first; k < end; k++) {
                FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
                int r = s + tap[k] * width + b;
                a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
                a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(v, a3);
                a4 = FloatVector.fromArray(SPECIES, in, r + 4 * L).fma(v, a4);
                a5 = FloatVector.fromArray(SPECIES, in, r + 5 * L).fma(v, a5);
                a6 = FloatVector.fromArray(SPECIES, in, r + 6 * L).fma(v, a6);
                a7 = FloatVector.fromArray(SPECIES, in, r + 7 * L).fma(v, a7);
            }
            int q = d + b;
            a0.intoArray(out, q);
            a1.intoArray(out, q + L);
            a2.intoArray(out, q + 2 * L);
            a3.intoArray(out, q + 3 * L);
            a4.intoArray(out, q + 4 * L);
            a5.intoArray(out, q + 5 * L);
            a6.intoArray(out, q + 6 * L);
            a7.intoArray(out, q + 7 * L);
        }
        for (; b + 4 * L <= span; b += 4 * L) {
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
        for (; b + L <= span; b += L) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            for (int k = first; k < end; k++) {
                a0 = FloatVector.fromArray(SPECIES, in, s + tap[k] * width + b)
                        .fma(FloatVector.broadcast(SPECIES, values[k]), a0);
            }
            a0.intoArray(out, d + b);
        }
        if (HALF_TAIL && b + HALF.length() <= span) {
            FloatVector a0 = FloatVector.zero(HALF);
            for (int k = first; k < end; k++) {
                a0 = FloatVector.fromArray(HALF, in, s + tap[k] * width + b).fma(FloatVector.broadcast(HALF, values[k]), a0);
            }
            a0.intoArray(out, d + b);
            b += HALF.length();
        }
        if (QUARTER_TAIL && b + QUARTER.length() <= span) {
            FloatVector a0 = FloatVector.zero(QUARTER);
            for (int k = first; k < end; k++) {
                a0 = FloatVector.fromArray(QUARTER, in, s + tap[k] * width + b)
                        .fma(FloatVector.broadcast(QUARTER, values[k]), a0);
            }
            a0.intoArray(out, d + b);
            b += QUARTER.length();
        }
        for (; b < span; b++) {
            out[d + b] = ConvFloatKernel.column(first, end, tap, values, in, s + b, width);
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
                    dots4(ix, in, x0, x1, x2, x3, delta, dBase, w, sums);
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
     * Four dot products over one tile of {@code w} examples into {@code sums}: {@code Σ_u Σ_b in[xj + shift[p_u] · w + b]
     * · delta[d + p_u · w + b]} over the units {@code u} (first position {@code p_u}) and {@code b} in a unit's span,
     * for the four read offsets {@code xj}. The whole vectors of every unit first ({@link #dots4Vectors}), then the
     * rest of every unit ({@link #dots4Rest}), so that neither loop runs short of registers.
     */
    private static void dots4(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d, int w,
                              float[] sums) {
        int span = ix.unitPositions * w;
        int vectorEnd = span - span % L;
        if (vectorEnd > 0) {
            dots4Vectors(ix, in, x0, x1, x2, x3, delta, d, w, vectorEnd, sums);
        } else {
            java.util.Arrays.fill(sums, 0f);
        }
        if (vectorEnd < span) {
            dots4Rest(ix, in, x0, x1, x2, x3, delta, d, w, vectorEnd, sums);
        }
    }

    /**
     * The part of {@link #dots4} in whole vectors, {@code b} in {@code [0, vectorEnd)} of each unit: four vectors of a
     * unit at a time with sixteen partial sums in registers (each load of δ serving four multiply-adds), then single
     * vectors.
     */
    private static void dots4Vectors(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                     int w, int vectorEnd, float[] sums) {
        int[] shift = ix.shift;
        int unitPositions = ix.unitPositions;
        int span = unitPositions * w;
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int u = 0; u < ix.units; u++) {
            int p = u * unitPositions;
            int sp = shift[p] * w;
            int dp = d + p * w;
            int b = 0;
            for (; b + 4 * L <= vectorEnd; b += 4 * L) {
                int q = dp + b;
                FloatVector d0 = FloatVector.fromArray(SPECIES, delta, q);
                FloatVector d1 = FloatVector.fromArray(SPECIES, delta, q + L);
                FloatVector d2 = FloatVector.fromArray(SPECIES, delta, q + 2 * L);
                FloatVector d3 = FloatVector.fromArray(SPECIES, delta, q + 3 * L);
                int r = x0 + sp + b;
                a00 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a00);
                a01 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a01);
                a02 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a02);
                a03 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a03);
                r = x1 + sp + b;
                a10 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a10);
                a11 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a11);
                a12 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a12);
                a13 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a13);
                r = x2 + sp + b;
                a20 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a20);
                a21 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a21);
                a22 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a22);
                a23 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a23);
                r = x3 + sp + b;
                a30 = FloatVector.fromArray(SPECIES, in, r).fma(d0, a30);
                a31 = FloatVector.fromArray(SPECIES, in, r + L).fma(d1, a31);
                a32 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(d2, a32);
                a33 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(d3, a33);
            }
            for (; b < vectorEnd; b += L) {
                FloatVector dv = FloatVector.fromArray(SPECIES, delta, dp + b);
                a00 = FloatVector.fromArray(SPECIES, in, x0 + sp + b).fma(dv, a00);
                a10 = FloatVector.fromArray(SPECIES, in, x1 + sp + b).fma(dv, a10);
                a20 = FloatVector.fromArray(SPECIES, in, x2 + sp + b).fma(dv, a20);
                a30 = FloatVector.fromArray(SPECIES, in, x3 + sp + b).fma(dv, a30);
            }
        }
        sums[0] = a00.add(a01).add(a02.add(a03)).reduceLanes(VectorOperators.ADD);
        sums[1] = a10.add(a11).add(a12.add(a13)).reduceLanes(VectorOperators.ADD);
        sums[2] = a20.add(a21).add(a22.add(a23)).reduceLanes(VectorOperators.ADD);
        sums[3] = a30.add(a31).add(a32.add(a33)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The rest of {@link #dots4}, {@code b} in {@code [vectorEnd, span)} of each unit (less than one vector): half and
     * quarter vectors where they are shorter than a vector, then single values; added to {@code sums}.
     */
    private static void dots4Rest(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                  int w, int vectorEnd, float[] sums) {
        int[] shift = ix.shift;
        int unitPositions = ix.unitPositions;
        int span = unitPositions * w;
        FloatVector h0 = FloatVector.zero(HALF);
        FloatVector h1 = h0, h2 = h0, h3 = h0;
        FloatVector q0 = FloatVector.zero(QUARTER);
        FloatVector q1 = q0, q2 = q0, q3 = q0;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int u = 0; u < ix.units; u++) {
            int p = u * unitPositions;
            int sp = shift[p] * w;
            int dp = d + p * w;
            int b = vectorEnd;
            if (HALF_TAIL && b + HALF.length() <= span) {
                FloatVector dv = FloatVector.fromArray(HALF, delta, dp + b);
                h0 = FloatVector.fromArray(HALF, in, x0 + sp + b).fma(dv, h0);
                h1 = FloatVector.fromArray(HALF, in, x1 + sp + b).fma(dv, h1);
                h2 = FloatVector.fromArray(HALF, in, x2 + sp + b).fma(dv, h2);
                h3 = FloatVector.fromArray(HALF, in, x3 + sp + b).fma(dv, h3);
                b += HALF.length();
            }
            if (QUARTER_TAIL && b + QUARTER.length() <= span) {
                FloatVector dv = FloatVector.fromArray(QUARTER, delta, dp + b);
                q0 = FloatVector.fromArray(QUARTER, in, x0 + sp + b).fma(dv, q0);
                q1 = FloatVector.fromArray(QUARTER, in, x1 + sp + b).fma(dv, q1);
                q2 = FloatVector.fromArray(QUARTER, in, x2 + sp + b).fma(dv, q2);
                q3 = FloatVector.fromArray(QUARTER, in, x3 + sp + b).fma(dv, q3);
                b += QUARTER.length();
            }
            for (; b < span; b++) {
                float dv = delta[dp + b];
                s0 = Math.fma(in[x0 + sp + b], dv, s0);
                s1 = Math.fma(in[x1 + sp + b], dv, s1);
                s2 = Math.fma(in[x2 + sp + b], dv, s2);
                s3 = Math.fma(in[x3 + sp + b], dv, s3);
            }
        }
        sums[0] += h0.reduceLanes(VectorOperators.ADD) + q0.reduceLanes(VectorOperators.ADD) + s0;
        sums[1] += h1.reduceLanes(VectorOperators.ADD) + q1.reduceLanes(VectorOperators.ADD) + s1;
        sums[2] += h2.reduceLanes(VectorOperators.ADD) + q2.reduceLanes(VectorOperators.ADD) + s2;
        sums[3] += h3.reduceLanes(VectorOperators.ADD) + q3.reduceLanes(VectorOperators.ADD) + s3;
    }

    /**
     * Gathers instead of scattering: each unit of the padded input of a tile sums the connections of every tap that
     * reads it ({@link ConvIndex}'s read lists), in registers over a tap's connections, and is written once per tap.
     * Units outer, channels inner: the rows of δ a unit reads stay in cache across the block's input channels.
     */
    @Override
    public void inputGradient(ConvIndex ix, float[] values, float[] delta, int deltaBase, float[] dx, int dxBase,
                              int width, int from, int to) {
        int taps = ix.geometry.kernelH() * ix.geometry.kernelW();
        int rowLength = ix.positions * width;
        int span = ix.unitPositions * width;
        int[] readStart = ix.readStart;
        int[] readTap = ix.readTap;
        int[] readTarget = ix.readTarget;
        int[] readPosition = ix.readPosition;
        int[] rowStart = ix.rowStart;
        int plane = ix.paddedChannel;
        java.util.Arrays.fill(dx, dxBase + from * plane * width, dxBase + to * plane * width, 0f);
        for (int u = 0; u + 1 < readStart.length; u++) {
            for (int c = from; c < to; c++) {
                for (int j = readStart[u]; j < readStart[u + 1]; j++) {
                    int r = c * taps + readTap[j];
                    if (rowStart[r] < rowStart[r + 1]) {
                        tapSum(ix.entrySlot, ix.entryOut, rowStart[r], rowStart[r + 1], values, delta,
                                deltaBase + readPosition[j] * width, rowLength, dx,
                                dxBase + (c * plane + readTarget[j]) * width, span);
                    }
                }
            }
        }
    }

    /**
     * {@code dx[d + b] += Σ_e v[slot[e]] · delta[at + out[e] · rowLength + b]} over entries {@code [first, end)} of one
     * tap, for {@code b} in {@code [0, span)}.
     */
    private static void tapSum(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                               int rowLength, float[] dx, int d, int span) {
        int b = 0;
        for (; b + 8 * L <= span; b += 8 * L) {
            int q = d + b;
            FloatVector a0 = FloatVector.fromArray(SPECIES, dx, q);
            FloatVector a1 = FloatVector.fromArray(SPECIES, dx, q + L);
            FloatVector a2 = FloatVector.fromArray(SPECIES, dx, q + 2 * L);
            FloatVector a3 = FloatVector.fromArray(SPECIES, dx, q + 3 * L);
            FloatVector a4 = FloatVector.fromArray(SPECIES, dx, q + 4 * L);
            FloatVector a5 = FloatVector.fromArray(SPECIES, dx, q + 5 * L);
            FloatVector a6 = FloatVector.fromArray(SPECIES, dx, q + 6 * L);
            FloatVector a7 = FloatVector.fromArray(SPECIES, dx, q + 7 * L);
            for (int e = first; e < end; e++) {
                FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
                int s = at + out[e] * rowLength + b;
                a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
                a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
                a2 = FloatVector.fromArray(SPECIES, delta, s + 2 * L).fma(v, a2);
                a3 = FloatVector.fromArray(SPECIES, delta, s + 3 * L).fma(v, a3);
                a4 = FloatVector.fromArray(SPECIES, delta, s + 4 * L).fma(v, a4);
                a5 = FloatVector.fromArray(SPECIES, delta, s + 5 * L).fma(v, a5);
                a6 = FloatVector.fromArray(SPECIES, delta, s + 6 * L).fma(v, a6);
                a7 = FloatVector.fromArray(SPECIES, delta, s + 7 * L).fma(v, a7);
            }
            a0.intoArray(dx, q);
            a1.intoArray(dx, q + L);
            a2.intoArray(dx, q + 2 * L);
            a3.intoArray(dx, q + 3 * L);
            a4.intoArray(dx, q + 4 * L);
            a5.intoArray(dx, q + 5 * L);
            a6.intoArray(dx, q + 6 * L);
            a7.intoArray(dx, q + 7 * L);
        }
        for (; b + 4 * L <= span; b += 4 * L) {
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
        for (; b + L <= span; b += L) {
            FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d + b);
            for (int e = first; e < end; e++) {
                a0 = FloatVector.fromArray(SPECIES, delta, at + out[e] * rowLength + b)
                        .fma(FloatVector.broadcast(SPECIES, values[slot[e]]), a0);
            }
            a0.intoArray(dx, d + b);
        }
        if (HALF_TAIL && b + HALF.length() <= span) {
            FloatVector a0 = FloatVector.fromArray(HALF, dx, d + b);
            for (int e = first; e < end; e++) {
                a0 = FloatVector.fromArray(HALF, delta, at + out[e] * rowLength + b)
                        .fma(FloatVector.broadcast(HALF, values[slot[e]]), a0);
            }
            a0.intoArray(dx, d + b);
            b += HALF.length();
        }
        if (QUARTER_TAIL && b + QUARTER.length() <= span) {
            FloatVector a0 = FloatVector.fromArray(QUARTER, dx, d + b);
            for (int e = first; e < end; e++) {
                a0 = FloatVector.fromArray(QUARTER, delta, at + out[e] * rowLength + b)
                        .fma(FloatVector.broadcast(QUARTER, values[slot[e]]), a0);
            }
            a0.intoArray(dx, d + b);
            b += QUARTER.length();
        }
        for (; b < span; b++) {
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
