package io.github.dl4jsparse.dynamic;

import java.util.Arrays;

/** The built-in {@link DropCriterion}s; an enum so that a saved configuration restores the same constant. */
enum BuiltInDrop implements DropCriterion {
    /** The smallest |W| among the active connections. */
    MAGNITUDE {
        @Override
        public long[] drop(DropRequest request) {
            double[] w = request.activeValues();
            double[] magnitude = new double[w.length];
            int[] slots = new int[w.length];
            for (int s = 0; s < w.length; s++) {
                magnitude[s] = Math.abs(w[s]);
                slots[s] = s;
            }
            int[] dropped = ConnectionSelection.smallest(magnitude, slots, request.count(), request.random());
            long[] positions = new long[dropped.length];
            for (int t = 0; t < dropped.length; t++) {
                positions[t] = request.active()[dropped[t]];
            }
            Arrays.sort(positions);
            return positions;
        }

        @Override
        public String displayName() {
            return "magnitude";
        }
    }
}
