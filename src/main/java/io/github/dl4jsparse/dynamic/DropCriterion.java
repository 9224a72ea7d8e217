package io.github.dl4jsparse.dynamic;

import java.io.Serializable;
import java.util.Set;

/**
 * Which active connections prune-and-regrow drops: {@link #MAGNITUDE} (the smallest |W|, SET's and RigL's rule, the
 * default), or your own, given to {@link PruneRegrowListener.Builder#drop(DropCriterion)}. The mirror of
 * {@link GrowthCriterion}.
 *
 * <p>An implementation must be deterministic given its {@link DropRequest} (draw randomness only from
 * {@link DropRequest#random()}), and {@link Serializable} so that {@link PruneRegrowListener#saveTo} can keep it with a
 * checkpoint.
 */
public interface DropCriterion extends Serializable {

    /** The {@code count} active connections of smallest |W|, exact ties at the boundary broken at random. */
    DropCriterion MAGNITUDE = BuiltInDrop.MAGNITUDE;

    /** @return the signals {@link #drop} reads; default none */
    default Set<Signal> signals() {
        return Set.of();
    }

    /**
     * @return exactly {@link DropRequest#count()} positions, strictly increasing, all of them active; the listener
     *         checks this and refuses anything else
     */
    long[] drop(DropRequest request);

    /** @return a short name for logs; default: the class's simple name */
    default String displayName() {
        return getClass().getSimpleName();
    }
}
