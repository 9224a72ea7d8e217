package io.github.dl4jsparse.dynamic;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks connections by score, on plain arrays: the {@code k} candidates of smallest or largest score, exact ties at
 * the boundary broken at random, or {@code k} candidates uniformly at random. Every choice is a function of the
 * inputs and the random generator's state only, so a seeded generator makes it reproducible. Linear time (quickselect),
 * so an update of a layer with millions of connections costs a few passes over them.
 *
 * <p>Scores must be non-negative and not NaN.
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
        // O(n): find the k-th key by quickselect, take every candidate strictly before it, and the rest of the k
        // at random among those tied with it
        int m = candidates.length;
        double[] keys = new double[m];
        for (int p = 0; p < m; p++) {
            double score = scores[candidates[p]];
            if (!(score >= 0.0)) {
                throw new IllegalArgumentException("scores must be non-negative numbers, got " + score
                        + " at index " + candidates[p]);
            }
            keys[p] = largest ? -score : score;
        }
        double threshold = kthSmallest(keys.clone(), k - 1, random);
        int[] chosen = new int[k];
        int taken = 0;
        int tied = 0;
        for (int p = 0; p < m; p++) {
            if (keys[p] < threshold) {
                chosen[taken++] = candidates[p];
            } else if (keys[p] == threshold) {
                tied++;
            }
        }
        int[] ties = new int[tied];
        int t = 0;
        for (int p = 0; p < m; p++) {
            if (keys[p] == threshold) {
                ties[t++] = candidates[p];
            }
        }
        int[] fromTies = random(ties, k - taken, random);
        System.arraycopy(fromTies, 0, chosen, taken, fromTies.length);
        return chosen;
    }

    /** The value that would be at {@code index} if {@code a} were sorted; reorders {@code a}. Random pivots. */
    private static double kthSmallest(double[] a, int index, SplittableRandom random) {
        int lo = 0;
        int hi = a.length - 1;
        while (lo < hi) {
            double pivot = a[lo + random.nextInt(hi - lo + 1)];
            // three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot
            int lt = lo;
            int gt = hi;
            int i = lo;
            while (i <= gt) {
                if (a[i] < pivot) {
                    swap(a, lt++, i++);
                } else if (a[i] > pivot) {
                    swap(a, i, gt--);
                } else {
                    i++;
                }
            }
            if (index < lt) {
                hi = lt - 1;
            } else if (index > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[lo];
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    private static void requireCount(int[] candidates, int k) {
        if (k < 0 || k > candidates.length) {
            throw new IllegalArgumentException("cannot choose " + k + " of " + candidates.length + " candidates");
        }
    }
}
