package io.github.dl4jsparse.connectivity;

import java.util.Arrays;

/**
 * The degrees of one side of a layer's units: for output units their in-degree (active connections into each), for
 * input units their out-degree (active connections out of each), as a histogram of equal-width bins.
 *
 * @param units     number of units
 * @param dead      units of degree 0: an output unit that reads nothing, an input unit that nothing reads
 * @param min       smallest degree
 * @param max       largest degree
 * @param total     sum of the degrees: the layer's active connections
 * @param binWidth  width of each bin, {@code >= 1}; bin {@code b} counts the degrees in {@code [b·w, (b+1)·w)}
 * @param histogram units per bin, over {@code [0, maxPossible]}; sums to {@code units}
 */
public record DegreeSummary(long units, long dead, long min, long max, long total, long binWidth, long[] histogram) {

    /** Bins of a histogram at most. */
    public static final int MAX_BINS = 20;

    public DegreeSummary {
        histogram = histogram.clone();
        if (units < 0 || dead < 0 || dead > units || min < 0 || max < min || total < 0 || binWidth < 1
                || Arrays.stream(histogram).sum() != units || Arrays.stream(histogram).anyMatch(c -> c < 0)) {
            throw new IllegalArgumentException("inconsistent degree summary: units " + units + ", dead " + dead
                    + ", min " + min + ", max " + max + ", total " + total + ", bin width " + binWidth
                    + ", histogram " + Arrays.toString(histogram));
        }
    }

    /**
     * Summarises {@code degrees}, each in {@code [0, maxPossible]}.
     *
     * @throws IllegalArgumentException for no units or a degree outside {@code [0, maxPossible]}
     */
    public static DegreeSummary of(long[] degrees, long maxPossible) {
        if (degrees.length == 0) {
            throw new IllegalArgumentException("degree summary of no units");
        }
        long bins = Math.min(MAX_BINS, maxPossible + 1);
        long width = (maxPossible + bins) / bins; // ceil((maxPossible + 1) / bins)
        long[] histogram = new long[(int) ((maxPossible + width) / width)];
        long dead = 0;
        long min = Long.MAX_VALUE;
        long max = 0;
        long total = 0;
        for (long d : degrees) {
            if (d < 0 || d > maxPossible) {
                throw new IllegalArgumentException("degree " + d + " outside [0, " + maxPossible + "]");
            }
            histogram[(int) (d / width)]++;
            dead += d == 0 ? 1 : 0;
            min = Math.min(min, d);
            max = Math.max(max, d);
            total += d;
        }
        return new DegreeSummary(degrees.length, dead, min, max, total, width, histogram);
    }

    /** @return the mean degree */
    public double mean() {
        return (double) total / units;
    }

    @Override
    public long[] histogram() {
        return histogram.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DegreeSummary d && units == d.units && dead == d.dead && min == d.min && max == d.max
                && total == d.total && binWidth == d.binWidth && Arrays.equals(histogram, d.histogram);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(total) + Arrays.hashCode(histogram);
    }

    @Override
    public String toString() {
        return "degrees " + min + ".." + max + " (mean " + String.format(java.util.Locale.ROOT, "%.2f", mean())
                + "), " + dead + " of " + units + " dead";
    }
}
