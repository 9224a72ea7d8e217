package io.github.dl4jsparse.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The sparse kernels against dense products of the same masked weights computed in double precision (error at most
 * 1e-5 of the largest entry of the product),
 * for both float kernels (plain Java, and the Vector API where its module is present: CI runs this class both ways)
 * and the double one; results bit-identical for any thread count.
 */
class SparseKernelsTest {

    private static final int DEFAULT_THREADS = SparseKernels.threads();

    @AfterEach
    void restoreThreads() {
        SparseKernels.setThreads(DEFAULT_THREADS);
    }

    /** A random layer: weights, its active positions and a minibatch of inputs and output gradients. */
    private record Case(int nIn, int nOut, int batch, double[] w, int[] positions, double[] x, double[] delta) {

        static Case random(int nIn, int nOut, int batch, double density, long seed) {
            Random r = new Random(seed);
            List<Integer> active = new ArrayList<>();
            double[] w = new double[nIn * nOut];
            for (int q = 0; q < w.length; q++) {
                if (r.nextDouble() < density) {
                    active.add(q);
                    w[q] = (float) r.nextGaussian(); // float-exact, so float and double kernels see the same values
                }
            }
            return new Case(nIn, nOut, batch, w, active.stream().mapToInt(Integer::intValue).toArray(),
                    floatExact(r, batch * nIn), floatExact(r, batch * nOut));
        }

        SparsePattern pattern() {
            return SparsePattern.of(nIn, nOut, java.util.Arrays.stream(positions).asLongStream().toArray());
        }

        double[] values() {
            return Arrays.stream(positions).mapToDouble(q -> w[q]).toArray();
        }

        /** {@code x · W}, {@code [batch, nOut]} transposed: {@code [j · batch + b]}. */
        double[] z() {
            double[] z = new double[nOut * batch];
            for (int q : positions) {
                int i = q % nIn;
                int j = q / nIn;
                for (int b = 0; b < batch; b++) {
                    z[j * batch + b] += x[b * nIn + i] * w[q];
                }
            }
            return z;
        }

        /** {@code δ · Wᵀ} transposed: {@code [i · batch + b]}. */
        double[] dx() {
            double[] dx = new double[nIn * batch];
            for (int q : positions) {
                int i = q % nIn;
                int j = q / nIn;
                for (int b = 0; b < batch; b++) {
                    dx[i * batch + b] += delta[b * nOut + j] * w[q];
                }
            }
            return dx;
        }

        /** {@code (xᵀ · δ)} at the active positions, in slot order. */
        double[] dw() {
            double[] g = new double[positions.length];
            for (int k = 0; k < positions.length; k++) {
                int i = positions[k] % nIn;
                int j = positions[k] / nIn;
                for (int b = 0; b < batch; b++) {
                    g[k] += x[b * nIn + i] * delta[b * nOut + j];
                }
            }
            return g;
        }

        double[] xT() {
            return transpose(x, batch, nIn);
        }

        double[] deltaT() {
            return transpose(delta, batch, nOut);
        }
    }

    static FloatKernel plain() {
        return new PlainFloatKernel();
    }

    static FloatKernel vector() {
        assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "module jdk.incubator.vector not present in this JVM (CI runs this class with it too)");
        return new VectorFloatKernel();
    }

    @ParameterizedTest(name = "{0}x{1}, batch {2}, density {3}")
    @CsvSource({"37, 23, 5, 0.1", "64, 48, 32, 0.5", "20, 30, 7, 1.0", "50, 40, 16, 0.01", "8, 8, 1, 0.0",
            "300, 200, 1, 0.1", "130, 70, 71, 0.2", "64, 64, 256, 0.05", "40, 33, 100, 0.3"})
    void floatKernelsMatchDoubleDenseProducts(int nIn, int nOut, int batch, double density) {
        Case c = Case.random(nIn, nOut, batch, density, nIn * 31L + nOut + batch);
        checkFloat(plain(), c);
    }

    /** Run by the build's second test run, the one with the Vector API module ({@code vector-kernels} in the POM). */
    @Tag("vector-api")
    @ParameterizedTest(name = "{0}x{1}, batch {2}, density {3}")
    @CsvSource({"37, 23, 5, 0.1", "64, 48, 32, 0.5", "20, 30, 7, 1.0", "50, 40, 16, 0.01", "8, 8, 1, 0.0",
            "300, 200, 1, 0.1", "130, 70, 71, 0.2", "64, 64, 256, 0.05", "40, 33, 100, 0.3",
            "30, 20, 8, 0.3", "30, 20, 13, 0.3", "45, 21, 29, 0.2"}) // tails of 8, 8 + 4 + 1, 16 + 8 + 4 + 1
    void vectorKernelsMatchDoubleDenseProducts(int nIn, int nOut, int batch, double density) {
        FloatKernel vector = vector();
        Case c = Case.random(nIn, nOut, batch, density, nIn * 31L + nOut + batch);
        checkFloat(vector, c, 0);
        checkFloat(vector, c, 64); // inputs with slack, as the layers pass them: a partial vector runs whole
    }

    private static void checkFloat(FloatKernel kernel, Case c) {
        checkFloat(kernel, c, 0);
    }

    /** With {@code slack} NaNs after each input: lanes a kernel reads past the minibatch must not reach a result. */
    private static void checkFloat(FloatKernel kernel, Case c, int slack) {
        SparsePattern p = c.pattern();
        FloatBuffer values = FloatBuffer.wrap(toFloats(c.values()));
        float[] zT = new float[c.nOut * c.batch];
        SparseKernels.forward(kernel, p, values, withSlack(toFloats(c.xT()), slack), c.batch, zT);
        assertClose(c.z(), zT, "z");
        float[] dxT = new float[c.nIn * c.batch];
        SparseKernels.backwardInput(kernel, p, values, withSlack(toFloats(c.deltaT()), slack), c.batch, dxT);
        assertClose(c.dx(), dxT, "dx");
        FloatBuffer grad = FloatBuffer.allocate(p.activeCount());
        SparseKernels.weightGradient(kernel, p, toFloats(c.xT()), toFloats(c.deltaT()), c.batch, grad);
        assertClose(c.dw(), grad.array(), "dW");
    }

    private static float[] withSlack(float[] a, int slack) {
        float[] out = java.util.Arrays.copyOf(a, a.length + slack);
        java.util.Arrays.fill(out, a.length, out.length, Float.NaN);
        return out;
    }

    @ParameterizedTest(name = "{0}x{1}, batch {2}, density {3}")
    @CsvSource({"37, 23, 5, 0.1", "64, 48, 32, 0.5", "20, 30, 1, 1.0", "50, 40, 16, 0.01"})
    void doubleKernelsMatchDoubleDenseProducts(int nIn, int nOut, int batch, double density) {
        Case c = Case.random(nIn, nOut, batch, density, nIn * 7L + nOut);
        SparsePattern p = c.pattern();
        DoubleBuffer values = DoubleBuffer.wrap(c.values());
        double[] zT = new double[c.nOut * c.batch];
        SparseKernels.forward(p, values, c.xT(), c.batch, zT);
        assertArrayEquals(c.z(), zT, 1e-12);
        double[] dxT = new double[c.nIn * c.batch];
        SparseKernels.backwardInput(p, values, c.deltaT(), c.batch, dxT);
        assertArrayEquals(c.dx(), dxT, 1e-12);
        DoubleBuffer grad = DoubleBuffer.allocate(p.activeCount());
        SparseKernels.weightGradient(p, c.xT(), c.deltaT(), c.batch, grad);
        assertArrayEquals(c.dw(), grad.array(), 1e-12);
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        Case c = Case.random(700, 500, 48, 0.1, 5L); // 35 k connections x 48: above the threshold for threads
        List<float[]> results = new ArrayList<>();
        for (int threads : new int[]{1, 2, 3, 7}) {
            SparseKernels.setThreads(threads);
            assertEquals(threads, SparseKernels.threads());
            SparsePattern p = c.pattern();
            FloatBuffer values = FloatBuffer.wrap(toFloats(c.values()));
            float[] zT = new float[c.nOut * c.batch];
            float[] dxT = new float[c.nIn * c.batch];
            FloatBuffer grad = FloatBuffer.allocate(p.activeCount());
            SparseKernels.forward(p, values, toFloats(c.xT()), c.batch, zT);
            SparseKernels.backwardInput(p, values, toFloats(c.deltaT()), c.batch, dxT);
            SparseKernels.weightGradient(p, toFloats(c.xT()), toFloats(c.deltaT()), c.batch, grad);
            float[] all = new float[zT.length + dxT.length + grad.capacity()];
            System.arraycopy(zT, 0, all, 0, zT.length);
            System.arraycopy(dxT, 0, all, zT.length, dxT.length);
            System.arraycopy(grad.array(), 0, all, zT.length + dxT.length, grad.capacity());
            results.add(all);
        }
        for (int t = 1; t < results.size(); t++) {
            assertArrayEquals(results.get(0), results.get(t), "thread count changes the result");
        }
    }

    @Test
    void rejectsANonPositiveThreadCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparseKernels.setThreads(0));
        assertEquals("kernel thread count must be >= 1, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SparseKernels.setThreads(-3));
        assertEquals(DEFAULT_THREADS, SparseKernels.threads(), "a rejected count changes nothing");
    }

    @Test
    void patternRejectsPositionsOutOfRangeOrOrder() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparsePattern.of(2, 3, new long[]{0, 4, 4}));
        assertEquals("position entry 2 is 4: positions must be strictly increasing in [0, 6), previous 4", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SparsePattern.of(2, 3, new long[]{6}));
        assertThrows(IllegalArgumentException.class, () -> SparsePattern.of(2, 3, new long[]{-1}));
    }

    @Test
    void patternIndexesEveryConnectionByColumnAndByRow() {
        SparsePattern p = SparsePattern.of(3, 4, new long[]{1, 2, 3, 7, 11}); // (1,0) (2,0) (0,1) (1,2) (2,3)
        assertArrayEquals(new int[]{0, 2, 3, 4, 5}, p.colStart());
        assertArrayEquals(new int[]{1, 2, 0, 1, 2}, p.rows());
        assertArrayEquals(new int[]{0, 1, 3, 5}, p.rowStart);
        assertArrayEquals(new int[]{1, 0, 2, 0, 3}, p.cols);
        assertArrayEquals(new int[]{2, 0, 3, 1, 4}, p.rowSlot);
        assertEquals(5 / 12.0, p.density(), 0.0);
    }

    @Test
    void reportsWhichImplementationRuns() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertEquals(module, SparseKernels.vectorised());
        assertTrue(SparseKernels.implementation().startsWith(module ? "Vector API" : "plain Java"));
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        double scale = 1e-30;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int k = 0; k < expected.length; k++) {
            double err = Math.abs(expected[k] - actual[k]) / scale;
            assertTrue(err <= 1e-5, what + "[" + k + "]: expected " + expected[k] + ", got " + actual[k]);
        }
    }

    private static double[] floatExact(Random r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static float[] toFloats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** {@code a} is {@code [rows, cols]} row-major; returns {@code [cols, rows]} row-major. */
    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    @Test
    void theVectorApisAbsenceIsSaidOnceWithTheFlagAndTheSpeed() {
        SparseKernels.forgetKernelUse();
        String said = io.github.dl4jsparse.testutil.CapturedOutput.stderr(() -> {
            SparseKernels.noteKernelUse();
            SparseKernels.noteKernelUse();
        });
        String note = SparseKernels.kernelUseNote();
        if (SparseKernels.vectorised()) {
            assertEquals(null, note);
            assertFalse(said.contains("--add-modules"), said);
        } else {
            assertTrue(note.contains("--add-modules jdk.incubator.vector") && note.contains("faster"), note);
            assertEquals(said.indexOf(note), said.lastIndexOf(note), "said more than once: " + said);
            assertTrue(said.contains(note), "not said: " + said);
        }
    }
}
