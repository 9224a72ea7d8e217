package io.github.dl4jsparse.kernels;

import java.nio.FloatBuffer;

/**
 * The two loops every float product of {@link SparseKernels} reduces to, over a block {@code [from, to)} of outputs.
 * Arrays hold the minibatch innermost: {@code in[r · batch + b]}. An implementation computes each output from its
 * entries in their stored order, so the result of one output never depends on how the outputs are split into blocks.
 */
interface FloatKernel {

    /**
     * {@code out[o · batch + b] = Σ_e values[slot(e)] · in[idx[e] · batch + b]} over the entries {@code e} of
     * {@code start[o] .. start[o+1]-1}, for {@code o} in {@code [from, to)}; {@code slot(e)} is {@code slot[e]}, or
     * {@code e} when {@code slot} is null. Overwrites those outputs.
     */
    void product(int[] start, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch, float[] out,
                 int from, int to);

    /**
     * {@code grad[k] = Σ_b xT[rows[k] · batch + b] · dT[j · batch + b]} for the slots {@code k} of every column
     * {@code j} in {@code [from, to)}.
     */
    void activeDots(int[] colStart, int[] rows, float[] xT, float[] dT, int batch, FloatBuffer grad, int from, int to);

    /** @return a short name for logs and benchmarks */
    String name();

    /**
     * One minibatch entry {@code b} of one output: {@code Σ_e values[slot(e)] · in[idx[e] · batch + b]} over
     * {@code [s, end)}, with four partial sums (a single running sum waits on every addition).
     */
    static float column(int s, int end, int[] idx, int[] slot, FloatBuffer values, float[] in, int batch, int b) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int e = s;
        for (; e + 3 < end; e += 4) {
            s0 += values.get(slot == null ? e : slot[e]) * in[idx[e] * batch + b];
            s1 += values.get(slot == null ? e + 1 : slot[e + 1]) * in[idx[e + 1] * batch + b];
            s2 += values.get(slot == null ? e + 2 : slot[e + 2]) * in[idx[e + 2] * batch + b];
            s3 += values.get(slot == null ? e + 3 : slot[e + 3]) * in[idx[e + 3] * batch + b];
        }
        for (; e < end; e++) {
            s0 += values.get(slot == null ? e : slot[e]) * in[idx[e] * batch + b];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
