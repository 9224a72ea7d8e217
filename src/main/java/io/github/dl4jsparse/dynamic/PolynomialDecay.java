package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.mask.SparsityFraction;

import java.util.Locale;

/**
 * Gradual pruning's schedule (Zhu &amp; Gupta 2017, "To prune, or not to prune"; TF Model Optimization's
 * {@code PolynomialDecay}): the target sparsity rises from {@code initial} to {@code target} as
 * {@code s(t) = target + (initial − target) · (1 − (t − begin) / (end − begin))^power}, and the network is pruned at
 * every step {@code t} with {@code begin <= t <= end} and {@code (t − begin) % frequency == 0}, and at {@code end}.
 * With {@code power = 3} this is Zhu and Gupta's cubic schedule, {@code end − begin = n · Δt}.
 *
 * @param initial   the sparsity at {@code begin}, in [0, target]
 * @param target    the final sparsity, in [0, 1)
 * @param begin     the first pruning step, {@code >= 0}
 * @param end       the last pruning step, {@code > begin}; the sparsity stays at {@code target} after it
 * @param power     the exponent, {@code > 0}; 3 by {@link #cubic}
 * @param frequency steps between pruning steps ({@code Δt}), {@code > 0}
 */
public record PolynomialDecay(double initial, double target, long begin, long end, double power, int frequency)
        implements PruningSchedule {

    /**
     * @throws IllegalArgumentException naming the parameter and the value
     */
    public PolynomialDecay {
        SparsityFraction.require("PolynomialDecay: target sparsity", target);
        SparsityFraction.require("PolynomialDecay: initial sparsity", initial);
        if (initial > target) {
            throw new IllegalArgumentException("PolynomialDecay: initial sparsity " + initial + " is above the target "
                    + target + "; gradual pruning only raises the sparsity");
        }
        if (begin < 0) {
            throw new IllegalArgumentException("PolynomialDecay: begin step must be >= 0, got " + begin);
        }
        if (end <= begin) {
            throw new IllegalArgumentException("PolynomialDecay: end step must be after the begin step " + begin
                    + ", got " + end);
        }
        if (!(power > 0.0) || Double.isInfinite(power)) {
            throw new IllegalArgumentException("PolynomialDecay: power must be a finite number > 0, got " + power);
        }
        if (frequency <= 0) {
            throw new IllegalArgumentException("PolynomialDecay: frequency (steps between pruning steps) must be > 0, got "
                    + frequency);
        }
    }

    /** Zhu and Gupta's cubic schedule from {@code initial} to {@code target} over {@code [begin, end]}. */
    public static PolynomialDecay cubic(double initial, double target, long begin, long end, int frequency) {
        return new PolynomialDecay(initial, target, begin, end, 3.0, frequency);
    }

    @Override
    public boolean isPruningStep(long step) {
        return step >= begin && step <= end && ((step - begin) % frequency == 0 || step == end);
    }

    @Override
    public double sparsity(long step) {
        double progress = Math.min(1.0, Math.max(0.0, (double) (step - begin) / (double) (end - begin)));
        return target + (initial - target) * Math.pow(1.0 - progress, power);
    }

    @Override
    public long endStep() {
        return end;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "polynomial decay (power %.1f) from %.3f to %.3f over steps [%d, %d], every %d",
                power, initial, target, begin, end, frequency);
    }
}
