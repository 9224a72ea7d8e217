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
    /*
     * The last, partial vector of a run is computed whole, with plain loads that read past the run, where the array
     * has at least ImageTiles.SLACK values beyond the data (the layers' arrays have): its extra lanes are dropped
     * (forward, input gradient) or multiplied by 0 (weight gradient). Without that slack, single values. Never on
     * vectors of another width, nor with masked loads: a second species pollutes the type profiles of the Vector API's
     * shared methods and masked loads are not intrinsic in JDK 17; HotSpot's C2 then allocates every vector, 10 to 100
     * times slower, in every kernel of the JVM.
     */

    /** @return whether plain vector loads may read up to a vector past {@code needed} values of {@code a} */
    private static boolean slack(float[] a, int needed) {
        return a.length >= needed + L;
    }

    @Override
    public void forward(ConvIndex ix, float[] values, float[] in, int inBase, float[] out, int outBase, int width,
                        int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int positions = ix.positions;
        int span = ix.unitPositions * width;
        float[] lanes = slack(in, inBase + ix.geometry.paddedInputSize() * width) ? new float[L] : null;
        // units outer, channels inner: the input rows a unit reads stay in cache across the block's output channels
        for (int u = 0; u < ix.units; u++) {
            int p = u * ix.unitPositions;
            int s = inBase + ix.shift[p] * width;
            for (int o = from; o < to; o++) {
                forwardSpan(colStart[o], colStart[o + 1], tap, values, in, s, width, out,
                        outBase + (o * positions + p) * width, span, lanes);
            }
        }
    }

    /**
     * {@code out[d + b] = Σ_k values[k] · in[s + tap[k] · width + b]} over connections {@code [first, end)}, for
     * {@code b} in {@code [0, span)}: eight, four or one vectors at a time in registers, then half and quarter vectors,
     * then single values. Each width is a method of its own: HotSpot's C2 (JDK 17) compiles a method with several such
     * loops past its inlining budget and then allocates every vector of the later loops, a hundred times slower.
     */
    private static void forwardSpan(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                    float[] out, int d, int span, float[] lanes) {
        int b = 0;
        for (; b + 8 * L <= span; b += 8 * L) {
            forward8(first, end, tap, values, in, s + b, width, out, d + b);
        }
        if (lanes != null && b < span) {
            // the rest, up to 4 vectors of which the last may be partial, in one pass over the connections with one
            // accumulator a vector: small maps (7 × 7, 14 × 14 at batch 4) are one or two such rests per unit
            if (span - b > 4 * L) {
                forward4(first, end, tap, values, in, s + b, width, out, d + b);
                b += 4 * L;
            }
            int rest = span - b;
            switch ((rest + L - 1) / L) {
                case 1 -> forwardTail(first, end, tap, values, in, s + b, width, lanes);
                case 2 -> forwardRest2(first, end, tap, values, in, s + b, width, out, d + b, lanes);
                case 3 -> forwardRest3(first, end, tap, values, in, s + b, width, out, d + b, lanes);
                default -> forwardRest4(first, end, tap, values, in, s + b, width, out, d + b, lanes);
            }
            int last = (rest - 1) / L * L;
            System.arraycopy(lanes, 0, out, d + b + last, rest - last);
            return;
        }
        if (b + 4 * L <= span) {
            forward4(first, end, tap, values, in, s + b, width, out, d + b);
            b += 4 * L;
        }
        for (; b + L <= span; b += L) {
            forward1(first, end, tap, values, in, s + b, width, out, d + b);
        }
        if (b < span && lanes != null) {
            forwardTail(first, end, tap, values, in, s + b, width, lanes);
            System.arraycopy(lanes, 0, out, d + b, span - b);
            return;
        }
        for (; b < span; b++) {
            out[d + b] = ConvFloatKernel.column(first, end, tap, values, in, s + b, width);
        }
    }

    /** The last, partial vector of {@link #forwardSpan}, whole into {@code lanes}. */
    private static void forwardTail(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                    float[] lanes) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        for (int k = first; k < end; k++) {
            a0 = FloatVector.fromArray(SPECIES, in, s + tap[k] * width).fma(FloatVector.broadcast(SPECIES, values[k]), a0);
        }
        a0.intoArray(lanes, 0);
    }

    /** The last 2 vectors of {@link #forwardSpan}: the first into {@code out}, the second whole into {@code lanes}. */
    private static void forwardRest2(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                     float[] out, int d, float[] lanes) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        for (int k = first; k < end; k++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
            int r = s + tap[k] * width;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
        }
        a0.intoArray(out, d);
        a1.intoArray(lanes, 0);
    }

    /** The last 3 vectors of {@link #forwardSpan}, the third whole into {@code lanes}. */
    private static void forwardRest3(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                     float[] out, int d, float[] lanes) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0;
        for (int k = first; k < end; k++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
            int r = s + tap[k] * width;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
        }
        a0.intoArray(out, d);
        a1.intoArray(out, d + L);
        a2.intoArray(lanes, 0);
    }

    /** The last 4 vectors of {@link #forwardSpan}, the fourth whole into {@code lanes}. */
    private static void forwardRest4(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                     float[] out, int d, float[] lanes) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int k = first; k < end; k++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
            int r = s + tap[k] * width;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(v, a3);
        }
        a0.intoArray(out, d);
        a1.intoArray(out, d + L);
        a2.intoArray(out, d + 2 * L);
        a3.intoArray(lanes, 0);
    }

    /** 8 vectors of {@link #forwardSpan} at {@code b}. */
    private static void forward8(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                 float[] out, int d) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int k = first; k < end; k++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
            int r = s + tap[k] * width;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(v, a3);
            a4 = FloatVector.fromArray(SPECIES, in, r + 4 * L).fma(v, a4);
            a5 = FloatVector.fromArray(SPECIES, in, r + 5 * L).fma(v, a5);
            a6 = FloatVector.fromArray(SPECIES, in, r + 6 * L).fma(v, a6);
            a7 = FloatVector.fromArray(SPECIES, in, r + 7 * L).fma(v, a7);
        }
        a0.intoArray(out, d);
        a1.intoArray(out, d + L);
        a2.intoArray(out, d + 2 * L);
        a3.intoArray(out, d + 3 * L);
        a4.intoArray(out, d + 4 * L);
        a5.intoArray(out, d + 5 * L);
        a6.intoArray(out, d + 6 * L);
        a7.intoArray(out, d + 7 * L);
    }

    /** 4 vectors of {@link #forwardSpan} at {@code b}. */
    private static void forward4(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                 float[] out, int d) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int k = first; k < end; k++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
            int r = s + tap[k] * width;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, in, r + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, in, r + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, in, r + 3 * L).fma(v, a3);
        }
        a0.intoArray(out, d);
        a1.intoArray(out, d + L);
        a2.intoArray(out, d + 2 * L);
        a3.intoArray(out, d + 3 * L);
    }

    /** 1 vector of {@link #forwardSpan} at {@code b}. */
    private static void forward1(int first, int end, int[] tap, float[] values, float[] in, int s, int width,
                                 float[] out, int d) {
        FloatVector a0 = FloatVector.zero(SPECIES);
        for (int k = first; k < end; k++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[k]);
            int r = s + tap[k] * width;
            a0 = FloatVector.fromArray(SPECIES, in, r).fma(v, a0);
        }
        a0.intoArray(out, d);
    }

    @Override
    public void weightGradient(ConvIndex ix, float[] in, float[] delta, int batch, float[] grad, int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int inRows = ix.geometry.paddedInputSize();
        int outRows = ix.geometry.outputSize();
        float[] sums = new float[4];
        float[][] keep = new float[ImageTiles.tiles(batch)][];
        for (int t = 0; t < keep.length; t++) {
            int span = ix.unitPositions * ImageTiles.width(batch, t);
            keep[t] = new float[L];
            java.util.Arrays.fill(keep[t], 0, span % L, 1f);
        }
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
                    dots4(ix, in, x0, x1, x2, x3, delta, dBase, w, keep[t], sums);
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
     * for the four read offsets {@code xj}: four vectors at a time ({@link #dots4Wide}), then single vectors
     * ({@link #dots4Narrow}), then less than a vector ({@link #dots4Rest}), each over every unit.
     */
    private static void dots4(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d, int w,
                              float[] keep, float[] sums) {
        int span = ix.unitPositions * w;
        int wideEnd = span - span % (4 * L);
        int vectorEnd = span - span % L;
        java.util.Arrays.fill(sums, 0f);
        if (wideEnd > 0) {
            dots4Wide(ix, in, x0, x1, x2, x3, delta, d, w, wideEnd, sums);
        }
        if (vectorEnd > wideEnd) {
            dots4Narrow(ix, in, x0, x1, x2, x3, delta, d, w, wideEnd, vectorEnd, sums);
        }
        if (vectorEnd < span) {
            dots4Rest(ix, in, x0, x1, x2, x3, delta, d, w, vectorEnd, keep, sums);
        }
    }

    /**
     * The part of {@link #dots4} in blocks of four vectors, {@code b} in {@code [0, wideEnd)} of each unit, with sixteen
     * partial sums in registers (each load of δ serving four multiply-adds). One flat loop over every block of every
     * unit: vectors carried through nested loops are not kept in registers by HotSpot's C2 (JDK 17), which then
     * allocates every intermediate vector.
     */
    private static void dots4Wide(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                  int w, int wideEnd, float[] sums) {
        int[] shift = ix.shift;
        int unitPositions = ix.unitPositions;
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int blocks = ix.units * (wideEnd / (4 * L));
        int u = 0;
        int b = 0;
        int sp = shift[0] * w;
        int dp = d;
        for (int i = 0; i < blocks; i++) {
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
            b += 4 * L;
            if (b == wideEnd && i + 1 < blocks) {
                b = 0;
                u++;
                int p = u * unitPositions;
                sp = shift[p] * w;
                dp = d + p * w;
            }
        }
        sums[0] += a00.add(a01).add(a02.add(a03)).reduceLanes(VectorOperators.ADD);
        sums[1] += a10.add(a11).add(a12.add(a13)).reduceLanes(VectorOperators.ADD);
        sums[2] += a20.add(a21).add(a22.add(a23)).reduceLanes(VectorOperators.ADD);
        sums[3] += a30.add(a31).add(a32.add(a33)).reduceLanes(VectorOperators.ADD);
    }

    /** The part of {@link #dots4} in single vectors, {@code b} in {@code [from, vectorEnd)} of each unit; one flat loop. */
    private static void dots4Narrow(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                    int w, int from, int vectorEnd, float[] sums) {
        int[] shift = ix.shift;
        int unitPositions = ix.unitPositions;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        int blocks = ix.units * ((vectorEnd - from) / L);
        int u = 0;
        int b = from;
        int sp = shift[0] * w;
        int dp = d;
        for (int i = 0; i < blocks; i++) {
            FloatVector dv = FloatVector.fromArray(SPECIES, delta, dp + b);
            a0 = FloatVector.fromArray(SPECIES, in, x0 + sp + b).fma(dv, a0);
            a1 = FloatVector.fromArray(SPECIES, in, x1 + sp + b).fma(dv, a1);
            a2 = FloatVector.fromArray(SPECIES, in, x2 + sp + b).fma(dv, a2);
            a3 = FloatVector.fromArray(SPECIES, in, x3 + sp + b).fma(dv, a3);
            b += L;
            if (b == vectorEnd && i + 1 < blocks) {
                b = from;
                u++;
                int p = u * unitPositions;
                sp = shift[p] * w;
                dp = d + p * w;
            }
        }
        sums[0] += a0.reduceLanes(VectorOperators.ADD);
        sums[1] += a1.reduceLanes(VectorOperators.ADD);
        sums[2] += a2.reduceLanes(VectorOperators.ADD);
        sums[3] += a3.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The rest of {@link #dots4}, {@code b} in {@code [vectorEnd, span)} of each unit (less than one vector): one whole
     * vector per unit with its lanes past the run multiplied by 0 ({@code keep}: 1 for the run's lanes, 0 past it) where
     * the arrays have the slack, else single values; added to {@code sums}.
     */
    private static void dots4Rest(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                  int w, int vectorEnd, float[] keep, float[] sums) {
        int span = ix.unitPositions * w;
        int lastUnit = (ix.units - 1) * ix.unitPositions;
        int maxIn = Math.max(Math.max(x0, x1), Math.max(x2, x3)) + ix.shift[lastUnit] * w + span;
        if (slack(in, maxIn) && slack(delta, d + lastUnit * w + span)) {
            dots4Tail(ix, in, x0, x1, x2, x3, delta, d, w, vectorEnd, keep, sums);
            return;
        }
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int u = 0; u < ix.units; u++) {
            int p = u * ix.unitPositions;
            int sp = ix.shift[p] * w;
            int dp = d + p * w;
            for (int b = vectorEnd; b < span; b++) {
                float dv = delta[dp + b];
                s0 = Math.fma(in[x0 + sp + b], dv, s0);
                s1 = Math.fma(in[x1 + sp + b], dv, s1);
                s2 = Math.fma(in[x2 + sp + b], dv, s2);
                s3 = Math.fma(in[x3 + sp + b], dv, s3);
            }
        }
        sums[0] += s0;
        sums[1] += s1;
        sums[2] += s2;
        sums[3] += s3;
    }

    /** {@link #dots4Rest} in whole vectors: δ's lanes past the run multiplied by {@code keep}'s zeros. */
    private static void dots4Tail(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                  int w, int vectorEnd, float[] keep, float[] sums) {
        FloatVector k = FloatVector.fromArray(SPECIES, keep, 0);
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int u = 0; u < ix.units; u++) {
            int p = u * ix.unitPositions;
            int sp = ix.shift[p] * w + vectorEnd;
            FloatVector dv = FloatVector.fromArray(SPECIES, delta, d + p * w + vectorEnd).mul(k);
            a0 = FloatVector.fromArray(SPECIES, in, x0 + sp).fma(dv, a0);
            a1 = FloatVector.fromArray(SPECIES, in, x1 + sp).fma(dv, a1);
            a2 = FloatVector.fromArray(SPECIES, in, x2 + sp).fma(dv, a2);
            a3 = FloatVector.fromArray(SPECIES, in, x3 + sp).fma(dv, a3);
        }
        sums[0] += a0.reduceLanes(VectorOperators.ADD);
        sums[1] += a1.reduceLanes(VectorOperators.ADD);
        sums[2] += a2.reduceLanes(VectorOperators.ADD);
        sums[3] += a3.reduceLanes(VectorOperators.ADD);
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
        float[] lanes = slack(delta, deltaBase + rowLength * ix.geometry.outChannels()) ? new float[L] : null;
        java.util.Arrays.fill(dx, dxBase + from * plane * width, dxBase + to * plane * width, 0f);
        for (int u = 0; u + 1 < readStart.length; u++) {
            for (int c = from; c < to; c++) {
                for (int j = readStart[u]; j < readStart[u + 1]; j++) {
                    int r = c * taps + readTap[j];
                    if (rowStart[r] < rowStart[r + 1]) {
                        tapSum(ix.entrySlot, ix.entryOut, rowStart[r], rowStart[r + 1], values, delta,
                                deltaBase + readPosition[j] * width, rowLength, dx,
                                dxBase + (c * plane + readTarget[j]) * width, span, lanes);
                    }
                }
            }
        }
    }

    /**
     * {@code dx[d + b] += Σ_e v[slot[e]] · delta[at + out[e] · rowLength + b]} over entries {@code [first, end)} of one
     * tap, for {@code b} in {@code [0, span)}; each width a method of its own, as in {@link #forwardSpan}.
     */
    private static void tapSum(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                               int rowLength, float[] dx, int d, int span, float[] lanes) {
        int b = 0;
        for (; b + 8 * L <= span; b += 8 * L) {
            tapSum8(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b);
        }
        if (lanes != null && b < span) {
            // the rest in one pass, as in forwardSpan; lanes holds the last (partial) vector of dx
            if (span - b > 4 * L) {
                tapSum4(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b);
                b += 4 * L;
            }
            int rest = span - b;
            int last = (rest - 1) / L * L;
            System.arraycopy(dx, d + b + last, lanes, 0, rest - last);
            switch ((rest + L - 1) / L) {
                case 1 -> tapSumTail(slot, out, first, end, values, delta, at + b, rowLength, lanes);
                case 2 -> tapSumRest2(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b, lanes);
                case 3 -> tapSumRest3(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b, lanes);
                default -> tapSumRest4(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b, lanes);
            }
            System.arraycopy(lanes, 0, dx, d + b + last, rest - last);
            return;
        }
        if (b + 4 * L <= span) {
            tapSum4(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b);
            b += 4 * L;
        }
        for (; b + L <= span; b += L) {
            tapSum1(slot, out, first, end, values, delta, at + b, rowLength, dx, d + b);
        }
        if (b < span && lanes != null) {
            System.arraycopy(dx, d + b, lanes, 0, span - b);
            tapSumTail(slot, out, first, end, values, delta, at + b, rowLength, lanes);
            System.arraycopy(lanes, 0, dx, d + b, span - b);
            return;
        }
        for (; b < span; b++) {
            dx[d + b] += ConvFloatKernel.tapColumn(first, end, slot, out, values, delta, at + b, rowLength);
        }
    }

    /** The last, partial vector of {@link #tapSum}, added to {@code lanes} (which holds the values of {@code dx}). */
    private static void tapSumTail(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                   int rowLength, float[] lanes) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, lanes, 0);
        for (int e = first; e < end; e++) {
            a0 = FloatVector.fromArray(SPECIES, delta, at + out[e] * rowLength)
                    .fma(FloatVector.broadcast(SPECIES, values[slot[e]]), a0);
        }
        a0.intoArray(lanes, 0);
    }

    /** The last 2 vectors of {@link #tapSum}: the first in {@code dx}, the second whole in {@code lanes}. */
    private static void tapSumRest2(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                    int rowLength, float[] dx, int d, float[] lanes) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d);
        FloatVector a1 = FloatVector.fromArray(SPECIES, lanes, 0);
        for (int e = first; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
            int s = at + out[e] * rowLength;
            a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
        }
        a0.intoArray(dx, d);
        a1.intoArray(lanes, 0);
    }

    /** The last 3 vectors of {@link #tapSum}, the third whole in {@code lanes}. */
    private static void tapSumRest3(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                    int rowLength, float[] dx, int d, float[] lanes) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d);
        FloatVector a1 = FloatVector.fromArray(SPECIES, dx, d + L);
        FloatVector a2 = FloatVector.fromArray(SPECIES, lanes, 0);
        for (int e = first; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
            int s = at + out[e] * rowLength;
            a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, delta, s + 2 * L).fma(v, a2);
        }
        a0.intoArray(dx, d);
        a1.intoArray(dx, d + L);
        a2.intoArray(lanes, 0);
    }

    /** The last 4 vectors of {@link #tapSum}, the fourth whole in {@code lanes}. */
    private static void tapSumRest4(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                    int rowLength, float[] dx, int d, float[] lanes) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d);
        FloatVector a1 = FloatVector.fromArray(SPECIES, dx, d + L);
        FloatVector a2 = FloatVector.fromArray(SPECIES, dx, d + 2 * L);
        FloatVector a3 = FloatVector.fromArray(SPECIES, lanes, 0);
        for (int e = first; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
            int s = at + out[e] * rowLength;
            a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, delta, s + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, delta, s + 3 * L).fma(v, a3);
        }
        a0.intoArray(dx, d);
        a1.intoArray(dx, d + L);
        a2.intoArray(dx, d + 2 * L);
        a3.intoArray(lanes, 0);
    }

    /** 8 vectors of {@link #tapSum} at {@code b}. */
    private static void tapSum8(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                int rowLength, float[] dx, int d) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d);
        FloatVector a1 = FloatVector.fromArray(SPECIES, dx, d + L);
        FloatVector a2 = FloatVector.fromArray(SPECIES, dx, d + 2 * L);
        FloatVector a3 = FloatVector.fromArray(SPECIES, dx, d + 3 * L);
        FloatVector a4 = FloatVector.fromArray(SPECIES, dx, d + 4 * L);
        FloatVector a5 = FloatVector.fromArray(SPECIES, dx, d + 5 * L);
        FloatVector a6 = FloatVector.fromArray(SPECIES, dx, d + 6 * L);
        FloatVector a7 = FloatVector.fromArray(SPECIES, dx, d + 7 * L);
        for (int e = first; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
            int s = at + out[e] * rowLength;
            a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, delta, s + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, delta, s + 3 * L).fma(v, a3);
            a4 = FloatVector.fromArray(SPECIES, delta, s + 4 * L).fma(v, a4);
            a5 = FloatVector.fromArray(SPECIES, delta, s + 5 * L).fma(v, a5);
            a6 = FloatVector.fromArray(SPECIES, delta, s + 6 * L).fma(v, a6);
            a7 = FloatVector.fromArray(SPECIES, delta, s + 7 * L).fma(v, a7);
        }
        a0.intoArray(dx, d);
        a1.intoArray(dx, d + L);
        a2.intoArray(dx, d + 2 * L);
        a3.intoArray(dx, d + 3 * L);
        a4.intoArray(dx, d + 4 * L);
        a5.intoArray(dx, d + 5 * L);
        a6.intoArray(dx, d + 6 * L);
        a7.intoArray(dx, d + 7 * L);
    }

    /** 4 vectors of {@link #tapSum} at {@code b}. */
    private static void tapSum4(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                int rowLength, float[] dx, int d) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d);
        FloatVector a1 = FloatVector.fromArray(SPECIES, dx, d + L);
        FloatVector a2 = FloatVector.fromArray(SPECIES, dx, d + 2 * L);
        FloatVector a3 = FloatVector.fromArray(SPECIES, dx, d + 3 * L);
        for (int e = first; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
            int s = at + out[e] * rowLength;
            a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
            a1 = FloatVector.fromArray(SPECIES, delta, s + L).fma(v, a1);
            a2 = FloatVector.fromArray(SPECIES, delta, s + 2 * L).fma(v, a2);
            a3 = FloatVector.fromArray(SPECIES, delta, s + 3 * L).fma(v, a3);
        }
        a0.intoArray(dx, d);
        a1.intoArray(dx, d + L);
        a2.intoArray(dx, d + 2 * L);
        a3.intoArray(dx, d + 3 * L);
    }

    /** 1 vector of {@link #tapSum} at {@code b}. */
    private static void tapSum1(int[] slot, int[] out, int first, int end, float[] values, float[] delta, int at,
                                int rowLength, float[] dx, int d) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, dx, d);
        for (int e = first; e < end; e++) {
            FloatVector v = FloatVector.broadcast(SPECIES, values[slot[e]]);
            int s = at + out[e] * rowLength;
            a0 = FloatVector.fromArray(SPECIES, delta, s).fma(v, a0);
        }
        a0.intoArray(dx, d);
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
