package io.github.dl4jsparse.kernels;

import java.util.Arrays;

/**
 * {@link ConvFloatKernel} in plain Java: each connection adds its weight times a shifted row of the tile to an output
 * row (loops HotSpot vectorises on its own), weight gradients as dot products with four partial sums. Correct on any
 * JVM; {@link VectorConvKernel} keeps output rows in registers and is faster.
 */
final class PlainConvKernel implements ConvFloatKernel {

    @Override
    public void forward(ConvIndex ix, float[] values, float[] in, int inBase, float[] out, int outBase, int width,
                        int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int[] shift = ix.shift;
        int positions = ix.positions;
        for (int o = from; o < to; o++) {
            int end = colStart[o + 1];
            for (int p = 0; p < positions; p++) {
                int d = outBase + (o * positions + p) * width;
                Arrays.fill(out, d, d + width, 0f);
                int s = inBase + shift[p] * width;
                for (int k = colStart[o]; k < end; k++) {
                    float v = values[k];
                    int r = s + tap[k] * width;
                    for (int b = 0; b < width; b++) {
                        out[d + b] += v * in[r + b];
                    }
                }
            }
        }
    }

    @Override
    public void weightGradient(ConvIndex ix, float[] in, float[] delta, int batch, float[] grad, int from, int to) {
        int[] colStart = ix.colStart;
        int[] tap = ix.tap;
        int[] shift = ix.shift;
        int positions = ix.positions;
        int inRows = ix.geometry.paddedInputSize();
        int outRows = ix.geometry.outputSize();
        for (int o = from; o < to; o++) {
            for (int k = colStart[o]; k < colStart[o + 1]; k++) {
                float total = 0f;
                for (int t = 0; t < ImageTiles.tiles(batch); t++) {
                    int w = ImageTiles.width(batch, t);
                    int inBase = ImageTiles.base(inRows, t) + tap[k] * w;
                    int dBase = ImageTiles.base(outRows, t) + o * positions * w;
                    float s0 = 0f;
                    float s1 = 0f;
                    float s2 = 0f;
                    float s3 = 0f;
                    for (int p = 0; p < positions; p++) {
                        int x = inBase + shift[p] * w;
                        int d = dBase + p * w;
                        int b = 0;
                        for (; b + 3 < w; b += 4) {
                            s0 += in[x + b] * delta[d + b];
                            s1 += in[x + b + 1] * delta[d + b + 1];
                            s2 += in[x + b + 2] * delta[d + b + 2];
                            s3 += in[x + b + 3] * delta[d + b + 3];
                        }
                        for (; b < w; b++) {
                            s0 += in[x + b] * delta[d + b];
                        }
                    }
                    total += (s0 + s1) + (s2 + s3);
                }
                grad[k] = total;
            }
        }
    }

    @Override
    public void inputGradient(ConvIndex ix, float[] values, float[] delta, int deltaBase, float[] dx, int dxBase,
                              int width, int from, int to) {
        int[] tap = ix.tap;
        int[] shift = ix.shift;
        int positions = ix.positions;
        Arrays.fill(dx, dxBase + from * ix.paddedChannel * width, dxBase + to * ix.paddedChannel * width, 0f);
        for (int e = ix.channelStart[from]; e < ix.channelStart[to]; e++) {
            int k = ix.entrySlot[e];
            float v = values[k];
            int r = dxBase + tap[k] * width;
            int s = deltaBase + ix.entryOut[e] * positions * width;
            for (int p = 0; p < positions; p++) {
                int d = r + shift[p] * width;
                int q = s + p * width;
                for (int b = 0; b < width; b++) {
                    dx[d + b] += v * delta[q + b];
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
