package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.runtime.DenseWeightGradient;

import java.util.Map;

/**
 * The {@link Signal}s of one layer at one update; an entry is null (or the map empty) unless some criterion declared
 * it. Arrays are the listener's own: read them, do not modify them; they are valid during the call only (the dense
 * gradient is released after the update).
 *
 * @param denseGradient    {@link Signal#DENSE_GRADIENT}: the dense weight gradient of the update step's minibatch
 * @param gradientMomentum {@link Signal#GRADIENT_MOMENTUM}: the moving average of the dense gradient, one entry per
 *                         connection, indexed by position (column-major {@code r + o · rows})
 * @param updaterState     {@link Signal#UPDATER_STATE}: per state key (e.g. Adam's "M" and "V"), the values at the
 *                         active positions before the update, in their order; empty for a stateless updater
 */
public record LayerSignals(DenseWeightGradient denseGradient, double[] gradientMomentum,
                           Map<String, double[]> updaterState) {

    /** No signal at all. */
    public static final LayerSignals NONE = new LayerSignals(null, null, Map.of());

    public LayerSignals {
        updaterState = updaterState == null ? Map.of() : Map.copyOf(updaterState);
    }
}
