package io.github.dl4jsparse.dynamic;

/** The built-in {@link GrowthCriterion}s. */
public enum RegrowCriterion implements GrowthCriterion {
    /** Uniformly at random: SET (Mocanu et al. 2018). */
    RANDOM {
        @Override
        public long[] grow(GrowthRequest request) {
            return InactiveConnections.random(request.active(), request.connections(), request.count(), request.random());
        }

        @Override
        public String displayName() {
            return "SET";
        }
    },
    /**
     * Where the dense gradient {@code |dL/d(W ⊙ M)|} on the update step's minibatch is largest: RigL (Evci et al.
     * 2020).
     */
    GRADIENT {
        @Override
        public java.util.Set<Signal> signals() {
            return java.util.Set.of(Signal.DENSE_GRADIENT);
        }

        @Override
        public long[] grow(GrowthRequest request) {
            return InactiveConnections.largestGradient(request.denseGradient(), request.active(), request.count(),
                    request.random());
        }

        @Override
        public String displayName() {
            return "RigL";
        }
    }
}
