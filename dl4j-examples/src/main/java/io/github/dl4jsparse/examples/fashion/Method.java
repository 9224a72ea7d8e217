package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.dynamic.RegrowCriterion;
import io.github.dl4jsparse.models.SparseLeNet5;

/**
 * One training method of the experiment.
 *
 * @param name        short name used in tables, CSV and plots
 * @param widths      layer widths, e.g. 784-300-100-10
 * @param sparsities  per layer: SparseLinear sparsity, or NaN for a DenseLayer (during training from scratch)
 * @param pruneTo     NaN, or the target sparsity of a method that starts dense: dense → prune → fine-tune (trains
 *                    dense first), SNIP, SynFlow, gradual pruning
 * @param regrow      null for a static mask, else the regrowth criterion of dynamic sparse training
 * @param erk         whether the layer sparsities follow ERK (global target: the first of {@code sparsities})
 * @param cnn         whether the network is {@link io.github.dl4jsparse.models.SparseLeNet5} (then {@code widths} are
 *                    its conv1, conv2 and fc1 widths and there are four sparsities) rather than an MLP of {@code widths}
 * @param technique   how the mask is chosen or changed beyond static random masks and SET/RigL
 */
record Method(String name, int[] widths, double[] sparsities, double pruneTo, RegrowCriterion regrow, boolean erk,
              boolean cnn, Technique technique) {

    /** Mask selection at initialisation, sparse momentum, gradual pruning, or none of them. */
    enum Technique { NONE, SNIP, SYNFLOW, SNFS, GMP }

    Method(String name, int[] widths, double[] sparsities, double pruneTo, RegrowCriterion regrow, boolean erk) {
        this(name, widths, sparsities, pruneTo, regrow, erk, false, Technique.NONE);
    }

    Method(String name, int[] widths, double[] sparsities, double pruneTo, RegrowCriterion regrow, boolean erk,
           boolean cnn) {
        this(name, widths, sparsities, pruneTo, regrow, erk, cnn, Technique.NONE);
    }

    /**
     * SNIP or SynFlow (mask chosen at initialisation, global ranking, then static), sparse momentum (uniform start,
     * dense storage), or gradual magnitude pruning to {@code sparsity} (dense start), on the MLP of {@code widths}.
     */
    static Method technique(String name, int[] widths, double sparsity, Technique technique) {
        return technique == Technique.SNFS
                ? new Method(name, widths, fill(widths, sparsity), Double.NaN, null, false, false, technique)
                : new Method(name, widths, fill(widths, Double.NaN), sparsity, null, false, false, technique);
    }

    /**
     * The dense MLP with (about, from below) the weights of {@code widths} at {@code sparsity}: the hidden widths
     * scaled by one factor, the honest baseline of a sparse network of that size.
     */
    static Method smallDense(String name, int[] widths, double sparsity) {
        double target = (1.0 - sparsity) * weights(widths);
        int[] best = widths.clone();
        for (double c = 1.0; c > 0.0; c -= 1e-4) {
            int[] w = widths.clone();
            for (int i = 1; i + 1 < w.length; i++) {
                w[i] = Math.max(1, (int) Math.round(widths[i] * c));
            }
            best = w;
            if (weights(w) <= target) {
                break;
            }
        }
        return dense(name, best);
    }

    static long weights(int[] widths) {
        long c = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            c += (long) widths[i] * widths[i + 1];
        }
        return c;
    }

    /** LeNet-5 with every weight layer at {@code sparsity} (NaN: dense), static or prune-and-regrow. */
    static Method lenet5(String name, double sparsity, RegrowCriterion regrow, boolean erk) {
        double[] s = new double[4];
        java.util.Arrays.fill(s, sparsity);
        return new Method(name, SparseLeNet5.WIDTHS, s, Double.NaN, regrow, erk, true);
    }

    /** LeNet-5 by SNIP, SynFlow, sparse momentum or gradual pruning to {@code sparsity}; see {@link #technique}. */
    static Method lenet5(String name, double sparsity, Technique technique) {
        double[] s = new double[4];
        java.util.Arrays.fill(s, technique == Technique.SNFS ? sparsity : Double.NaN);
        return new Method(name, SparseLeNet5.WIDTHS, s, technique == Technique.SNFS ? Double.NaN : sparsity, null,
                false, true, technique);
    }

    /** The dense LeNet-5 with all three widths scaled to (about, from below) the weights of LeNet-5 at {@code sparsity}. */
    static Method lenet5SmallDense(String name, double sparsity) {
        double target = (1.0 - sparsity) * lenet5Weights(SparseLeNet5.WIDTHS);
        int[] best = SparseLeNet5.WIDTHS.clone();
        for (double c = 1.0; c > 0.0; c -= 1e-4) {
            int[] w = new int[3];
            for (int i = 0; i < 3; i++) {
                w[i] = Math.max(1, (int) Math.round(SparseLeNet5.WIDTHS[i] * c));
            }
            best = w;
            if (lenet5Weights(w) <= target) {
                break;
            }
        }
        return new Method(name, best, new double[]{Double.NaN, Double.NaN, Double.NaN, Double.NaN}, Double.NaN, null,
                false, true, Technique.NONE);
    }

    /** Weights of LeNet-5 of widths {conv1, conv2, fc1}: 5x5 kernels, 4x4 maps into fc1, 10 outputs. */
    static long lenet5Weights(int[] w) {
        return 25L * w[0] + 25L * w[0] * w[1] + 16L * w[1] * w[2] + 10L * w[2];
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

    /** @return whether the run trains dense for 2/3 of its epochs, then prunes once (dense → prune → fine-tune) */
    boolean prunes() {
        return !Double.isNaN(pruneTo) && technique == Technique.NONE;
    }

    /** @return whether the network trains dense from the start to the end (dense, small-dense): no schedule to stretch */
    boolean trainsDense() {
        return technique == Technique.NONE && Double.isNaN(pruneTo) && regrow == null
                && java.util.Arrays.stream(sparsities).allMatch(Double::isNaN);
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
