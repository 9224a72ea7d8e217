package io.github.dl4jsparse.dynamic;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks connections by score, on plain arrays: the {@code k} candidates of smallest or largest score, ties broken at
 * random, or {@code k} candidates uniformly at random. Every choice is a function of the inputs and the random
 * generator's state only, so a seeded generator makes it reproducible.
 *
 * <p>Scores are compared in single precision (ties within float rounding are broken at random); they must be
 * non-negative and not NaN.
 */
final class ConnectionSelection {

    private ConnectionSelection() {
    }

    /** @return the {@code k} candidates with the smallest scores, in no particular order */
    static int[] smallest(double[] scores, int[] candidates, int k, SplittableRandom random) {
        return extreme(scores, candidates, k, random, false);
    }

    /** @return the {@code k} candidates with the largest scores, in no particular order */
    static int[] largest(double[] scores, int[] candidates, int k, SplittableRandom random) {
        return extreme(scores, candidates, k, random, true);
    }

    /** @return {@code k} distinct candidates drawn uniformly at random */
    static int[] random(int[] candidates, int k, SplittableRandom random) {
        requireCount(candidates, k);
        int[] pool = candidates.clone();
        for (int i = 0; i < k; i++) { // partial Fisher-Yates shuffle
            int j = i + random.nextInt(pool.length - i);
            int t = pool[i];
            pool[i] = pool[j];
            pool[j] = t;
        }
        return Arrays.copyOf(pool, k);
    }

    private static int[] extreme(double[] scores, int[] candidates, int k, SplittableRandom random, boolean largest) {
        requireCount(candidates, k);
        if (k == 0) {
            return new int[0];
        }
        // visit the candidates in a random order and sort (score bits, position in that order) packed in one long:
        // a primitive sort, with ties going to whichever the random order put first
        int[] order = random(candidates, candidates.length, random);
        long[] keys = new long[order.length];
        for (int p = 0; p < order.length; p++) {
            double score = scores[order[p]];
            if (!(score >= 0.0)) {
                throw new IllegalArgumentException("scores must be non-negative numbers, got " + score
                        + " at index " + order[p]);
            }
            int bits = Float.floatToIntBits((float) score); // monotone in the score for non-negative floats
            long sortable = largest ? Integer.MAX_VALUE - (long) bits : bits;
            keys[p] = (sortable << 32) | p;
        }
        Arrays.sort(keys);
        int[] chosen = new int[k];
        for (int i = 0; i < k; i++) {
            chosen[i] = order[(int) (keys[i] & 0xFFFFFFFFL)];
        }
        return chosen;
    }

    private static void requireCount(int[] candidates, int k) {
        if (k < 0 || k > candidates.length) {
            throw new IllegalArgumentException("cannot choose " + k + " of " + candidates.length + " candidates");
        }
    }
}
