package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.Networks;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Access to the updater state (Adam's M and V, Nesterovs' momentum, ...) of one parameter of one layer, as flat
 * views in the parameter's own flattening order ('f' for the weights of {@code SparseLinear}).
 *
 * <p>DL4J keeps the state of consecutive parameters with the same updater configuration in one block; this finds the
 * parameter's segment in each of the block's state arrays. See {@code BaseMultiLayerUpdater#getUpdaterBlocks()}.
 */
final class UpdaterStates {

    private UpdaterStates() {
    }

    /**
     * The state arrays of {@code paramKey} of {@code layer}, each a vector view over the param's values;
     * empty for a stateless updater (Sgd, NoOp) or before the network has an updater.
     *
     * @throws UnsupportedOperationException for an updater state whose layout is not one array per parameter value
     */
    static List<INDArray> of(Model model, Layer layer, String paramKey) {
        return new ArrayList<>(named(model, layer, paramKey).values());
    }

    /** As {@link #of}, by the updater's name of each state array (e.g. Adam's "M" and "V"). */
    static Map<String, INDArray> named(Model model, Layer layer, String paramKey) {
        BaseMultiLayerUpdater<?> updater = updaterOf(model);
        Map<String, INDArray> views = new java.util.LinkedHashMap<>();
        if (updater == null) {
            return views;
        }
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
                if (!paramKey.equals(ps.getParamName()) || !isLayer(ps.getLayer(), layer)) {
                    continue;
                }
                long blockLength = block.getParamOffsetEnd() - block.getParamOffsetStart();
                long from = ps.getParamOffsetStart() - block.getParamOffsetStart();
                long to = ps.getParamOffsetEnd() - block.getParamOffsetStart();
                Map<String, INDArray> state = block.getGradientUpdater().getState();
                if (state == null) {
                    continue;
                }
                for (Map.Entry<String, INDArray> e : state.entrySet()) {
                    INDArray s = e.getValue();
                    if (s.length() != blockLength) {
                        throw new UnsupportedOperationException("updater " + block.getGradientUpdater().getConfig()
                                + ": state '" + e.getKey() + "' has " + s.length() + " values for " + blockLength
                                + " parameters; prune-and-regrow cannot reset it per connection");
                    }
                    views.put(e.getKey(), segment(s, from, to, e.getKey()));
                }
            }
        }
        return views;
    }

    /**
     * @return true if {@code model} has trained ({@code iterationCount > 0}) with an updater that keeps state (Adam,
     *         momentum SGD...) yet holds none: no updater yet, or an all-zero state. That is what DL4J's
     *         {@code ModelSerializer} gives for a file saved without its updater state, restored with
     *         {@code loadUpdater = false}, or cut short after its parameters.
     */
    static boolean looksRestoredWithoutState(Model model) {
        if (Networks.iterationCount(model) == 0 || !keepsState(model)) {
            return false;
        }
        BaseMultiLayerUpdater<?> updater = updaterOf(model);
        INDArray state = updater == null ? null : updater.getStateViewArray();
        return state == null || state.length() == 0 || state.amaxNumber().doubleValue() == 0.0;
    }

    private static boolean keepsState(Model model) {
        for (Layer layer : Networks.layers(model)) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            for (String key : layer.paramTable().keySet()) {
                org.nd4j.linalg.learning.config.IUpdater u = conf.getUpdaterByParam(key);
                if (u != null && u.stateSize(1) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A view of {@code state[from, to)} as a vector; never a copy, so writes reach the updater. */
    private static INDArray segment(INDArray state, long from, long to, String name) {
        if (state.rank() == 1) {
            return state.get(NDArrayIndex.interval(from, to));
        }
        if (state.rank() == 2 && state.rows() == 1) {
            return state.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, to));
        }
        throw new UnsupportedOperationException("updater state '" + name + "' of shape "
                + java.util.Arrays.toString(state.shape()) + " is not a vector");
    }

    private static boolean isLayer(Trainable trainable, Layer layer) {
        if (trainable == layer) {
            return true;
        }
        return trainable instanceof GraphVertex && ((GraphVertex) trainable).hasLayer()
                && ((GraphVertex) trainable).getLayer() == layer;
    }

    private static BaseMultiLayerUpdater<?> updaterOf(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) model).getUpdater(false);
        }
        if (model instanceof ComputationGraph) {
            return ((ComputationGraph) model).getUpdater(false);
        }
        throw new IllegalArgumentException("prune-and-regrow needs a MultiLayerNetwork or a ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }
}
