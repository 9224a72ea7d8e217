package io.github.dl4jsparse.benchmarks;

import java.util.Arrays;

/** The clock of the interleaved-median tools ({@link RouteCalibration}, {@link ConvRouteCalibration}, {@link LeNet5Timing}). */
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

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
