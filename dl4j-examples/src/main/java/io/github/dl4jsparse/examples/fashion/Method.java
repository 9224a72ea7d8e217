package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.dynamic.RegrowCriterion;

/**
 * One training method of the experiment.
 *
 * @param name        short name used in tables, CSV and plots
 * @param widths      layer widths, e.g. 784-300-100-10
 * @param sparsities  per layer: SparseLinear sparsity, or NaN for a DenseLayer (during training from scratch)
 * @param pruneTo     NaN, or the sparsity of dense → prune → fine-tune (the network trains dense first)
 * @param regrow      null for a static mask, else the regrowth criterion of dynamic sparse training
 * @param erk         whether the layer sparsities follow ERK (global target: the first of {@code sparsities})
 * @param cnn         whether the network is {@link io.github.dl4jsparse.models.SparseLeNet5} (then {@code widths} is
 *                    unused and there are four sparsities) rather than an MLP of {@code widths}
 */
record Method(String name, int[] widths, double[] sparsities, double pruneTo, RegrowCriterion regrow, boolean erk,
              boolean cnn) {

    Method(String name, int[] widths, double[] sparsities, double pruneTo, RegrowCriterion regrow, boolean erk) {
        this(name, widths, sparsities, pruneTo, regrow, erk, false);
    }

    /** LeNet-5 with every weight layer at {@code sparsity} (NaN: dense), static or prune-and-regrow. */
    static Method lenet5(String name, double sparsity, RegrowCriterion regrow, boolean erk) {
        double[] s = new double[4];
        java.util.Arrays.fill(s, sparsity);
        return new Method(name, new int[]{784, 10}, s, Double.NaN, regrow, erk, true);
    }

    static Method dense(String name, int[] widths) {
        return new Method(name, widths, fill(widths, Double.NaN), Double.NaN, null, false);
    }

    static Method sparse(String name, int[] widths, double sparsity) {
        return new Method(name, widths, fill(widths, sparsity), Double.NaN, null, false);
    }

    static Method sparseDenseOutput(String name, int[] widths, double sparsity) {
        double[] s = fill(widths, sparsity);
        s[s.length - 1] = Double.NaN;
        return new Method(name, widths, s, Double.NaN, null, false);
    }

    static Method prune(String name, int[] widths, double sparsity) {
        return new Method(name, widths, fill(widths, Double.NaN), sparsity, null, false);
    }

    /** Dynamic sparse training (SET or RigL), uniform or ERK layer sparsities. */
    static Method dynamic(String name, int[] widths, double sparsity, RegrowCriterion regrow, boolean erk) {
        return new Method(name, widths, fill(widths, sparsity), Double.NaN, regrow, erk);
    }

    boolean prunes() {
        return !Double.isNaN(pruneTo);
    }

    boolean isDynamic() {
        return regrow != null;
    }

    private static double[] fill(int[] widths, double value) {
        double[] s = new double[widths.length - 1];
        java.util.Arrays.fill(s, value);
        return s;
    }
}
