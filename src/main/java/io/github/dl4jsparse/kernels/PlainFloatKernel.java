package io.github.dl4jsparse.kernels;

import java.nio.FloatBuffer;

/**
 * {@link FloatKernel} in plain Java: the minibatch loop innermost, four entries per pass over it (one load and store
 * of the output per four multiply-adds), which HotSpot's auto-vectoriser turns into SIMD code.
 */
final class PlainFloatKernel implements FloatKernel {

    @Override
    public void product(int[] start, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch, float[] out,
                        int from, int to) {
        for (int o = from; o < to; o++) {
            int base = o * batch;
            java.util.Arrays.fill(out, base, base + batch, 0f);
            int e = start[o];
            int end = start[o + 1];
            if (batch == 1) {
                float sum = 0f;
                for (; e < end; e++) {
                    sum += values.get(slot == null ? e : slot[e]) * in[idx[e]];
                }
                out[base] = sum;
                continue;
            }
            for (; e + 3 < end; e += 4) {
                float v0 = values.get(slot == null ? e : slot[e]);
                float v1 = values.get(slot == null ? e + 1 : slot[e + 1]);
                float v2 = values.get(slot == null ? e + 2 : slot[e + 2]);
                float v3 = values.get(slot == null ? e + 3 : slot[e + 3]);
                int i0 = idx[e] * batch;
                int i1 = idx[e + 1] * batch;
                int i2 = idx[e + 2] * batch;
                int i3 = idx[e + 3] * batch;
                for (int b = 0; b < batch; b++) {
                    out[base + b] += v0 * in[i0 + b] + v1 * in[i1 + b] + v2 * in[i2 + b] + v3 * in[i3 + b];
                }
            }
            for (; e < end; e++) {
                float v = values.get(slot == null ? e : slot[e]);
                int i0 = idx[e] * batch;
                for (int b = 0; b < batch; b++) {
                    out[base + b] += v * in[i0 + b];
                }
            }
        }
    }

    @Override
    public void activeDots(int[] colStart, int[] rows, float[] xT, float[] dT, int batch, FloatBuffer grad,
                           int from, int to) {
        for (int j = from; j < to; j++) {
            int d = j * batch;
            for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                int x = rows[k] * batch;
                float sum = 0f;
                for (int b = 0; b < batch; b++) {
                    sum += xT[x + b] * dT[d + b];
                }
                grad.put(k, sum);
            }
        }
    }

    @Override
    public String name() {
        return "plain Java";
    }
}
