package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.mask.SparsityFraction;

import java.util.Locale;

/**
 * TF Model Optimization's {@code ConstantSparsity}: from {@code begin} on, every {@code frequency} steps, the network
 * is pruned to {@code target} (a one-shot prune at {@code begin}, then kept there: weights that the updater moved are
 * re-ranked each time), until {@code end}.
 *
 * @param target    the sparsity, in [0, 1)
 * @param begin     the first pruning step, {@code >= 0}
 * @param end       the last pruning step, {@code >= begin}; {@code Long.MAX_VALUE} for no end
 * @param frequency steps between pruning steps, {@code > 0}
 */
public record ConstantSparsity(double target, long begin, long end, int frequency) implements PruningSchedule {

    /**
     * @throws IllegalArgumentException naming the parameter and the value
     */
    public ConstantSparsity {
        SparsityFraction.require("ConstantSparsity: target sparsity", target);
        if (begin < 0) {
            throw new IllegalArgumentException("ConstantSparsity: begin step must be >= 0, got " + begin);
        }
        if (end < begin) {
            throw new IllegalArgumentException("ConstantSparsity: end step must not be before the begin step " + begin
                    + ", got " + end);
        }
        if (frequency <= 0) {
            throw new IllegalArgumentException("ConstantSparsity: frequency must be > 0, got " + frequency);
        }
    }

    @Override
    public boolean isPruningStep(long step) {
        return step >= begin && step <= end && (step - begin) % frequency == 0;
    }

    @Override
    public double sparsity(long step) {
        return target;
    }

    @Override
    public long endStep() {
        return end;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "constant sparsity %.3f from step %d every %d%s", target, begin, frequency,
                end == Long.MAX_VALUE ? "" : " until " + end);
    }
}
