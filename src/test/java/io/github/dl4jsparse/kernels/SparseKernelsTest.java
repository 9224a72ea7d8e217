package io.github.dl4jsparse.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The sparse kernels against dense products with the masked weights, computed in double precision. */
class SparseKernelsTest {

    @ParameterizedTest
    @CsvSource({"37, 23, 5, 0.9", "64, 48, 32, 0.5", "20, 30, 7, 0.0", "50, 40, 16, 0.99", "8, 8, 1, 1.0"})
    void matchTheDenseProductsOfTheMaskedWeights(int nIn, int nOut, int batch, double sparsity) {
        Random r = new Random(nIn * 31L + nOut);
        float[] w = new float[nIn * nOut];
        float[] mask = new float[nIn * nOut];
        for (int p = 0; p < w.length; p++) {
            w[p] = (float) r.nextGaussian();
            mask[p] = r.nextDouble() >= sparsity ? 1f : 0f;
        }
        float[] x = randoms(r, batch * nIn);      // x[b, i] at b·nIn + i
        float[] delta = randoms(r, batch * nOut); // δ[b, j] at b·nOut + j
        CscMatrix csc = CscMatrix.of(w, mask, nIn, nOut);

        float[] zT = new float[nOut * batch];
        SparseKernels.forward(csc, transpose(x, batch, nIn), batch, zT);
        float[] dxT = new float[nIn * batch];
        SparseKernels.backwardInput(csc, transpose(delta, batch, nOut), batch, dxT);
        float[] grad = new float[csc.activeCount()];
        SparseKernels.weightGradient(csc, transpose(x, batch, nIn), transpose(delta, batch, nOut), batch, grad);

        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < nOut; j++) {
                double z = 0;
                for (int i = 0; i < nIn; i++) {
                    z += (double) x[b * nIn + i] * w[i + j * nIn] * mask[i + j * nIn];
                }
                assertEquals(z, zT[j * batch + b], 1e-4 * (1 + Math.abs(z)), "z[" + b + ", " + j + "]");
            }
            for (int i = 0; i < nIn; i++) {
                double dx = 0;
                for (int j = 0; j < nOut; j++) {
                    dx += (double) delta[b * nOut + j] * w[i + j * nIn] * mask[i + j * nIn];
                }
                assertEquals(dx, dxT[i * batch + b], 1e-4 * (1 + Math.abs(dx)), "dx[" + b + ", " + i + "]");
            }
        }
        int k = 0;
        for (int j = 0; j < nOut; j++) {
            for (int i = 0; i < nIn; i++) {
                if (mask[i + j * nIn] == 0f) {
                    continue;
                }
                double g = 0;
                for (int b = 0; b < batch; b++) {
                    g += (double) x[b * nIn + i] * delta[b * nOut + j];
                }
                assertEquals(g, grad[k], 1e-4 * (1 + Math.abs(g)), "dW[" + i + ", " + j + "]");
                assertEquals(w[i + j * nIn], csc.values()[k]);
                k++;
            }
        }
        assertEquals(k, csc.activeCount());
    }

    @org.junit.jupiter.api.Test
    void rejectsMismatchedSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CscMatrix.of(new float[6], new float[5], 2, 3));
        assertEquals("weights and mask must have nIn·nOut = 6 entries, got 6 and 5", e.getMessage());
    }

    private static float[] randoms(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** {@code a} is {@code [rows, cols]} row-major; returns {@code [cols, rows]} row-major. */
    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
