package io.github.dl4jsparse.dynamic;

import java.util.List;

/**
 * {@link Redistribution#MOMENTUM}: splits the connections dropped over all layers among the layers in proportion to
 * their shares (SNFS: mean |gradient momentum| of the active connections), with exact integer counts.
 */
final class MomentumRedistribution {

    private MomentumRedistribution() {
    }

    /**
     * @param shares   one non-negative share per layer (all 0: equal shares)
     * @param capacity per layer, the most it may grow (its inactive connections)
     * @param total    connections to grow over all layers, at most the sum of {@code capacity}
     * @return per layer, how many to grow: they sum to {@code total} exactly, none above its capacity; the fractional
     *         parts go to the largest remainders (ties: the earlier layer), and what a full layer cannot take is split
     *         among the others again
     * @throws IllegalArgumentException if the capacities cannot take {@code total}, or a share is negative or NaN
     */
    static int[] growCounts(List<Double> shares, long[] capacity, int total) {
        int n = capacity.length;
        long room = 0;
        for (int i = 0; i < n; i++) {
            double share = shares.get(i);
            if (!(share >= 0.0) || Double.isInfinite(share)) {
                throw new IllegalArgumentException("share of layer " + i + " must be a finite number >= 0, got " + share);
            }
            room += capacity[i];
        }
        if (total > room) {
            throw new IllegalArgumentException("cannot grow " + total + " connections: the layers have " + room
                    + " inactive ones in all");
        }
        int[] counts = new int[n];
        boolean[] open = new boolean[n];
        for (int i = 0; i < n; i++) {
            open[i] = capacity[i] > 0;
        }
        int remaining = total;
        while (remaining > 0) {
            double sum = 0.0;
            int openCount = 0;
            for (int i = 0; i < n; i++) {
                if (open[i]) {
                    sum += shares.get(i);
                    openCount++;
                }
            }
            double[] want = new double[n];
            for (int i = 0; i < n; i++) {
                if (open[i]) {
                    want[i] = remaining * (sum > 0.0 ? shares.get(i) / sum : 1.0 / openCount);
                }
            }
            int[] give = largestRemainders(want, remaining, open);
            int handed = 0;
            for (int i = 0; i < n; i++) {
                long left = capacity[i] - counts[i];
                int g = (int) Math.min(give[i], left);
                counts[i] += g;
                handed += g;
                if (counts[i] == capacity[i]) {
                    open[i] = false;
                }
            }
            remaining -= handed;
        }
        return counts;
    }

    /** Floors of {@code want} plus one each for the largest fractional parts, summing to {@code total}. */
    private static int[] largestRemainders(double[] want, int total, boolean[] open) {
        int n = want.length;
        int[] out = new int[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            out[i] = (int) Math.floor(want[i]);
            given += out[i];
        }
        while (given < total) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (open[i] && (best < 0 || want[i] - Math.floor(want[i]) > want[best] - Math.floor(want[best]))) {
                    best = i;
                }
            }
            out[best]++;
            want[best] = Math.floor(want[best]); // a layer gets at most one extra per round
            given++;
        }
        return out;
    }
}
