package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.SparseLayerConfig;

import java.util.SplittableRandom;

/**
 * What a {@link DropCriterion} may read to choose which of one layer's active connections to drop at one update.
 *
 * @param layerName    the layer's name
 * @param layer        the layer's configuration
 * @param active       the positions active before the update, strictly increasing: do not modify
 * @param activeValues their weights, in the same order
 * @param count        how many connections to drop
 * @param signals      the signals the criterion {@linkplain DropCriterion#signals() declared}
 * @param random       the update's random stream for dropping in this layer, seeded by (seed, iteration, layer)
 * @param iteration    the iteration of the update
 */
public record DropRequest(String layerName, SparseLayerConfig layer, long[] active, double[] activeValues, int count,
                          LayerSignals signals, SplittableRandom random, long iteration) {

    public DropRequest {
        signals = signals == null ? LayerSignals.NONE : signals;
    }
}
