package io.github.dl4jsparse.dynamic;

import java.io.Serializable;

/**
 * The weights that connections grown by prune-and-regrow start with: {@link #ZERO} (RigL's choice, the default: a
 * grown connection changes nothing until it has trained) or your own, given to
 * {@link PruneRegrowListener.Builder#grownWeights(GrownWeights)}. Their updater state always starts at 0.
 *
 * <p>An implementation must be deterministic given its arguments (draw randomness only from
 * {@link GrowthRequest#random()}) and {@link Serializable}.
 */
@FunctionalInterface
public interface GrownWeights extends Serializable {

    /** Every grown connection starts at exactly 0. */
    GrownWeights ZERO = BuiltInGrownWeights.ZERO;

    /**
     * @param request what the growth criterion was given for this layer
     * @param grown   the positions grown, strictly increasing
     * @return one starting weight per grown position, in the same order (finite numbers)
     */
    double[] initialWeights(GrowthRequest request, long[] grown);
}
