package io.github.dl4jsparse.kernels;

import java.nio.FloatBuffer;

/**
 * {@link FloatKernel} in plain Java, minibatch innermost: for small minibatches, tiles of eight minibatch entries
 * accumulated in registers; for large ones, four entries per pass over the minibatch (one load and store of the
 * output per four multiply-adds), which HotSpot's auto-vectoriser turns into SIMD code.
 */
final class PlainFloatKernel implements FloatKernel {

    /** From this minibatch size on, the minibatch loop is long enough for HotSpot's auto-vectoriser. */
    private static final int LONG_BATCH = 128;

    @Override
    public void product(int[] start, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch, float[] out,
                        int from, int to) {
        for (int o = from; o < to; o++) {
            int base = o * batch;
            int s = start[o];
            int end = start[o + 1];
            int b = 0;
            if (batch < LONG_BATCH) {
                // eight minibatch entries held in registers while all entries of the output stream past: short
                // minibatch loops are not worth the auto-vectoriser's pre- and post-loops
                for (; b + 8 <= batch; b += 8) {
                    tile8(s, end, idx, slot, values, in, batch, out, base + b, b);
                }
            } else {
                java.util.Arrays.fill(out, base, base + batch, 0f);
                int e = s;
                for (; e + 3 < end; e += 4) {
                    float v0 = values.get(slot == null ? e : slot[e]);
                    float v1 = values.get(slot == null ? e + 1 : slot[e + 1]);
                    float v2 = values.get(slot == null ? e + 2 : slot[e + 2]);
                    float v3 = values.get(slot == null ? e + 3 : slot[e + 3]);
                    int i0 = idx[e] * batch;
                    int i1 = idx[e + 1] * batch;
                    int i2 = idx[e + 2] * batch;
                    int i3 = idx[e + 3] * batch;
                    for (int c = 0; c < batch; c++) {
                        out[base + c] += v0 * in[i0 + c] + v1 * in[i1 + c] + v2 * in[i2 + c] + v3 * in[i3 + c];
                    }
                }
                for (; e < end; e++) {
                    float v = values.get(slot == null ? e : slot[e]);
                    int i0 = idx[e] * batch;
                    for (int c = 0; c < batch; c++) {
                        out[base + c] += v * in[i0 + c];
                    }
                }
                continue;
            }
            for (; b < batch; b++) {
                out[base + b] = FloatKernel.column(s, end, idx, slot, values, in, batch, b);
            }
        }
    }

    /** Minibatch entries {@code b .. b+7} of one output, written to {@code out[at .. at+7]}. */
    private static void tile8(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch,
                              float[] out, int at, int b) {
        float a0 = 0f;
        float a1 = 0f;
        float a2 = 0f;
        float a3 = 0f;
        float a4 = 0f;
        float a5 = 0f;
        float a6 = 0f;
        float a7 = 0f;
        for (int e = s; e < end; e++) {
            float v = values.get(slot == null ? e : slot[e]);
            int r = idx[e] * batch + b;
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
    public void activeDots(int[] colStart, int[] rows, float[] xT, float[] dT, int batch, FloatBuffer grad,
                           int from, int to) {
        for (int j = from; j < to; j++) {
            int d = j * batch;
            for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                int x = rows[k] * batch;
                // four partial sums: a single running sum waits on every addition
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                int b = 0;
                for (; b + 3 < batch; b += 4) {
                    s0 += xT[x + b] * dT[d + b];
                    s1 += xT[x + b + 1] * dT[d + b + 1];
                    s2 += xT[x + b + 2] * dT[d + b + 2];
                    s3 += xT[x + b + 3] * dT[d + b + 3];
                }
                for (; b < batch; b++) {
                    s0 += xT[x + b] * dT[d + b];
                }
                grad.put(k, (s0 + s1) + (s2 + s3));
            }
        }
    }

    @Override
    public String name() {
        return "plain Java";
    }
}
