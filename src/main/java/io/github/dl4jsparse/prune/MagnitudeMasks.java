package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.mask.RandomMasks;

import java.util.Arrays;

/**
 * Magnitude masks with exact counts: of {@code n} weights, the {@code Math.round(sparsity · n)} of smallest |w| get a
 * mask value of 0, the others 1. Ties are broken by position (the earlier entry is pruned first), so the result is
 * deterministic. Works on plain arrays: no network involved.
 */
public final class MagnitudeMasks {

    private MagnitudeMasks() {
    }

    /**
     * @param weights  the weights, in any fixed order
     * @param sparsity fraction to prune, in [0, 1]
     * @return a mask of the same length: 0.0 for the pruned entries, 1.0 for the survivors
     */
    public static double[] keepLargest(double[] weights, double sparsity) {
        int zeros = (int) RandomMasks.zeroCount(weights.length, sparsity);
        double[] mask = new double[weights.length];
        Arrays.fill(mask, 1.0);
        for (int index : smallestFirst(weights, zeros)) {
            mask[index] = 0.0;
        }
        return mask;
    }

    /**
     * The indices of the {@code count} smallest |w|, ties by index, in increasing index order: a selection over the
     * magnitudes' bit patterns (ordered as {@link Double#compare}, NaN largest) gives the threshold (the
     * {@code count}-th smallest), then one pass takes every index below it and the earliest indices at it. Linear time
     * on average: about a second for the tens of millions of weights of a zoo model.
     */
    static int[] smallestFirst(double[] weights, int count) {
        if (count <= 0) {
            return new int[0];
        }
        long[] keys = new long[weights.length];
        for (int i = 0; i < weights.length; i++) {
            keys[i] = key(weights[i]);
        }
        long threshold = select(keys.clone(), count - 1);
        int below = 0;
        for (long k : keys) {
            if (k < threshold) {
                below++;
            }
        }
        int atThreshold = count - below;
        int[] chosen = new int[count];
        int n = 0;
        for (int i = 0; i < keys.length && n < count; i++) {
            if (keys[i] < threshold || (keys[i] == threshold && atThreshold-- > 0)) {
                chosen[n++] = i;
            }
        }
        return chosen;
    }

    /** |w| as a long ordered as {@link Double#compare} orders magnitudes: non-negative bit patterns, NaNs collapsed. */
    private static long key(double w) {
        return Double.doubleToLongBits(Math.abs(w));
    }

    /**
     * The {@code k}-th smallest (0-based) of {@code a}, which it reorders: quickselect with a median-of-three pivot,
     * falling back to a sort of the remaining range after a logarithmic number of rounds (no quadratic worst case).
     */
    private static long select(long[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        int rounds = 4 * (64 - Long.numberOfLeadingZeros(a.length)) + 8;
        while (hi > lo) {
            if (rounds-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return a[k];
            }
            long pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i++] = a[j];
                    a[j--] = t;
                }
            }
            // a[lo..j] <= pivot, a[j+1..i-1] == pivot, a[i..hi] >= pivot
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return pivot;
            }
        }
        return a[k];
    }

    private static long medianOfThree(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }
}
