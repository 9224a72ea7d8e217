package io.github.dl4jsparse.kernels;

import java.nio.FloatBuffer;

/**
 * {@link FloatKernel} in plain Java, minibatch innermost: products in tiles of eight minibatch entries accumulated in
 * registers, dot products with four partial sums. Correct on any JVM; the Vector API kernel is several times faster.
 */
final class PlainFloatKernel implements FloatKernel {

    @Override
    public void product(int[] start, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch, float[] out,
                        int from, int to) {
        for (int o = from; o < to; o++) {
            int base = o * batch;
            int s = start[o];
            int end = start[o + 1];
            int b = 0;
            // eight minibatch entries held in registers while all entries of the output stream past (HotSpot's
            // auto-vectoriser gains little on minibatch loops this short: they are at most one tile long)
            for (; b + 8 <= batch; b += 8) {
                tile8(s, end, idx, slot, values, in, batch, out, base + b, b);
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
