package io.github.dl4jsparse.kernels;

import java.util.Arrays;

/**
 * The loops of {@link ConvFloatKernel} in double precision, plain Java: the route of double-precision networks, above
 * all the gradient checks, where exactness matters more than speed.
 */
final class DoubleConvKernel {

    private DoubleConvKernel() {
    }

    /** As {@link ConvFloatKernel#forward}. */
    static void forward(ConvIndex ix, double[] values, double[] in, int inBase, double[] out, int outBase, int width,
                        int from, int to) {
        int positions = ix.positions;
        for (int o = from; o < to; o++) {
            for (int p = 0; p < positions; p++) {
                int d = outBase + (o * positions + p) * width;
                Arrays.fill(out, d, d + width, 0.0);
                int s = inBase + ix.shift[p] * width;
                for (int k = ix.colStart[o]; k < ix.colStart[o + 1]; k++) {
                    double v = values[k];
                    int r = s + ix.tap[k] * width;
                    for (int b = 0; b < width; b++) {
                        out[d + b] += v * in[r + b];
                    }
                }
            }
        }
    }

    /** As {@link ConvFloatKernel#weightGradient}. */
    static void weightGradient(ConvIndex ix, double[] in, double[] delta, int batch, double[] grad, int from, int to) {
        int positions = ix.positions;
        int inRows = ix.geometry.paddedInputSize();
        int outRows = ix.geometry.outputSize();
        for (int o = from; o < to; o++) {
            for (int k = ix.colStart[o]; k < ix.colStart[o + 1]; k++) {
                double sum = 0.0;
                for (int t = 0; t < ImageTiles.tiles(batch); t++) {
                    int w = ImageTiles.width(batch, t);
                    int x = ImageTiles.base(inRows, t) + ix.tap[k] * w;
                    int d = ImageTiles.base(outRows, t) + o * positions * w;
                    for (int p = 0; p < positions; p++) {
                        int xp = x + ix.shift[p] * w;
                        int dp = d + p * w;
                        for (int b = 0; b < w; b++) {
                            sum += in[xp + b] * delta[dp + b];
                        }
                    }
                }
                grad[k] = sum;
            }
        }
    }

    /** As {@link ConvFloatKernel#inputGradient}. */
    static void inputGradient(ConvIndex ix, double[] values, double[] delta, int deltaBase, double[] dx, int dxBase,
                              int width, int from, int to) {
        int positions = ix.positions;
        Arrays.fill(dx, dxBase + from * ix.paddedChannel * width, dxBase + to * ix.paddedChannel * width, 0.0);
        for (int e = ix.channelStart[from]; e < ix.channelStart[to]; e++) {
            int k = ix.entrySlot[e];
            double v = values[k];
            int r = dxBase + ix.tap[k] * width;
            int s = deltaBase + ix.entryOut[e] * positions * width;
            for (int p = 0; p < positions; p++) {
                int d = r + ix.shift[p] * width;
                int q = s + p * width;
                for (int b = 0; b < width; b++) {
                    dx[d + b] += v * delta[q + b];
                }
            }
        }
    }
}
