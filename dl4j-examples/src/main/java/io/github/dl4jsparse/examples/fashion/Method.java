package io.github.dl4jsparse.examples.fashion;

/**
 * One training method of the experiment.
 *
 * @param name        short name used in tables, CSV and plots
 * @param widths      layer widths, e.g. 784-300-100-10
 * @param sparsities  per layer: SparseLinear sparsity, or NaN for a DenseLayer (during training from scratch)
 * @param pruneTo     NaN, or the sparsity of dense → prune → fine-tune (the network trains dense first)
 */
record Method(String name, int[] widths, double[] sparsities, double pruneTo) {

    static Method dense(String name, int[] widths) {
        return new Method(name, widths, fill(widths, Double.NaN), Double.NaN);
    }

    static Method sparse(String name, int[] widths, double sparsity) {
        return new Method(name, widths, fill(widths, sparsity), Double.NaN);
    }

    static Method sparseDenseOutput(String name, int[] widths, double sparsity) {
        double[] s = fill(widths, sparsity);
        s[s.length - 1] = Double.NaN;
        return new Method(name, widths, s, Double.NaN);
    }

    static Method prune(String name, int[] widths, double sparsity) {
        return new Method(name, widths, fill(widths, Double.NaN), sparsity);
    }

    boolean prunes() {
        return !Double.isNaN(pruneTo);
    }

    private static double[] fill(int[] widths, double value) {
        double[] s = new double[widths.length - 1];
        java.util.Arrays.fill(s, value);
        return s;
    }
}
