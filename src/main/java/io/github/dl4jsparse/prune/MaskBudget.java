package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.mask.SparsityFraction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How many connections a mask selected at initialisation keeps ({@link Snip}, {@link SynFlow}): one sparsity for every
 * layer ({@link PruneScope#LAYERWISE}), one ranking over all layers ({@link PruneScope#GLOBAL}), or per layer from a
 * {@link SparsityDistribution} such as ERK. Counts are exact: {@code round(s · connections)} inactive per layer, or
 * over all layers for a global ranking.
 *
 * @param scope        per layer or global; per layer when {@code distribution} is set
 * @param sparsity     the sparsity of every layer, or of all together (global); the distribution's target otherwise
 * @param distribution per-layer sparsities, or null
 */
public record MaskBudget(PruneScope scope, double sparsity, SparsityDistribution distribution) {

    /**
     * @throws IllegalArgumentException for a sparsity outside [0, 1) or a null scope
     */
    public MaskBudget {
        if (scope == null) {
            throw new IllegalArgumentException("scope must not be null");
        }
        if (distribution == null) {
            SparsityFraction.require("sparsity", sparsity);
        }
    }

    /** Every layer at {@code sparsity}. */
    public static MaskBudget layerwise(double sparsity) {
        return new MaskBudget(PruneScope.LAYERWISE, sparsity, null);
    }

    /** All layers together at {@code sparsity}, one ranking deciding how much of each layer stays. */
    public static MaskBudget global(double sparsity) {
        return new MaskBudget(PruneScope.GLOBAL, sparsity, null);
    }

    /** Each layer at the sparsity {@code distribution} gives it, e.g. {@code SparsityDistribution.erk(0.9).build()}. */
    public static MaskBudget perLayer(SparsityDistribution distribution) {
        if (distribution == null) {
            throw new IllegalArgumentException("distribution must not be null");
        }
        return new MaskBudget(PruneScope.LAYERWISE, Double.NaN, distribution);
    }

    /**
     * @return per weight matrix of each target layer in turn ({@code W}, or {@code W} and {@code RW} of an LSTM), its
     *         sparsity (layer-wise); null for a global ranking
     */
    double[] layerSparsities(MultiLayerNetwork dense, List<Integer> targets) {
        if (scope == PruneScope.GLOBAL) {
            return null;
        }
        List<SparsityDistribution.LayerShape> shapes = new ArrayList<>();
        for (int i : targets) {
            org.deeplearning4j.nn.conf.layers.Layer layer = dense.getLayerWiseConfigurations().getConf(i).getLayer();
            String name = layer.getLayerName() != null ? layer.getLayerName() : String.valueOf(i);
            PrunableMatrix.of(layer).forEach(m -> shapes.add(m.shape(name)));
        }
        return layerSparsities(shapes);
    }

    /** As {@link #layerSparsities(MultiLayerNetwork, List)} for the layer vertices {@code targets} of a graph. */
    double[] layerSparsities(ComputationGraph dense, List<String> targets) {
        if (scope == PruneScope.GLOBAL) {
            return null;
        }
        List<SparsityDistribution.LayerShape> shapes = new ArrayList<>();
        for (String name : targets) {
            PrunableMatrix.of(dense.getLayer(name).conf().getLayer()).forEach(m -> shapes.add(m.shape(name)));
        }
        return layerSparsities(shapes);
    }

    private double[] layerSparsities(List<SparsityDistribution.LayerShape> shapes) {
        double[] out = new double[shapes.size()];
        if (distribution == null) {
            java.util.Arrays.fill(out, sparsity);
            return out;
        }
        Map<String, Double> sparsities = distribution.sparsities(shapes);
        for (int t = 0; t < shapes.size(); t++) {
            out[t] = sparsities.get(shapes.get(t).name());
        }
        return out;
    }
}
