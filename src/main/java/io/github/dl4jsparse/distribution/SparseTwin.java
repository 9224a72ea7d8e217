package io.github.dl4jsparse.distribution;

import io.github.dl4jsparse.layers.FusedBatchNormalization;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseCounterparts;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.SparseLayers;
import io.github.dl4jsparse.layers.SparseLinear;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Sparse from scratch for any DL4J model: the sparse twin of a dense configuration. Every {@code DenseLayer},
 * {@code ConvolutionLayer} and {@code LSTM} (also inside {@code LastTimeStep}) becomes its
 * {@link SparseCounterparts sparse counterpart} ({@link SparseLinear}, {@link SparseConv2D}, {@link SparseLSTM}: same
 * shape, geometry, activation, initialisation, updaters, regularisation, dropout and name), every
 * {@code BatchNormalization} a {@link FusedBatchNormalization} (same settings, a faster path), and the
 * {@link SparsityDistribution} sets each sparse layer's sparsity. All other layers and vertices are kept as they are.
 * The dense configuration is not changed and no dense weights are ever allocated: the network built from the twin
 * draws each layer's active connections and only those, so building costs time and memory in proportion to the
 * active connections.
 *
 * <pre>{@code
 * ComputationGraphConfiguration dense = ResNet50.builder().numClasses(10).build().conf(); // deeplearning4j-zoo
 * ComputationGraph net = new ComputationGraph(SparseTwin.of(dense, SparsityDistribution.erk(0.9).build()));
 * net.init();
 * net.fit(trainData);
 * }</pre>
 *
 * <p>Layer names are those of the configuration (for a {@code MultiLayerConfiguration} without names, the layer's
 * index), so a distribution's overrides name layers as the dense configuration does; an LSTM's two matrices are
 * {@code name/W} and {@code name/RW} ({@link SparseLayers#matrixName}). Sparse layers already in the configuration take
 * part in the distribution too. The starting weights of the active connections are drawn from each layer's
 * initialisation as in the dense network; wrap it in {@code DensityScaledInit} on the twin's layers for the
 * density-scaled start of the RigL authors.
 */
public final class SparseTwin {

    private static final Logger log = LoggerFactory.getLogger(SparseTwin.class);

    private SparseTwin() {
    }

    /**
     * The sparse twin of a network's configuration.
     *
     * @param dense        the dense configuration, with every convertible layer's nIn known (set, or inferred from
     *                     {@code setInputType}); not changed
     * @param distribution the sparsity of each sparse layer
     * @return a new configuration: build and {@code init()} a {@code MultiLayerNetwork} from it
     * @throws IllegalArgumentException if no layer is or becomes sparse, or a convertible layer's nIn is unknown (naming
     *                                  the layer and the fix)
     */
    public static MultiLayerConfiguration of(MultiLayerConfiguration dense, SparsityDistribution distribution) {
        Objects.requireNonNull(dense, "SparseTwin.of: dense configuration");
        Objects.requireNonNull(distribution, "SparseTwin.of: distribution");
        MultiLayerConfiguration twin = dense.clone();
        int sparse = 0;
        Map<String, String> keptDense = new LinkedHashMap<>();
        for (int i = 0; i < twin.getConfs().size(); i++) {
            NeuralNetConfiguration layerConf = twin.getConf(i);
            String name = layerConf.getLayer().getLayerName() != null ? layerConf.getLayer().getLayerName()
                    : String.valueOf(i);
            sparse += convert(layerConf, name, "set nIn on the layer, or setInputType(...) on the list builder",
                    keptDense);
        }
        requireSparseLayers(sparse, "configuration", keptDense);
        FusedBatchNormalization.replaceIn(twin);
        return distribution.applyTo(twin);
    }

    /**
     * The sparse twin of a graph's configuration (zoo models included: {@code ZooModel.conf()}).
     *
     * @param dense        the dense configuration, with every convertible layer's nIn known (set, or inferred from
     *                     {@code setInputTypes}); not changed
     * @param distribution the sparsity of each sparse layer; its first layer (for
     *                     {@link SparsityDistribution.Builder#denseFirstLayer()}) is the first sparse vertex added
     * @return a new configuration: build and {@code init()} a {@code ComputationGraph} from it
     * @throws IllegalArgumentException if no layer is or becomes sparse, or a convertible layer's nIn is unknown (naming
     *                                  the layer and the fix)
     */
    public static ComputationGraphConfiguration of(ComputationGraphConfiguration dense,
                                                   SparsityDistribution distribution) {
        Objects.requireNonNull(dense, "SparseTwin.of: dense configuration");
        Objects.requireNonNull(distribution, "SparseTwin.of: distribution");
        ComputationGraphConfiguration twin = dense.clone();
        int sparse = 0;
        Map<String, String> keptDense = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : twin.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex v) {
                sparse += convert(v.getLayerConf(), e.getKey(), "set nIn on the layer, or setInputTypes(...) on the "
                        + "graph builder", keptDense);
            }
        }
        requireSparseLayers(sparse, "graph configuration", keptDense);
        FusedBatchNormalization.replaceIn(twin);
        return distribution.applyTo(twin);
    }

    /**
     * Replaces a convertible layer with its counterpart (its sparsity set by the distribution afterwards).
     *
     * @param keptDense where a layer with weights but no counterpart is noted, by name, with the reason
     * @return 1 if the layer is sparse now (converted or sparse already), else 0
     */
    private static int convert(NeuralNetConfiguration layerConf, String name, String nInFix,
                               Map<String, String> keptDense) {
        Layer layer = layerConf.getLayer();
        if (!SparseCounterparts.hasCounterpart(layer)) {
            String kept = SparseCounterparts.keptDense(layer);
            if (kept != null) {
                keptDense.put(name, kept);
            }
            return SparseLayers.matricesOf(layer).isEmpty() ? 0 : 1;
        }
        FeedForwardLayer inner = (FeedForwardLayer) SparseCounterparts.unwrapped(layer);
        if (inner.getNIn() <= 0) {
            throw new IllegalArgumentException("SparseTwin: layer " + name + " (" + inner.getClass().getSimpleName()
                    + ", nOut " + inner.getNOut() + ") has no nIn yet, and its sparsity depends on its shape; "
                    + nInFix);
        }
        if (inner instanceof LSTM) {
            SparseCounterparts.replace(layerConf, 0.0, 0.0);
        } else {
            SparseCounterparts.replace(layerConf, 0.0);
        }
        return 1;
    }

    /**
     * Refuses a twin without a sparse layer, and says (WARN) which layers with weights stay dense in one that has some.
     */
    private static void requireSparseLayers(int sparse, String what, Map<String, String> keptDense) {
        String kept = keptDense.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
        if (sparse == 0) {
            throw new IllegalArgumentException("SparseTwin: the " + what + " has no DenseLayer, ConvolutionLayer or "
                    + "LSTM (nor a sparse layer) to make sparse; output layers (OutputLayer, RnnOutputLayer) keep "
                    + "their dense weights" + (kept.isEmpty() ? "" : ". Layers with weights: " + kept));
        }
        if (!kept.isEmpty()) {
            log.warn("SparseTwin: these layers keep dense weights: {}", kept);
        }
    }
}
