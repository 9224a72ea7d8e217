package io.github.dl4jsparse.examples.fashion;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A learning rate lowered linearly from {@code initial} at iteration 0 to 0 at iteration {@code steps}:
 * {@code initial · max(0, 1 − i / steps)}. (DL4J 1.0.0-M2.1's {@code PolySchedule} of power 1 is no such decay: it
 * computes {@code initial · (1 + i / steps)}, rising to twice the initial value before it drops to 0 at {@code steps}.)
 */
public final class LinearDecay implements ISchedule {

    private static final long serialVersionUID = 1L;

    private final double initial;
    private final int steps;

    /**
     * @param initial the learning rate at iteration 0, > 0
     * @param steps   the iteration at which it reaches 0, > 0
     */
    public LinearDecay(@JsonProperty("initial") double initial, @JsonProperty("steps") int steps) {
        if (!(initial > 0) || steps <= 0) {
            throw new IllegalArgumentException("LinearDecay: initial must be > 0 and steps > 0, got initial " + initial
                    + ", steps " + steps);
        }
        this.initial = initial;
        this.steps = steps;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return initial * Math.max(0.0, 1.0 - (double) iteration / steps);
    }

    @Override
    public ISchedule clone() {
        return new LinearDecay(initial, steps);
    }
}
