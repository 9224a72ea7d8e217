package io.github.dl4jsparse.dynamic;

import java.util.Set;

/**
 * Sparse momentum's growth rule (SNFS, Dettmers &amp; Zettlemoyer 2019, "Sparse Networks from Scratch: Faster Training
 * without Losing Performance"): grows the inactive connections of largest |gradient momentum|, the exponential moving
 * average of the dense weight gradient over every step ({@link Signal#GRADIENT_MOMENTUM}). Where RigL reads one
 * minibatch's gradient, this reads the average over the steps since training began, at the price of a dense gradient
 * at every step.
 *
 * <pre>{@code
 * PruneRegrowListener snfs = PruneRegrowListener.snfs().plannedEpochs(15, iterationsPerEpoch).build();
 * }</pre>
 * {@link PruneRegrowListener#snfs()} pairs it with {@link Redistribution#MOMENTUM}, SNFS's movement of connections
 * between layers; {@code PruneRegrowListener.builder(new MomentumGrowth())} grows by momentum within each layer only.
 */
public final class MomentumGrowth implements GrowthCriterion {

    private static final long serialVersionUID = 1L;

    @Override
    public Set<Signal> signals() {
        return Set.of(Signal.GRADIENT_MOMENTUM);
    }

    @Override
    public long[] grow(GrowthRequest request) {
        return InactiveConnections.largestScore(request.signals().gradientMomentum(), request.active(), request.count(),
                request.random());
    }

    @Override
    public String displayName() {
        return "SNFS";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentumGrowth;
    }

    @Override
    public int hashCode() {
        return MomentumGrowth.class.hashCode();
    }
}
