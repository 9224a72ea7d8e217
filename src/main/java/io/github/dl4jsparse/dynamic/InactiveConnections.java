package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.runtime.DenseWeightGradient;
import io.github.dl4jsparse.mask.RandomMasks;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks connections to grow among the inactive positions of a layer given only its active positions (sorted,
 * column-major {@code i + j · nIn}): memory proportional to the active connections and the number picked, never to
 * {@code nIn · nOut}.
 * <ul>
 *   <li>{@link #random}: uniformly at random (SET), by drawing ranks among the inactive positions;</li>
 *   <li>{@link #largestGradient}: the largest {@code |xᵀ · δ|} (RigL), computed a block of output columns at a time
 *       with a bounded pool of candidates; exact ties broken by a seeded pseudo-random priority per position, so every
 *       tied position is equally likely and the result does not depend on the block size.</li>
 * </ul>
 */
final class InactiveConnections {

    /** Gradient entries per block of columns: 2^20 doubles, 8 MB. */
    private static final int BLOCK_ENTRIES = 1 << 20;

    private InactiveConnections() {
    }

    /**
     * @param active positions of the active connections, strictly increasing
     * @param size   {@code nIn · nOut}
     * @return {@code k} distinct inactive positions drawn uniformly at random, increasing
     */
    static long[] random(long[] active, long size, int k, SplittableRandom random) {
        long[] ranks = RandomMasks.sample(size - active.length, k, random);
        // the r-th inactive position (ranks ascending) is r plus the number of active positions before it
        int c = 0;
        long[] positions = new long[k];
        for (int t = 0; t < k; t++) {
            while (c < active.length && active[c] <= ranks[t] + c) {
                c++;
            }
            positions[t] = ranks[t] + c;
        }
        return positions;
    }

    /**
     * @param active positions of the active connections, strictly increasing
     * @return the {@code k} inactive positions with the largest {@code |xᵀ · δ|}, increasing
     * @throws IllegalArgumentException if a gradient entry is NaN
     */
    static long[] largestGradient(DenseWeightGradient gradient, long[] active, int k, SplittableRandom random) {
        return largestGradient(gradient, active, k, random, BLOCK_ENTRIES);
    }

    /** As {@link #largestGradient(DenseWeightGradient, long[], int, SplittableRandom)} with blocks of about {@code blockEntries}. */
    static long[] largestGradient(DenseWeightGradient gradient, long[] active, int k, SplittableRandom random,
                                 int blockEntries) {
        int nIn = gradient.rows();
        int nOut = gradient.columns();
        long tieSeed = random.nextLong();
        TopK top = new TopK(k);
        int columnsPerBlock = Math.max(1, blockEntries / nIn);
        int c = 0;
        for (int from = 0; from < nOut && k > 0; from += columnsPerBlock) {
            int to = Math.min(nOut, from + columnsPerBlock);
            double[] g = gradient.columnBlock(from, to);
            long base = (long) from * nIn;
            for (int q = 0; q < g.length; q++) {
                long position = base + q;
                if (c < active.length && active[c] == position) {
                    c++;
                    continue;
                }
                double score = Math.abs(g[q]);
                if (Double.isNaN(score)) {
                    throw new IllegalArgumentException("the dense gradient is NaN at position " + position
                            + " (input " + position % nIn + ", output " + position / nIn + ")");
                }
                top.offer(score, priority(tieSeed, position), position);
            }
        }
        return top.positions();
    }

    /**
     * @param scores one score per position of the layer (e.g. the gradient momentum), indexed by position
     * @param active positions of the active connections, strictly increasing
     * @return the {@code k} inactive positions of largest {@code |score|}, increasing; ties as in
     *         {@link #largestGradient}
     * @throws IllegalArgumentException if a score of an inactive position is NaN
     */
    static long[] largestScore(double[] scores, long[] active, int k, SplittableRandom random) {
        long tieSeed = random.nextLong();
        TopK top = new TopK(k);
        int c = 0;
        for (int position = 0; position < scores.length && k > 0; position++) {
            if (c < active.length && active[c] == position) {
                c++;
                continue;
            }
            double score = Math.abs(scores[position]);
            if (Double.isNaN(score)) {
                throw new IllegalArgumentException("the score of inactive position " + position + " is NaN");
            }
            top.offer(score, priority(tieSeed, position), position);
        }
        return top.positions();
    }

    /** A pseudo-random priority of {@code position} for the seed (SplitMix64's finaliser). */
    private static long priority(long seed, long position) {
        long z = seed + (position + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The {@code k} largest of a stream of (score, priority, position), ordered by score and then priority: a pool of
     * at most {@code 2k} entries, cut back to the best {@code k} by quickselect whenever it fills, so offering {@code n}
     * entries costs {@code O(n)} expected time and {@code O(k)} memory.
     */
    private static final class TopK {
        private final int k;
        private final double[] scores;
        private final long[] priorities;
        private final long[] positions;
        private int size;
        /** The k-th best entry after the last cut: nothing at or below it can enter; none before the first cut. */
        private double floorScore;
        private long floorPriority;
        private boolean hasFloor;

        TopK(int k) {
            this.k = k;
            int capacity = Math.max(2 * k, 1);
            scores = new double[capacity];
            priorities = new long[capacity];
            positions = new long[capacity];
        }

        void offer(double score, long priority, long position) {
            if (k == 0 || hasFloor && !better(score, priority, floorScore, floorPriority)) {
                return;
            }
            if (size == scores.length) {
                cut();
                if (!better(score, priority, floorScore, floorPriority)) {
                    return;
                }
            }
            scores[size] = score;
            priorities[size] = priority;
            positions[size] = position;
            size++;
        }

        private static boolean better(double s, long p, double s2, long p2) {
            return s > s2 || s == s2 && p > p2;
        }

        /** Keeps the best k entries (moved to the front by quickselect) and remembers the worst of them. */
        private void cut() {
            int lo = 0;
            int hi = size - 1;
            int target = k - 1; // after selection, [0, k) holds the best k
            long state = size * 0x9E3779B97F4A7C15L;
            while (lo < hi) {
                state = state * 6364136223846793005L + 1442695040888963407L; // pivot choice: any deterministic spread
                int pivot = lo + (int) Long.remainderUnsigned(state >>> 1, hi - lo + 1);
                double ps = scores[pivot];
                long pp = priorities[pivot];
                int i = lo;
                int j = hi;
                while (i <= j) {
                    while (better(scores[i], priorities[i], ps, pp)) {
                        i++;
                    }
                    while (better(ps, pp, scores[j], priorities[j])) {
                        j--;
                    }
                    if (i <= j) {
                        swap(i++, j--);
                    }
                }
                if (target <= j) {
                    hi = j;
                } else if (target >= i) {
                    lo = i;
                } else {
                    break;
                }
            }
            size = Math.min(k, size);
            int worst = 0;
            for (int t = 1; t < size; t++) {
                if (better(scores[worst], priorities[worst], scores[t], priorities[t])) {
                    worst = t;
                }
            }
            if (size == k) {
                floorScore = scores[worst];
                floorPriority = priorities[worst];
                hasFloor = true;
            }
        }

        private void swap(int a, int b) {
            double s = scores[a];
            scores[a] = scores[b];
            scores[b] = s;
            long p = priorities[a];
            priorities[a] = priorities[b];
            priorities[b] = p;
            long q = positions[a];
            positions[a] = positions[b];
            positions[b] = q;
        }

        /** @return the positions of the best k (or all, if fewer were offered), increasing */
        long[] positions() {
            if (size > k) {
                cut();
            }
            long[] out = Arrays.copyOf(positions, size);
            Arrays.sort(out);
            return out;
        }
    }
}
