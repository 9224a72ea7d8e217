package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.FusedBatchNormalization;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseCounterparts;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.SparseLayers;
import io.github.dl4jsparse.layers.runtime.DirectBuffers;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.mask.SparsityFraction;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Dense → prune → fine-tune: converts every {@code DenseLayer} of a trained {@link MultiLayerNetwork} or
 * {@link ComputationGraph} into a {@link SparseLinear}, every {@code ConvolutionLayer} into a {@link SparseConv2D}
 * and every {@code LSTM} (also inside {@code LastTimeStep}) into a {@link SparseLSTM} (its input and recurrent
 * weights each a matrix of its own), whose masks keep the largest-magnitude weights, with the surviving weights,
 * biases and all other layers' parameters copied over; every DL4J {@code BatchNormalization} becomes a
 * {@link FusedBatchNormalization} (same settings and parameters, a faster path). The result trains with plain
 * {@code fit()} and the masks stay fixed: fine-tuning.
 * The updater state starts fresh. The dense network is not changed.
 *
 * <pre>{@code
 * MultiLayerNetwork sparse = MagnitudePruning.toSparse(trainedDense, 0.9);            // layer-wise
 * MultiLayerNetwork global = MagnitudePruning.toSparse(trainedDense, 0.9, PruneScope.GLOBAL);
 * sparse.fit(train, 5);
 * }</pre>
 *
 * <p>Counts are exact: layer-wise, each layer (each matrix of an LSTM) has {@code Math.round(sparsity · nIn · nOut)}
 * zeros in its mask; global, the converted layers together have {@code Math.round(sparsity · total)}. Only layers of
 * exactly these classes are converted (not their subclasses such as depthwise or separable convolutions). See Han et
 * al., "Learning both Weights and Connections for Efficient Neural Networks", NeurIPS 2015, for the method.
 */
public final class MagnitudePruning {

    private MagnitudePruning() {
    }

    /** Layer-wise magnitude pruning; see {@link #toSparse(MultiLayerNetwork, double, PruneScope)}. */
    public static MultiLayerNetwork toSparse(MultiLayerNetwork dense, double sparsity) {
        return toSparse(dense, sparsity, PruneScope.LAYERWISE);
    }

    /**
     * @param dense    an initialised network with at least one {@code DenseLayer}
     * @param sparsity fraction of the converted layers' weights to prune, in [0, 1)
     * @param scope    per layer, or one ranking over all converted layers
     * @return a new, initialised network: the DenseLayers replaced by SparseLinear layers
     * @throws IllegalArgumentException for a sparsity outside [0, 1) or NaN, or a network without DenseLayer
     */
    public static MultiLayerNetwork toSparse(MultiLayerNetwork dense, double sparsity, PruneScope scope) {
        requireSparsity(sparsity);
        List<Integer> targets = targets(dense, "MagnitudePruning", true);
        List<double[]> weights = new ArrayList<>();
        for (int i : targets) {
            weights.addAll(matrixWeights(dense.getLayer(i)));
        }
        return withMasks(dense, targets, masks(weights, null, sparsity, scope), weights);
    }

    /**
     * @return the indices of the layers that conversion replaces (DenseLayer, ConvolutionLayer)
     * @throws IllegalArgumentException if there is none
     */
    static List<Integer> targets(MultiLayerNetwork dense, String who) {
        return targets(dense, who, false);
    }

    /** As {@link #targets(MultiLayerNetwork, String)}, with {@code LSTM} layers too when {@code recurrent}. */
    static List<Integer> targets(MultiLayerNetwork dense, String who, boolean recurrent) {
        List<Integer> targets = new ArrayList<>();
        for (int i = 0; i < dense.getnLayers(); i++) {
            if (convertible(dense.getLayerWiseConfigurations().getConf(i).getLayer(), recurrent)) {
                targets.add(i);
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException(who + ": the network has no DenseLayer or ConvolutionLayer"
                    + (recurrent ? " or LSTM" : "") + " to convert");
        }
        return targets;
    }

    /**
     * A new network: the {@code targets} replaced by sparse layers with {@code masks} (one per weight matrix of each
     * target in turn, see {@link PrunableMatrix#of}; each in the 'c' order of its matrix), all else copied; the kept
     * weights come from {@code weights}, the targets' matrices as {@link #matrixWeights} reads them.
     */
    static MultiLayerNetwork withMasks(MultiLayerNetwork dense, List<Integer> targets, List<double[]> masks,
                                               List<double[]> weights) {
        MultiLayerConfiguration conf = dense.getLayerWiseConfigurations().clone();
        List<Layer> targetLayers = targets.stream().map(i -> dense.getLayer(i)).toList();
        List<List<double[]>> perLayer = perLayer(targetLayers, masks);
        List<List<double[]>> weightsPerLayer = grouped(targetLayers, weights);
        replaceWithSparse(targets.stream().map(conf::getConf).toList(), perLayer);
        FusedBatchNormalization.replaceIn(conf);
        MultiLayerNetwork sparse = new MultiLayerNetwork(conf);
        sparse.init();
        for (int i = 0; i < dense.getnLayers(); i++) {
            int t = targets.indexOf(i);
            copyParams(dense.getLayer(i), sparse.getLayer(i), t < 0 ? null : perLayer.get(t),
                    t < 0 ? null : weightsPerLayer.get(t));
        }
        return sparse;
    }

    /** @return each weight matrix of {@code layer} ({@link PrunableMatrix#keysOf}) flattened in 'c' order */
    static List<double[]> matrixWeights(Layer layer) {
        return PrunableMatrix.keysOf(layer.conf().getLayer()).stream().map(key -> flatWeights(layer, key)).toList();
    }

    /** Groups masks given one per matrix into one list per layer, refusing a mask that keeps no connection. */
    private static List<List<double[]>> perLayer(List<Layer> layers, List<double[]> masks) {
        List<List<double[]>> out = grouped(layers, masks);
        for (int t = 0; t < layers.size(); t++) {
            List<String> keys = PrunableMatrix.keysOf(layers.get(t).conf().getLayer());
            for (int k = 0; k < keys.size(); k++) {
                requireAConnection(layers.get(t).conf().getLayer().getLayerName(), keys.get(k), out.get(t).get(k));
            }
        }
        return out;
    }

    /** Groups arrays given one per matrix ({@link PrunableMatrix#keysOf}) into one list per layer. */
    private static List<List<double[]>> grouped(List<Layer> layers, List<double[]> perMatrix) {
        List<List<double[]>> out = new ArrayList<>();
        int next = 0;
        for (Layer layer : layers) {
            int matrices = PrunableMatrix.keysOf(layer.conf().getLayer()).size();
            if (next + matrices > perMatrix.size()) {
                break;
            }
            out.add(perMatrix.subList(next, next + matrices));
            next += matrices;
        }
        if (out.size() != layers.size() || next != perMatrix.size()) {
            throw new IllegalStateException(perMatrix.size() + " arrays for the weight matrices of " + layers.size()
                    + " layers");
        }
        return out;
    }

    /**
     * Refuses a mask that prunes every weight of a matrix: the layer would compute a constant. Layer-wise that is a
     * sparsity within half a weight of 1; in one ranking over all layers (global budgets, SNIP, SynFlow), a small
     * layer whose weights all rank below the others' ("layer collapse").
     */
    private static void requireAConnection(String layer, String key, double[] mask) {
        for (double m : mask) {
            if (m != 0.0) {
                return;
            }
        }
        throw new IllegalArgumentException("layer '" + layer + "' (weights " + key + ", " + mask.length
                + " connections) would keep no connection: the budget prunes all of them, and the layer would compute "
                + "a constant; use a lower sparsity (layer-wise: below " + (1.0 - 0.5 / mask.length)
                + ") or a layer-wise budget instead of a global one");
    }

    /**
     * @return a layer's weight matrix {@code key} flattened in 'c' order, as doubles; refuses non-finite values and a
     *         matrix of zeros (every criterion here ranks {@code |w|} or a multiple of it: all ties)
     */
    static double[] flatWeights(Layer layer, String key) {
        double[] w = DirectBuffers.rowMajorDoubles(layer.getParam(key));
        String what = "layer '" + layer.conf().getLayer().getLayerName() + "' weights " + key;
        requireFinite(what, w, "the network has diverged or was loaded from a damaged file; convert a network with "
                + "finite weights (an earlier checkpoint, or a lower learning rate)");
        requireNonZero(what, w, "the criterion ranks |w| (or a multiple of it), so every connection would tie and the "
                + "mask be arbitrary; convert the network after init() or training, not with weights set to 0");
        return w;
    }

    /**
     * @param what   the values, for the message
     * @param values the scores a ranking reads
     * @param why    why all zeros leave nothing to rank, and what to do instead
     * @throws IllegalArgumentException if every value is 0: the ranking would be all ties, the mask arbitrary
     */
    static void requireNonZero(String what, double[] values, String why) {
        for (double v : values) {
            if (v != 0.0) {
                return;
            }
        }
        throw new IllegalArgumentException(what + " are all 0 (" + values.length + " values); nothing was converted: "
                + why);
    }

    /**
     * @param what   the values, for the message
     * @param values values that a ranking reads: a NaN would rank as the largest, an infinity swamp the rest
     * @param fix    what to do instead
     * @throws IllegalArgumentException naming the count of non-finite values, the first one and its position
     */
    static void requireFinite(String what, double[] values, String fix) {
        int count = 0;
        int first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                count++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (count > 0) {
            throw new IllegalArgumentException(what + " hold " + count + " non-finite value(s) of " + values.length
                    + " (the first, " + values[first] + ", at flat position " + first + "); nothing was converted: "
                    + fix);
        }
    }

    /** Layer-wise magnitude pruning of a graph; see {@link #toSparse(ComputationGraph, double, PruneScope)}. */
    public static ComputationGraph toSparse(ComputationGraph dense, double sparsity) {
        return toSparse(dense, sparsity, PruneScope.LAYERWISE);
    }

    /**
     * The same for a {@link ComputationGraph}: every layer vertex holding a {@code DenseLayer} becomes a
     * {@link SparseLinear} of the same name.
     *
     * @param dense    an initialised graph with at least one {@code DenseLayer}
     * @param sparsity fraction of the converted layers' weights to prune, in [0, 1)
     * @param scope    per layer, or one ranking over all converted layers
     * @return a new, initialised graph
     * @throws IllegalArgumentException for a sparsity outside [0, 1) or NaN, or a graph without DenseLayer
     */
    public static ComputationGraph toSparse(ComputationGraph dense, double sparsity, PruneScope scope) {
        requireSparsity(sparsity);
        List<String> targets = targets(dense, "MagnitudePruning");
        List<double[]> weights = new ArrayList<>();
        targets.forEach(name -> weights.addAll(matrixWeights(dense.getLayer(name))));
        return withMasks(dense, targets, masks(weights, null, sparsity, scope), weights);
    }

    /**
     * @return the names of the layer vertices that conversion replaces (DenseLayer, ConvolutionLayer, LSTM), in the
     *         order they were added
     * @throws IllegalArgumentException if there is none
     */
    static List<String> targets(ComputationGraph dense, String who) {
        List<String> targets = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : dense.getConfiguration().getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex v && convertible(v.getLayerConf().getLayer(), true)) {
                targets.add(e.getKey());
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException(who + ": the graph has no DenseLayer, ConvolutionLayer or LSTM to "
                    + "convert");
        }
        return targets;
    }

    /**
     * A new graph: the {@code targets} (vertex names) replaced by sparse layers with {@code masks} (one per weight
     * matrix of each target in turn, each in the 'c' order of its matrix), all else copied; the kept weights come from
     * {@code weights}, as for a {@code MultiLayerNetwork}.
     */
    static ComputationGraph withMasks(ComputationGraph dense, List<String> targets, List<double[]> masks,
                                              List<double[]> weights) {
        List<Layer> targetLayers = targets.stream().map(dense::getLayer).toList();
        List<List<double[]>> perLayer = perLayer(targetLayers, masks);
        List<List<double[]>> weightsPerLayer = grouped(targetLayers, weights);
        ComputationGraphConfiguration conf = dense.getConfiguration().clone();
        replaceWithSparse(targets.stream().map(name -> ((LayerVertex) conf.getVertices().get(name)).getLayerConf())
                .toList(), perLayer);
        FusedBatchNormalization.replaceIn(conf);
        ComputationGraph sparse = new ComputationGraph(conf);
        sparse.init();
        for (Layer from : dense.getLayers()) {
            String name = from.conf().getLayer().getLayerName();
            int t = targets.indexOf(name);
            copyParams(from, sparse.getLayer(name), t < 0 ? null : perLayer.get(t),
                    t < 0 ? null : weightsPerLayer.get(t));
        }
        return sparse;
    }

    /** Layers converted: those with a {@link SparseCounterparts sparse counterpart}, LSTMs only if {@code recurrent}. */
    private static boolean convertible(org.deeplearning4j.nn.conf.layers.Layer layer, boolean recurrent) {
        return SparseCounterparts.hasCounterpart(layer) && (recurrent || !(inner(layer) instanceof LSTM));
    }

    /** @return the layer inside a {@code LastTimeStep}, or the layer itself */
    static org.deeplearning4j.nn.conf.layers.Layer inner(org.deeplearning4j.nn.conf.layers.Layer layer) {
        return SparseCounterparts.unwrapped(layer);
    }

    /**
     * Replaces each layer configuration's dense layer with its sparse counterpart of the masks' sparsities; a pruned
     * convolution of few inputs per output channel gets the kernels' storage
     * ({@link SparseLayers#kernelStorageForSmallFanIn}). Unpruned layers (sparsity 0, as
     * {@code GradualMagnitudePruning.prepare} makes them) keep dense storage, whose count of connections can change.
     */
    private static void replaceWithSparse(List<NeuralNetConfiguration> layerConfs, List<List<double[]>> masks) {
        for (int t = 0; t < layerConfs.size(); t++) {
            double[] sparsities = masks.get(t).stream().mapToDouble(MagnitudePruning::zeroFraction).toArray();
            SparseCounterparts.replace(layerConfs.get(t), sparsities);
            if (sparsities[0] > 0.0 && layerConfs.get(t).getLayer() instanceof SparseConv2D conv) {
                SparseLayers.kernelStorageForSmallFanIn(conv);
            }
        }
    }

    private static void requireSparsity(double sparsity) {
        SparsityFraction.require("MagnitudePruning: sparsity", sparsity);
    }

    /**
     * Copies a layer's parameters; for a converted layer ({@code masks} not null, one per matrix), each matrix's kept
     * connections and their weights ({@link KeptConnections}; {@code weights} as {@link #matrixWeights} reads them),
     * and b.
     */
    private static void copyParams(Layer from, Layer to, List<double[]> masks, List<double[]> weights) {
        if (masks == null) {
            for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
                to.paramTable().get(e.getKey()).assign(e.getValue());
            }
            return;
        }
        List<String> keys = PrunableMatrix.keysOf(from.conf().getLayer());
        List<SparseLayer> matrices = SparseMatrices.of(to);
        for (int k = 0; k < keys.size(); k++) {
            SparseLayer matrix = matrices.get(k);
            KeptConnections.of(weights.get(k), masks.get(k), matrix.sparseConfig()).writeTo(matrix);
        }
        if (from.paramTable().containsKey(DefaultParamInitializer.BIAS_KEY)) {
            INDArray bias = to.paramTable().get(SparseLinear.BIAS_KEY);
            bias.assign(from.getParam(DefaultParamInitializer.BIAS_KEY).reshape(bias.shape()));
        }
    }

    /**
     * Masks that keep the largest scores (|w| for magnitude pruning), each in the order of its scores: per layer at
     * {@code layerSparsities[t]} (or {@code sparsity} for every layer when null), or one ranking over all layers.
     */
    static List<double[]> masks(List<double[]> scores, double[] layerSparsities, double sparsity, PruneScope scope) {
        List<double[]> masks = new ArrayList<>();
        if (scope == PruneScope.LAYERWISE) {
            for (int t = 0; t < scores.size(); t++) {
                double s = layerSparsities != null ? layerSparsities[t] : sparsity;
                masks.add(MagnitudeMasks.keepLargest(scores.get(t), s));
            }
            return masks;
        }
        int total = scores.stream().mapToInt(w -> w.length).sum();
        double[] all = new double[total];
        int offset = 0;
        for (double[] w : scores) {
            System.arraycopy(w, 0, all, offset, w.length);
            offset += w.length;
        }
        double[] globalMask = MagnitudeMasks.keepLargest(all, sparsity);
        offset = 0;
        for (double[] w : scores) {
            masks.add(java.util.Arrays.copyOfRange(globalMask, offset, offset + w.length));
            offset += w.length;
        }
        return masks;
    }

    private static double zeroFraction(double[] mask) {
        long zeros = 0;
        for (double m : mask) {
            if (m == 0.0) {
                zeros++;
            }
        }
        return (double) zeros / mask.length;
    }
}
