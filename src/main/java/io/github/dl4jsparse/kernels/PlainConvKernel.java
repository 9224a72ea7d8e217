package io.github.dl4jsparse.kernels;

import java.util.Arrays;

/**
 * {@link ConvFloatKernel} in plain Java: the loops of {@link VectorConvKernel} with eight values of a unit in
 * scalar registers instead of vectors, weight gradients as dot products with four partial sums. Correct on any
 * JVM; the Vector API kernel is several times faster.
 */
final class PlainConvKernel implements ConvFloatKernel {

    @Override
    public void forward(ConvIndex ix, float[] values, float[] in, int inBase, float[] out, int outBase, int width,
                        int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int positions = ix.positions;
        int span = ix.unitPositions * width;
        for (int u = 0; u < ix.units; u++) {
            int p = u * ix.unitPositions;
            int s = inBase + ix.shift[p] * width;
            for (int o = from; o < to; o++) {
                int first = colStart[o];
                int end = colStart[o + 1];
                int d = outBase + (o * positions + p) * width;
                int b = 0;
                for (; b + 8 <= span; b += 8) {
                    tile8(first, end, tap, values, in, s + b, width, out, d + b);
                }
                for (; b < span; b++) {
                    out[d + b] = ConvFloatKernel.column(first, end, tap, values, in, s + b, width);
                }
            }
        }
    }

    /**
     * Eight values of a unit of one output channel, {@code out[at .. at+7]}, held in registers while the connections {@code [first, end)}
     * stream past (the loops' trip counts then do not depend on the minibatch, so the code HotSpot compiles for one
     * minibatch size serves all: an auto-vectorised loop over the examples compiled after batch-1 passes stayed scalar).
     */
    private static void tile8(int first, int end, int[] tap, float[] values, float[] in, int s, int width, float[] out,
                              int at) {
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        float a4 = 0f;
        float a5 = 0f;
        float a6 = 0f;
        float a7 = 0f;
        for (int k = first; k < end; k++) {
            float v = values[k];
            int r = s + tap[k] * width;
            a0 += v * in[r];
            a1 += v * in[r + 1];
            a2 += v * in[r + 2];
            a3 += v * in[r + 3];
            a4 += v * in[r + 4];
            a5 += v * in[r + 5];
            a6 += v * in[r + 6];
            a7 += v * in[r + 7];
        }
        out[at] = a0;
        out[at + 1] = a1;
        out[at + 2] = a2;
        out[at + 3] = a3;
        out[at + 4] = a4;
        out[at + 5] = a5;
        out[at + 6] = a6;
        out[at + 7] = a7;
    }

    @Override
    public void weightGradient(ConvIndex ix, float[] in, float[] delta, int batch, float[] grad, int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int[] shift = ix.shift;
        int positions = ix.positions;
        int unitPositions = ix.unitPositions;
        int inRows = ix.geometry.paddedInputSize();
        int outRows = ix.geometry.outputSize();
        for (int o = from; o < to; o++) {
            for (int k = colStart[o]; k < colStart[o + 1]; k++) {
                float total = 0f;
                for (int t = 0; t < ImageTiles.tiles(batch); t++) {
                    int w = ImageTiles.width(batch, t);
                    int span = unitPositions * w;
                    int inBase = ImageTiles.base(inRows, t) + tap[k] * w;
                    int dBase = ImageTiles.base(outRows, t) + o * positions * w;
                    float s0 = 0f;
                    float s1 = 0f;
                    float s2 = 0f;
                    float s3 = 0f;
                    for (int p = 0; p < positions; p += unitPositions) {
                        int x = inBase + shift[p] * w;
                        int d = dBase + p * w;
                        int b = 0;
                        for (; b + 3 < span; b += 4) {
                            s0 += in[x + b] * delta[d + b];
                            s1 += in[x + b + 1] * delta[d + b + 1];
                            s2 += in[x + b + 2] * delta[d + b + 2];
                            s3 += in[x + b + 3] * delta[d + b + 3];
                        }
                        for (; b < span; b++) {
                            s0 += in[x + b] * delta[d + b];
                        }
                    }
                    total += (s0 + s1) + (s2 + s3);
                }
                grad[k] = total;
            }
        }
    }

    /**
     * Gathered per unit of the padded input over the taps that read it, eight values at a time in registers over a
     * tap's connections (as {@link VectorConvKernel#inputGradient}).
     */
    @Override
    public void inputGradient(ConvIndex ix, float[] values, float[] delta, int deltaBase, float[] dx, int dxBase,
                              int width, int from, int to) {
        int taps = ix.geometry.kernelH() * ix.geometry.kernelW();
        int rowLength = ix.positions * width;
        int span = ix.unitPositions * width;
        int plane = ix.paddedChannel;
        int[] slot = ix.entrySlot;
        int[] outChannel = ix.entryOut;
        Arrays.fill(dx, dxBase + from * plane * width, dxBase + to * plane * width, 0f);
        for (int u = 0; u + 1 < ix.readStart.length; u++) {
            for (int c = from; c < to; c++) {
                for (int j = ix.readStart[u]; j < ix.readStart[u + 1]; j++) {
                    int r = c * taps + ix.readTap[j];
                    int first = ix.rowStart[r];
                    int end = ix.rowStart[r + 1];
                    int at = deltaBase + ix.readPosition[j] * width;
                    int d = dxBase + (c * plane + ix.readTarget[j]) * width;
                    int b = 0;
                    for (; b + 8 <= span; b += 8) {
                        float a0 = dx[d + b];
                        float a1 = dx[d + b + 1];
                        float a2 = dx[d + b + 2];
                        float a3 = dx[d + b + 3];
                        float a4 = dx[d + b + 4];
                        float a5 = dx[d + b + 5];
                        float a6 = dx[d + b + 6];
                        float a7 = dx[d + b + 7];
                        for (int e = first; e < end; e++) {
                            float v = values[slot[e]];
                            int s = at + outChannel[e] * rowLength + b;
                            a0 += v * delta[s];
                            a1 += v * delta[s + 1];
                            a2 += v * delta[s + 2];
                            a3 += v * delta[s + 3];
                            a4 += v * delta[s + 4];
                            a5 += v * delta[s + 5];
                            a6 += v * delta[s + 6];
                            a7 += v * delta[s + 7];
                        }
                        dx[d + b] = a0;
                        dx[d + b + 1] = a1;
                        dx[d + b + 2] = a2;
                        dx[d + b + 3] = a3;
                        dx[d + b + 4] = a4;
                        dx[d + b + 5] = a5;
                        dx[d + b + 6] = a6;
                        dx[d + b + 7] = a7;
                    }
                    for (; b < span; b++) {
                        dx[d + b] += ConvFloatKernel.tapColumn(first, end, slot, outChannel, values, delta, at + b, rowLength);
                    }
                }
            }
        }
    }

    @Override
    public void keepWherePositive(float[] delta, float[] z, float bias, int from, int to) {
        for (int q = from; q < to; q++) {
            // branch-free z + bias > 0 (signs are random, so a branch mispredicts half the time): the bits of the sum,
            // as an int, lie in [1, 0x7f800000] exactly for +subnormal .. +infinity; -0, negatives and NaN fall outside
            int bits = Float.floatToRawIntBits(z[q] + bias);
            int drop = ((bits - 1) | (0x7f800000 - bits)) >> 31;
            delta[q] = Float.intBitsToFloat(Float.floatToRawIntBits(delta[q]) & ~drop);
        }
    }

    @Override
    public float sum(float[] a, int from, int to) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int q = from;
        for (; q + 3 < to; q += 4) {
            s0 += a[q];
            s1 += a[q + 1];
            s2 += a[q + 2];
            s3 += a[q + 3];
        }
        for (; q < to; q++) {
            s0 += a[q];
        }
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public String name() {
        return "plain Java";
    }
}
