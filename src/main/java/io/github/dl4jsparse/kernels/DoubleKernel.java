package io.github.dl4jsparse.kernels;

import java.nio.DoubleBuffer;

/**
 * The loops of {@link FloatKernel} in double precision, plain Java: the route of double-precision networks, above all
 * the gradient checks, where exactness matters more than speed.
 */
final class DoubleKernel {

    private DoubleKernel() {
    }

    /** As {@link FloatKernel#product}. */
    static void product(int[] start, int[] idx, int[] slot, DoubleBuffer values, double[] in, int batch, double[] out,
                        int from, int to) {
        for (int o = from; o < to; o++) {
            int base = o * batch;
            java.util.Arrays.fill(out, base, base + batch, 0.0);
            for (int e = start[o]; e < start[o + 1]; e++) {
                double v = values.get(slot == null ? e : slot[e]);
                int r = idx[e] * batch;
                for (int b = 0; b < batch; b++) {
                    out[base + b] += v * in[r + b];
                }
            }
        }
    }

    /** As {@link FloatKernel#activeDots}. */
    static void activeDots(int[] colStart, int[] rows, double[] xT, double[] dT, int batch, DoubleBuffer grad,
                           int from, int to) {
        for (int j = from; j < to; j++) {
            int d = j * batch;
            for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                int x = rows[k] * batch;
                double sum = 0.0;
                for (int b = 0; b < batch; b++) {
                    sum += xT[x + b] * dT[d + b];
                }
                grad.put(k, sum);
            }
        }
    }
}
