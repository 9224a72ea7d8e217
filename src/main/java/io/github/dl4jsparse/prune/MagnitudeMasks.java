package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.mask.RandomMasks;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

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

    /** The indices of the {@code count} smallest |w|, ties by index. */
    static int[] smallestFirst(double[] weights, int count) {
        return IntStream.range(0, weights.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> Math.abs(weights[i])).thenComparingInt(i -> i))
                .limit(count)
                .mapToInt(Integer::intValue)
                .toArray();
    }
}
