package io.github.dl4jsparse.dynamic;

import java.io.Serializable;
import java.util.Locale;

/**
 * When prune-and-regrow updates happen and what fraction of the active connections each one drops: RigL's schedule
 * (Evci et al. 2020, "Rigging the Lottery").
 *
 * <p>Steps count trained minibatches: step {@code s} is reached when DL4J's 0-based iteration {@code s - 1} is done.
 * An update happens after every step {@code s} with {@code begin < s <= end} and {@code (s - begin) % deltaT == 0}.
 * Its drop fraction is {@code alpha/2 · (1 + cos(π · (s - begin) / (end - begin)))} for {@link Decay#COSINE} and
 * {@code alpha} for {@link Decay#CONSTANT}.
 *
 * @param alpha  the initial drop fraction, in (0, 1]
 * @param deltaT steps between updates, {@code > 0}
 * @param begin  the step updates are counted from, {@code >= 0}
 * @param end    the last step an update may happen at, {@code > begin}
 * @param decay  how the drop fraction decays from {@code alpha}
 */
public record PruneRegrowSchedule(double alpha, int deltaT, long begin, long end, Decay decay) implements Serializable {

    /** RigL's default initial drop fraction. */
    public static final double DEFAULT_ALPHA = 0.3;
    /** RigL's default number of steps between updates. */
    public static final int DEFAULT_DELTA_T = 100;
    /** RigL's default end of updates as a fraction of the planned steps. */
    public static final double DEFAULT_END_FRACTION = 0.75;

    /** How the drop fraction changes over the updates. */
    public enum Decay {
        /** {@code alpha/2 · (1 + cos(π · t / T))}: from alpha down to 0 at the end step (RigL's default). */
        COSINE,
        /** {@code alpha} at every update (SET's original schedule). */
        CONSTANT
    }

    /**
     * @throws IllegalArgumentException naming the parameter and value for alpha outside (0, 1], deltaT {@code <= 0},
     *                                  a negative begin, an end not after begin, a null decay, or a schedule whose
     *                                  first update ({@code begin + deltaT}) comes after its end
     */
    public PruneRegrowSchedule {
        if (!(alpha > 0.0 && alpha <= 1.0)) {
            throw new IllegalArgumentException("alpha (the initial drop fraction) must be in (0, 1], got " + alpha);
        }
        if (deltaT <= 0) {
            throw new IllegalArgumentException("deltaT (steps between updates) must be > 0, got " + deltaT);
        }
        if (begin < 0) {
            throw new IllegalArgumentException("begin step must be >= 0, got " + begin);
        }
        if (end <= begin) {
            throw new IllegalArgumentException("end step (tEnd) must be after the begin step " + begin + ", got " + end);
        }
        if (decay == null) {
            throw new IllegalArgumentException("decay must not be null");
        }
        if (end < begin + deltaT) {
            // else the listener trains a static sparse network while the user believes it rewires
            throw new IllegalArgumentException("the schedule never rewires: its first update would come at step "
                    + (begin + deltaT) + " (begin " + begin + " + deltaT " + deltaT + "), after its end step (tEnd) "
                    + end + "; use deltaT <= " + (end - begin) + ", or plan more steps (plannedIterations / "
                    + "plannedEpochs)");
        }
    }

    /** @return whether an update happens once {@code step} minibatches have been trained */
    public boolean isUpdateStep(long step) {
        return step > begin && step <= end && (step - begin) % deltaT == 0;
    }

    /** @return the first update step after {@code step}, or -1 if there is none */
    public long nextUpdateStep(long step) {
        long first = Math.max(step + 1, begin + deltaT);
        long aligned = begin + ((first - begin + deltaT - 1) / deltaT) * deltaT;
        return aligned <= end ? aligned : -1;
    }

    /** @return the fraction of each layer's active connections dropped at {@code step}; 0 outside (begin, end] */
    public double dropFraction(long step) {
        if (step <= begin || step > end) {
            return 0.0;
        }
        if (decay == Decay.CONSTANT) {
            return alpha;
        }
        double progress = (double) (step - begin) / (double) (end - begin);
        return alpha / 2.0 * (1.0 + Math.cos(Math.PI * progress));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s drop fraction from %.3f, every %d steps in (%d, %d]",
                decay.name().toLowerCase(Locale.ROOT), alpha, deltaT, begin, end);
    }
}
