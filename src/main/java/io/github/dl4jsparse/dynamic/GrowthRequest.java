package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.runtime.DenseWeightGradient;

import java.util.SplittableRandom;

/**
 * What a {@link GrowthCriterion} may read to choose one layer's new connections at one update.
 *
 * @param layerName    the layer's name
 * @param layer        the layer's configuration (connection matrix shape, sparsity, ...)
 * @param active       the positions active before the update (dropped ones included), strictly increasing: do not
 *                     modify
 * @param activeValues their weights, in the same order
 * @param count        how many connections to grow
 * @param signals      the signals the criterion {@linkplain GrowthCriterion#signals() declared}
 * @param random       the update's random stream for this layer, seeded by (seed, iteration, layer)
 * @param iteration    the iteration of the update
 */
public record GrowthRequest(String layerName, SparseLayerConfig layer, long[] active, double[] activeValues, int count,
                            LayerSignals signals, SplittableRandom random, long iteration) {

    public GrowthRequest {
        signals = signals == null ? LayerSignals.NONE : signals;
    }

    /** @return every possible connection of the layer: positions are in {@code [0, connections())} */
    public long connections() {
        return layer.connections();
    }

    /** @return {@link LayerSignals#denseGradient()}: null unless the criterion declared {@link Signal#DENSE_GRADIENT} */
    public DenseWeightGradient denseGradient() {
        return signals.denseGradient();
    }
}
