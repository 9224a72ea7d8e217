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
     * The indices of the {@code count} smallest |w|, ties by index, in increasing index order: a primitive sort of the
     * magnitudes gives the threshold (the {@code count}-th smallest), then one pass takes every index below it and the
     * earliest indices at it. Order as {@link Double#compare} (NaN largest). Seconds for the tens of millions of
     * weights of a zoo model, where sorting boxed indices took close to a minute.
     */
    static int[] smallestFirst(double[] weights, int count) {
        if (count <= 0) {
            return new int[0];
        }
        double[] magnitudes = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            magnitudes[i] = Math.abs(weights[i]);
        }
        double[] sorted = magnitudes.clone();
        Arrays.sort(sorted);
        double threshold = sorted[count - 1];
        int below = 0;
        for (double m : sorted) {
            if (Double.compare(m, threshold) < 0) {
                below++;
            } else {
                break;
            }
        }
        int atThreshold = count - below;
        int[] chosen = new int[count];
        int n = 0;
        for (int i = 0; i < magnitudes.length && n < count; i++) {
            int c = Double.compare(magnitudes[i], threshold);
            if (c < 0 || (c == 0 && atThreshold-- > 0)) {
                chosen[n++] = i;
            }
        }
        return chosen;
    }
}
