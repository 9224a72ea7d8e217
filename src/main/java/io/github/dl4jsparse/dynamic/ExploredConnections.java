package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.mask.Positions;

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
        long[] merged = Positions.of(layer + ": explored", known, Long.MAX_VALUE)
                .union(Positions.of(layer + ": grown", grown, Long.MAX_VALUE)).toArray();
        explored.put(layer, merged);
        return merged.length;
    }

}
