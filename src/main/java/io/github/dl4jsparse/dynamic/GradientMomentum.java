package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.runtime.DenseWeightGradient;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link Signal#GRADIENT_MOMENTUM}: per layer, the exponential moving average {@code m ← β · m + (1 − β) · g} of the
 * dense weight gradient over every step, one double per connection, starting at 0. Kept by the listener and saved
 * with its configuration, so a resumed run continues with the same momentum.
 */
final class GradientMomentum implements Serializable {

    private static final long serialVersionUID = 1L;
    private final LinkedHashMap<String, double[]> byLayer = new LinkedHashMap<>();

    /** Adds one step's gradient of {@code layer}. */
    void add(String layer, DenseWeightGradient gradient, double beta) {
        int rows = gradient.rows();
        int columns = gradient.columns();
        double[] m = byLayer.computeIfAbsent(layer, k -> new double[Math.multiplyExact(rows, columns)]);
        int columnsPerBlock = Math.max(1, (1 << 20) / rows);
        for (int from = 0; from < columns; from += columnsPerBlock) {
            int to = Math.min(columns, from + columnsPerBlock);
            double[] g = gradient.columnBlock(from, to);
            int base = from * rows;
            for (int q = 0; q < g.length; q++) {
                m[base + q] = beta * m[base + q] + (1.0 - beta) * g[q];
            }
        }
    }

    /** @return the momentum of {@code layer} by position, or null before its first step */
    double[] of(String layer) {
        return byLayer.get(layer);
    }

    /** @return every layer's momentum (read only) */
    Map<String, double[]> all() {
        return java.util.Collections.unmodifiableMap(byLayer);
    }
}
