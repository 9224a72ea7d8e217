package io.github.dl4jsparse.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SparseConvKernels} against a direct convolution written out loop by loop in double precision: the forward
 * product, the weight gradient at the active connections and the input gradient, for every float implementation
 * available in this JVM (plain Java, and the Vector API when its module is present) and in double precision, over
 * strides, dilations, padding, rectangular kernels and minibatches of partial, one and several tiles; and the layout
 * conversions of {@link ImageTiles}.
 */
class SparseConvKernelsTest {

    @AfterEach
    void restoreThreads() {
        SparseKernels.setThreads(1);
    }

    /** A convolution with random active connections, input and output gradient, and its direct results. */
    private static final class Case {
        final ConvGeometry g;
        final ConvIndex ix;
        final int batch;
        final int[] positions;
        final double[] values;
        final double[] x;     // [batch, C, H, W]
        final double[] delta; // [batch, O, outH, outW]
        final double[] z;
        final double[] dW;
        final double[] dx;

        Case(ConvGeometry g, int batch, double density, long seed) {
            this.g = g;
            this.batch = batch;
            Random r = new Random(seed);
            int rows = g.connectionRows();
            positions = IntStream.range(0, rows * g.outChannels()).filter(q -> r.nextDouble() < density).toArray();
            ix = ConvIndex.of(SparsePattern.of(rows, g.outChannels(), java.util.Arrays.stream(positions).asLongStream().toArray()), g);
            values = r.doubles(positions.length, -1, 1).toArray();
            x = r.doubles((long) batch * g.inputSize(), -1, 1).toArray();
            delta = r.doubles((long) batch * g.outputSize(), -1, 1).toArray();
            z = new double[batch * g.outputSize()];
            dW = new double[positions.length];
            dx = new double[batch * g.inputSize()];
            direct();
        }

        /** The three products summed term by term over every active connection, output position and example. */
        private void direct() {
            int taps = g.kernelH() * g.kernelW();
            for (int k = 0; k < positions.length; k++) {
                int row = positions[k] % g.connectionRows();
                int o = positions[k] / g.connectionRows();
                int c = row / taps;
                int kh = row % taps / g.kernelW();
                int kw = row % g.kernelW();
                for (int b = 0; b < batch; b++) {
                    for (int oh = 0; oh < g.outH(); oh++) {
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int y = oh * g.strideH() + kh * g.dilationH() - g.padTop();
                            int xx = ow * g.strideW() + kw * g.dilationW() - g.padLeft();
                            if (y < 0 || y >= g.height() || xx < 0 || xx >= g.width()) {
                                continue;
                            }
                            int in = ((b * g.channels() + c) * g.height() + y) * g.width() + xx;
                            int out = ((b * g.outChannels() + o) * g.outH() + oh) * g.outW() + ow;
                            z[out] += values[k] * x[in];
                            dW[k] += x[in] * delta[out];
                            dx[in] += values[k] * delta[out];
                        }
                    }
                }
            }
        }
    }

    private static ConvGeometry truncate(int c, int h, int w, int o, int kh, int kw, int stride, int dilation, int pad) {
        int outH = (h + 2 * pad - ((kh - 1) * dilation + 1)) / stride + 1;
        int outW = (w + 2 * pad - ((kw - 1) * dilation + 1)) / stride + 1;
        return new ConvGeometry(c, h, w, o, kh, kw, stride, stride, dilation, dilation, pad, pad, outH, outW);
    }

    private static List<ConvFloatKernel> floatKernels() {
        List<ConvFloatKernel> kernels = new ArrayList<>();
        kernels.add(new PlainConvKernel());
        if (SparseKernels.vectorised()) {
            kernels.add(SparseKernels.vectorOrPlain("VectorConvKernel", PlainConvKernel::new));
        }
        return kernels;
    }

    /** An array of finite garbage: the kernels overwrite what they compute and never read what they should not. */
    private static float[] garbage(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1234.5f);
        return a;
    }

    private static float[] floats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static void assertClose(double[] expected, float[] actual, int n, double relative, String what) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0, what + ": all zeros");
        assertTrue(diff <= relative * scale, what + " differs by " + diff + " of " + scale);
    }

    private static void assertClose(double[] expected, double[] actual, int n, double relative, String what) {
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 0, what + ": all zeros");
        assertTrue(diff <= relative * scale, what + " differs by " + diff + " of " + scale);
    }

    @ParameterizedTest(name = "C{0} {1}x{2} -> {3}, kernel {4}x{5}, stride {6}, dilation {7}, pad {8}, batch {9}")
    @CsvSource({
            "3, 9, 8, 5, 3, 3, 1, 1, 0, 1",
            "3, 9, 8, 5, 3, 3, 1, 1, 1, 64",
            "2, 11, 7, 4, 5, 3, 2, 1, 2, 70",
            "4, 10, 10, 6, 3, 2, 1, 2, 1, 130",
            "1, 12, 12, 7, 5, 5, 3, 1, 0, 17",
            "5, 6, 9, 3, 2, 4, 2, 2, 1, 33",
            // small minibatches on whole output rows (stride 1): runs of 28 = 16 + 8 + 4, 112, 135 = 128 + 4 + 3, 37
            "16, 7, 7, 20, 1, 1, 1, 1, 0, 4",
            "8, 14, 14, 12, 3, 3, 1, 1, 1, 8",
            "3, 6, 45, 5, 3, 3, 1, 1, 1, 3",
            "4, 9, 37, 6, 3, 3, 1, 2, 2, 1",
            // ... and per position (stride 2): ResNet's 7 × 7 stem and a 1 × 1 projection
            "3, 16, 16, 8, 7, 7, 2, 1, 3, 4",
            "6, 8, 8, 10, 1, 1, 2, 1, 0, 5"})
    void kernelsComputeTheDirectConvolution(int c, int h, int w, int o, int kh, int kw, int stride, int dilation,
                                            int pad, int batch) {
        assertKernelsComputeTheDirectConvolution(new Case(truncate(c, h, w, o, kh, kw, stride, dilation, pad), batch, 0.4, 11));
    }

    /** Whole output rows with a vertical stride of 2: rows of the output read every other row of the input. */
    @Test
    void kernelsComputeTheDirectConvolutionWithAVerticalStrideOnly() {
        // 5 x 11 input, 3 x 3 kernel, stride (2, 1), padding (1, 1): output 3 x 11
        ConvGeometry g = new ConvGeometry(4, 5, 11, 6, 3, 3, 2, 1, 1, 1, 1, 1, 3, 11);
        assertKernelsComputeTheDirectConvolution(new Case(g, 6, 0.4, 12));
    }

    private static void assertKernelsComputeTheDirectConvolution(Case t) {
        ConvGeometry g = t.g;
        int batch = t.batch;
        ImageTiles.Frame in = ImageTiles.Frame.input(g);
        ImageTiles.Frame out = ImageTiles.Frame.output(g);
        // exact arrays, and arrays with the slack of the layers' arrays (filled with garbage the kernels must not use)
        for (int extra : new int[]{0, ImageTiles.SLACK}) {
            for (ConvFloatKernel kernel : floatKernels()) {
                String name = kernel.name() + (extra > 0 ? " with slack" : "");
                float[] xT = garbage(batch * g.paddedInputSize() + extra);
                ImageTiles.pack(floats(t.x), in, batch, false, xT);
                float[] deltaT = garbage(batch * g.outputSize() + extra);
                ImageTiles.pack(floats(t.delta), out, batch, false, deltaT);
                float[] v = floats(t.values);

                float[] zT = garbage(batch * g.outputSize() + extra);
                SparseConvKernels.forward(kernel, t.ix, v, xT, batch, zT);
                float[] z = new float[batch * g.outputSize()];
                ImageTiles.unpack(zT, out, batch, null, false, z);
                assertClose(t.z, z, z.length, 1e-5, name + " forward");

                float[] grad = new float[v.length];
                SparseConvKernels.weightGradient(kernel, t.ix, xT, deltaT, batch, grad);
                assertClose(t.dW, grad, grad.length, 1e-5, name + " weight gradient");

                float[] dxT = garbage(xT.length);
                SparseConvKernels.backwardInput(kernel, t.ix, v, deltaT, batch, dxT);
                float[] dx = new float[t.dx.length];
                ImageTiles.unpack(dxT, in, batch, null, false, dx);
                assertClose(t.dx, dx, dx.length, 1e-5, name + " input gradient");
            }
        }

        double[] xT = new double[batch * g.paddedInputSize()];
        ImageTiles.pack(t.x, in, batch, false, xT);
        double[] deltaT = new double[batch * g.outputSize()];
        ImageTiles.pack(t.delta, out, batch, false, deltaT);
        double[] zT = new double[batch * g.outputSize()];
        SparseConvKernels.forward(t.ix, t.values, xT, batch, zT);
        double[] z = new double[zT.length];
        ImageTiles.unpack(zT, out, batch, null, false, z);
        assertClose(t.z, z, z.length, 1e-12, "double forward");
        double[] grad = new double[t.values.length];
        SparseConvKernels.weightGradient(t.ix, xT, deltaT, batch, grad);
        assertClose(t.dW, grad, grad.length, 1e-12, "double weight gradient");
        double[] dxT = new double[xT.length];
        SparseConvKernels.backwardInput(t.ix, t.values, deltaT, batch, dxT);
        double[] dx = new double[t.dx.length];
        ImageTiles.unpack(dxT, in, batch, null, false, dx);
        assertClose(t.dx, dx, dx.length, 1e-12, "double input gradient");
    }

    @ParameterizedTest(name = "batch {0}")
    @CsvSource({"70", "4"})
    void resultsAreBitIdenticalForAnyThreadCount(int batch) {
        Case t = new Case(truncate(6, 10, 10, 8, 3, 3, 1, 1, 1), batch, 0.3, 5);
        ConvGeometry g = t.g;
        float[] xT = new float[t.batch * g.paddedInputSize()];
        ImageTiles.pack(floats(t.x), ImageTiles.Frame.input(g), t.batch, false, xT);
        float[] deltaT = new float[t.batch * g.outputSize()];
        ImageTiles.pack(floats(t.delta), ImageTiles.Frame.output(g), t.batch, false, deltaT);
        float[] v = floats(t.values);
        float[][][] results = new float[2][][];
        int[] threads = {1, 3};
        for (int r = 0; r < 2; r++) {
            SparseKernels.setThreads(threads[r]);
            float[] zT = new float[t.batch * g.outputSize()];
            float[] grad = new float[v.length];
            float[] dxT = new float[xT.length];
            SparseConvKernels.forward(t.ix, v, xT, t.batch, zT);
            SparseConvKernels.weightGradient(t.ix, xT, deltaT, t.batch, grad);
            SparseConvKernels.backwardInput(t.ix, v, deltaT, t.batch, dxT);
            results[r] = new float[][]{zT, grad, dxT};
        }
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(results[0][k], results[1][k], "product " + k + " depends on the thread count");
        }
    }

    @Test
    void packAndUnpackAreInverseInBothDataFormats() {
        ConvGeometry g = truncate(3, 5, 4, 2, 3, 3, 1, 1, 1);
        int batch = 67;
        float[] x = new float[batch * g.inputSize()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        for (boolean channelsLast : new boolean[]{false, true}) {
            float[] tiled = new float[batch * g.paddedInputSize()];
            ImageTiles.pack(x, ImageTiles.Frame.input(g), batch, channelsLast, tiled);
            float[] back = new float[x.length];
            ImageTiles.unpack(tiled, ImageTiles.Frame.input(g), batch, null, channelsLast, back);
            assertArrayEquals(x, back, "channels last " + channelsLast);
            // the padding frame holds zeros: every value of the input once, plus zeros
            double padded = 0;
            for (float f : tiled) {
                padded += f;
            }
            double sum = 0;
            for (float f : x) {
                sum += f;
            }
            assertEquals(sum, padded, 1e-3 * sum);
        }
        // NHWC element (b, y, x, c) is NCHW element (b, c, y, x)
        float[] tiled = new float[batch * g.paddedInputSize()];
        ImageTiles.pack(x, ImageTiles.Frame.input(g), batch, true, tiled);
        float[] nchw = new float[x.length];
        ImageTiles.unpack(tiled, ImageTiles.Frame.input(g), batch, null, false, nchw);
        int b = 66;
        int c = 2;
        int y = 4;
        int xx = 1;
        assertEquals(x[((b * g.height() + y) * g.width() + xx) * g.channels() + c],
                nchw[((b * g.channels() + c) * g.height() + y) * g.width() + xx]);
    }

    @Test
    void anIndexRefusesAPatternOfAnotherShape() {
        ConvGeometry g = truncate(2, 6, 6, 3, 3, 3, 1, 1, 0);
        SparsePattern wrong = SparsePattern.of(17, 3, new long[]{0, 5});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvIndex.of(wrong, g));
        assertTrue(e.getMessage().contains("18 rows"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new ConvGeometry(2, 6, 6, 3, 3, 3, 0, 1, 1, 1, 0, 0, 4, 4));
        assertTrue(bad.getMessage().contains("strideH must be >= 1, got 0"), bad.getMessage());
    }
}
