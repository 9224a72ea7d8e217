package io.github.dl4jsparse.kernels;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link NonFiniteScan} (Vector API or plain Java, whichever this JVM runs: the suite runs this package with and
 * without the module) finds a NaN or an infinity at every position of runs of every length around the vector widths,
 * from an offset, in direct native-order buffers, and nothing among the largest and smallest finite values.
 */
class NonFiniteScanTest {

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    @Test
    void floatsAtEveryPositionAndLength() {
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00001)};
        for (int n = 0; n <= 70; n++) {
            int first = 3;
            ByteBuffer b = direct(4 * (first + n + 2));
            for (int i = 0; i < first + n + 2; i++) {
                b.putFloat(4 * i, i % 3 == 0 ? Float.MAX_VALUE : -Float.MIN_VALUE); // extreme but finite
            }
            b.putFloat(4 * (first - 1), Float.NaN);      // just before the run: not part of it
            b.putFloat(4 * (first + n), Float.NaN);      // just after
            assertEquals(false, NonFiniteScan.anyFloat(b, first, n), "finite run of " + n);
            for (int p = 0; p < n; p++) {
                float saved = b.getFloat(4 * (first + p));
                b.putFloat(4 * (first + p), bad[p % bad.length]);
                assertEquals(true, NonFiniteScan.anyFloat(b, first, n), "n " + n + ", position " + p);
                assertEquals(1, NonFiniteScan.countFloat(b, first, n), "count, n " + n + ", position " + p);
                b.putFloat(4 * (first + p), saved);
            }
        }
    }

    @Test
    void doublesAtEveryPositionAndLength() {
        double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int n = 0; n <= 40; n++) {
            int first = 1;
            ByteBuffer b = direct(8 * (first + n + 1));
            for (int i = 0; i < first + n + 1; i++) {
                b.putDouble(8 * i, i % 2 == 0 ? -Double.MAX_VALUE : Double.MIN_VALUE);
            }
            b.putDouble(0, Double.POSITIVE_INFINITY);
            b.putDouble(8 * (first + n), Double.NaN);
            assertEquals(false, NonFiniteScan.anyDouble(b, first, n), "finite run of " + n);
            for (int p = 0; p < n; p++) {
                double saved = b.getDouble(8 * (first + p));
                b.putDouble(8 * (first + p), bad[p % bad.length]);
                assertEquals(true, NonFiniteScan.anyDouble(b, first, n), "n " + n + ", position " + p);
                assertEquals(1, NonFiniteScan.countDouble(b, first, n), "count, n " + n + ", position " + p);
                b.putDouble(8 * (first + p), saved);
            }
        }
    }
}
