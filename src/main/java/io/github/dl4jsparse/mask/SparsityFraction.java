package io.github.dl4jsparse.mask;

/**
 * The one check of a sparsity argument that every builder and operation of the library applies: a sparsity is the
 * fraction of a layer's connections that are inactive, in {@code [0, 1)}.
 */
public final class SparsityFraction {

    private SparsityFraction() {
    }

    /**
     * @param what     what the value is, as the message should name it, e.g. {@code "SparseLinear layer 'fc1': sparsity"}
     * @param sparsity the value given
     * @return {@code sparsity}, if it is in {@code [0, 1)}
     * @throws IllegalArgumentException naming {@code what} and the value, with the fix: a value in [1, 100] is read as a
     *                                  percent given by mistake ("for 90% use 0.9"), NaN as a sparsity never set
     */
    public static double require(String what, double sparsity) {
        if (sparsity >= 0.0 && sparsity < 1.0) {
            return sparsity;
        }
        String hint;
        if (Double.isNaN(sparsity)) {
            hint = "NaN: set it with .sparsity(...); it has no default";
        } else if (sparsity >= 1.0 && sparsity <= 100.0) {
            hint = sparsity + ": a sparsity is a fraction, not a percent (for " + percent(sparsity) + "% use "
                    + sparsity / 100.0 + "); 1 would leave no connection at all";
        } else {
            hint = Double.toString(sparsity);
        }
        throw new IllegalArgumentException(what + " must be in [0, 1), got " + hint);
    }

    private static String percent(double sparsity) {
        return sparsity == Math.rint(sparsity) ? Long.toString((long) sparsity) : Double.toString(sparsity);
    }
}
