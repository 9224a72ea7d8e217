package io.github.dl4jsparse.dynamic;

import java.io.Serializable;
import java.util.Set;

/**
 * Where prune-and-regrow grows new connections, among those inactive before the update: {@link RegrowCriterion#RANDOM}
 * (SET), {@link RegrowCriterion#GRADIENT} (RigL), {@link MomentumGrowth} (sparse momentum), or your own, given to
 * {@link PruneRegrowListener#builder}. The mirror of {@link DropCriterion}.
 *
 * <p>An implementation must be deterministic given its {@link GrowthRequest} (draw randomness only from
 * {@link GrowthRequest#random()}), so that runs are reproducible, and {@link Serializable} so that
 * {@link PruneRegrowListener#saveTo} can keep it with a checkpoint.
 */
public interface GrowthCriterion extends Serializable {

    /**
     * @return the signals {@link #grow} reads from {@link GrowthRequest#signals()} (e.g. {@link Signal#DENSE_GRADIENT}:
     *         the listener then has the sparse layers keep their dense weight gradient on update steps); default none
     */
    default Set<Signal> signals() {
        return Set.of();
    }

    /**
     * @return exactly {@link GrowthRequest#count()} positions, strictly increasing, in {@code [0, connections)}, none
     *         of them active; the listener checks this and refuses anything else
     */
    long[] grow(GrowthRequest request);

    /** @return a short name for logs, e.g. "SET"; default: the class's simple name */
    default String displayName() {
        return getClass().getSimpleName();
    }
}
