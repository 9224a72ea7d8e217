package io.github.dl4jsparse.kernels;

/**
 * The three products of a sparse linear layer's training step on the active connections only, in plain Java, with
 * the minibatch as the contiguous inner dimension so the inner loops vectorise: inputs are given transposed,
 * {@code xT[i·batch + b] = x[b, i]}, and so are the results.
 * <ul>
 *   <li>{@link #forward}: {@code zT = (x · W)ᵀ}, work {@code active · batch};</li>
 *   <li>{@link #backwardInput}: {@code dxT = (δ · Wᵀ)ᵀ}, same work;</li>
 *   <li>{@link #weightGradient}: {@code dW[k] = Σ_b x[b, row_k] · δ[b, col_k]} for the active entries only.</li>
 * </ul>
 */
public final class SparseKernels {

    private SparseKernels() {
    }

    /** {@code zT[j·batch + b] = Σ_k W[k] · xT[row_k·batch + b]}; overwrites {@code zT} ({@code nOut · batch}). */
    public static void forward(CscMatrix w, float[] xT, int batch, float[] zT) {
        java.util.Arrays.fill(zT, 0, w.nOut * batch, 0f);
        for (int j = 0; j < w.nOut; j++) {
            int out = j * batch;
            int k = w.colStart[j];
            int end = w.colStart[j + 1];
            // four active entries at a time: one load and store of zT per four multiply-adds
            for (; k + 3 < end; k += 4) {
                float v0 = w.values[k];
                float v1 = w.values[k + 1];
                float v2 = w.values[k + 2];
                float v3 = w.values[k + 3];
                int i0 = w.rows[k] * batch;
                int i1 = w.rows[k + 1] * batch;
                int i2 = w.rows[k + 2] * batch;
                int i3 = w.rows[k + 3] * batch;
                for (int b = 0; b < batch; b++) {
                    zT[out + b] += v0 * xT[i0 + b] + v1 * xT[i1 + b] + v2 * xT[i2 + b] + v3 * xT[i3 + b];
                }
            }
            for (; k < end; k++) {
                float v = w.values[k];
                int in = w.rows[k] * batch;
                for (int b = 0; b < batch; b++) {
                    zT[out + b] += v * xT[in + b];
                }
            }
        }
    }

    /** {@code dxT[i·batch + b] = Σ_j W[i, j] · δT[j·batch + b]}; overwrites {@code dxT} ({@code nIn · batch}). */
    public static void backwardInput(CscMatrix w, float[] deltaT, int batch, float[] dxT) {
        java.util.Arrays.fill(dxT, 0, w.nIn * batch, 0f);
        for (int j = 0; j < w.nOut; j++) {
            int d = j * batch;
            for (int k = w.colStart[j]; k < w.colStart[j + 1]; k++) {
                float v = w.values[k];
                int out = w.rows[k] * batch;
                for (int b = 0; b < batch; b++) {
                    dxT[out + b] += v * deltaT[d + b];
                }
            }
        }
    }

    /** {@code grad[k] = Σ_b xT[row_k·batch + b] · δT[col_k·batch + b]} for every active entry {@code k}. */
    public static void weightGradient(CscMatrix w, float[] xT, float[] deltaT, int batch, float[] grad) {
        for (int j = 0; j < w.nOut; j++) {
            int d = j * batch;
            for (int k = w.colStart[j]; k < w.colStart[j + 1]; k++) {
                int in = w.rows[k] * batch;
                float sum = 0f;
                for (int b = 0; b < batch; b++) {
                    sum += xT[in + b] * deltaT[d + b];
                }
                grad[k] = sum;
            }
        }
    }
}
