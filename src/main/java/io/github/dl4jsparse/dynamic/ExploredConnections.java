package io.github.dl4jsparse.dynamic;

import java.util.HashMap;
import java.util.Map;

/**
 * The distinct connections of each layer that have been active since this listener first rewired it: its active
 * connections then, and every connection grown since (RigL's "in-time over-parameterisation", Liu et al. 2021). Held
 * as one sorted position array per layer, so memory grows with the connections explored, not with the layer's size;
 * each update merges its grown positions in one pass.
 */
final class ExploredConnections {

    private final Map<String, long[]> explored = new HashMap<>();

    /**
     * Records an update of {@code layer}.
     *
     * @param activeBefore the layer's active positions before the update, strictly increasing
     * @param grown        the positions grown by the update, strictly increasing (none of them in {@code activeBefore})
     * @return the number of distinct connections explored so far, the grown ones included
     */
    synchronized long record(String layer, long[] activeBefore, long[] grown) {
        long[] known = explored.get(layer);
        if (known == null) {
            known = activeBefore.clone();
        }
        long[] merged = mergeDistinct(known, grown);
        explored.put(layer, merged);
        return merged.length;
    }

    /** @return the union of two strictly increasing arrays, strictly increasing */
    private static long[] mergeDistinct(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int i = 0;
        int j = 0;
        int n = 0;
        while (i < a.length || j < b.length) {
            long next;
            if (j == b.length || (i < a.length && a[i] < b[j])) {
                next = a[i++];
            } else if (i == a.length || b[j] < a[i]) {
                next = b[j++];
            } else {
                next = a[i++];
                j++;
            }
            out[n++] = next;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }
}
