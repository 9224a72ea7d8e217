package io.github.dl4jsparse.dynamic;

/**
 * Whether prune-and-regrow moves connections between layers. The total number of active connections over all sparse
 * layers stays exactly the same either way.
 */
public enum Redistribution {
    /** Every layer grows as many connections as it dropped: each layer's count stays the same (SET, RigL). */
    NONE,
    /**
     * Sparse momentum (SNFS, Dettmers &amp; Zettlemoyer 2019): the connections dropped over all layers are grown again
     * in proportion to each layer's mean |gradient momentum| over its active connections (largest remainders for the
     * exact total; a layer gets at most as many as it has inactive). Reads {@link Signal#GRADIENT_MOMENTUM}. A
     * layer's count changes, so every sparse layer must keep {@code WeightStorage.DENSE} (active storage has a fixed
     * number of slots).
     */
    MOMENTUM
}
