package io.github.dl4jsparse.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The clock of the interleaved-median tools ({@link RouteCalibration}, {@link ConvRouteCalibration},
 * {@link LeNet5Timing}, {@link LstmTiming}, {@link ZooTiming}).
 */
final class Timing {

    private Timing() {
    }

    /** Runs {@code op} for about {@code seconds} (at least twice) and returns the mean nanoseconds per call. */
    static double timePerCall(Runnable op, double seconds) {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int calls = 0;
        long now;
        do {
            op.run();
            calls++;
            now = System.nanoTime();
        } while (now < end || calls < 2);
        return (now - start) / (double) calls;
    }

    /**
     * Interleaved rounds: warms {@code op} up on every item for {@code warmSeconds}, then times each item in turn for
     * {@code roundSeconds} per round, so all items see the same machine state.
     *
     * @return per item, per round: milliseconds per call
     */
    static <T> double[][] interleaved(List<T> items, Consumer<T> op, int rounds, double warmSeconds,
                                      double roundSeconds) {
        for (T item : items) {
            timePerCall(() -> op.accept(item), warmSeconds);
        }
        double[][] ms = new double[items.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int n = 0; n < items.size(); n++) {
                T item = items.get(n);
                ms[n][r] = timePerCall(() -> op.accept(item), roundSeconds) / 1e6;
            }
        }
        return ms;
    }

    /** @return the median over rounds of {@code a[k] / b[k]}: a ratio taken per round */
    static double medianRatio(double[] a, double[] b) {
        double[] r = new double[a.length];
        for (int k = 0; k < a.length; k++) {
            r[k] = a[k] / b[k];
        }
        return median(r);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
