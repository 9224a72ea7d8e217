package io.github.dl4jsparse.dynamic;

/** The built-in {@link GrownWeights}; an enum so that a saved configuration restores the same constant. */
enum BuiltInGrownWeights implements GrownWeights {
    /** Exactly 0. */
    ZERO {
        @Override
        public double[] initialWeights(GrowthRequest request, long[] grown) {
            return new double[grown.length];
        }
    }
}
