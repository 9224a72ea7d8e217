package io.github.dl4jsparse.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

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
                    float sum = 0f;
                    for (int k = first; k < end; k++) {
                        sum = Math.fma(values[k], in[s + tap[k] * width + b], sum);
                    }
                    out[d + b] = sum;
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
        for (int o = from; o < to; o++) {
            int k = colStart[o];
            int end = colStart[o + 1];
            for (; k + 3 < end; k += 4) {
                float g0 = 0f;
                float g1 = 0f;
                float g2 = 0f;
                float g3 = 0f;
                for (int t = 0; t < ImageTiles.tiles(batch); t++) {
                    int w = ImageTiles.width(batch, t);
                    int inBase = ImageTiles.base(inRows, t);
                    int dBase = ImageTiles.base(outRows, t) + o * ix.positions * w;
                    float[] sums = dots4(ix, in, inBase + tap[k] * w, inBase + tap[k + 1] * w, inBase + tap[k + 2] * w,
                            inBase + tap[k + 3] * w, delta, dBase, w);
                    g0 += sums[0];
                    g1 += sums[1];
                    g2 += sums[2];
                    g3 += sums[3];
                }
                grad[k] = g0;
                grad[k + 1] = g1;
                grad[k + 2] = g2;
                grad[k + 3] = g3;
            }
            for (; k < end; k++) {
                float g = 0f;
                for (int t = 0; t < ImageTiles.tiles(batch); t++) {
                    int w = ImageTiles.width(batch, t);
                    int x = ImageTiles.base(inRows, t) + tap[k] * w;
                    g += dots4(ix, in, x, x, x, x, delta, ImageTiles.base(outRows, t) + o * ix.positions * w, w)[0];
                }
                grad[k] = g;
            }
        }
    }

    /**
     * Four dot products over one tile: {@code Σ_p Σ_b in[xj + shift[p] · w + b] · delta[d + p · w + b]} for the four
     * read offsets {@code xj}.
     */
    private static float[] dots4(ConvIndex ix, float[] in, int x0, int x1, int x2, int x3, float[] delta, int d,
                                 int w) {
        int[] shift = ix.shift;
        int vectorEnd = w - w % L;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        for (int p = 0; p < ix.positions; p++) {
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
        return new float[]{a0.reduceLanes(VectorOperators.ADD) + s0, a1.reduceLanes(VectorOperators.ADD) + s1,
                a2.reduceLanes(VectorOperators.ADD) + s2, a3.reduceLanes(VectorOperators.ADD) + s3};
    }

    @Override
    public void inputGradient(ConvIndex ix, float[] values, float[] delta, int deltaBase, float[] dx, int dxBase,
                              int width, int from, int to) {
        int[] tap = ix.tap;
        int[] shift = ix.shift;
        int positions = ix.positions;
        int vectorEnd = width - width % L;
        Arrays.fill(dx, dxBase + from * ix.paddedChannel * width, dxBase + to * ix.paddedChannel * width, 0f);
        for (int e = ix.channelStart[from]; e < ix.channelStart[to]; e++) {
            int k = ix.entrySlot[e];
            float value = values[k];
            FloatVector v = FloatVector.broadcast(SPECIES, value);
            int r = dxBase + tap[k] * width;
            int s = deltaBase + ix.entryOut[e] * positions * width;
            for (int p = 0; p < positions; p++) {
                int d = r + shift[p] * width;
                int q = s + p * width;
                int b = 0;
                for (; b < vectorEnd; b += L) {
                    FloatVector.fromArray(SPECIES, delta, q + b).fma(v, FloatVector.fromArray(SPECIES, dx, d + b))
                            .intoArray(dx, d + b);
                }
                for (; b < width; b++) {
                    dx[d + b] = Math.fma(value, delta[q + b], dx[d + b]);
                }
            }
        }
    }

    @Override
    public String name() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }
}
