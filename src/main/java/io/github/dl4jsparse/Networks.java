package io.github.dl4jsparse;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What this library reads from a DL4J network, for a {@link MultiLayerNetwork} and a {@link ComputationGraph} alike:
 * its layers, its iteration count and its seed. Anything else is rejected with a message that names it.
 */
public final class Networks {

    private Networks() {
    }

    /**
     * @return the network's layers, in network order
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static Layer[] layers(Model model) {
        Layer[] layers = null;
        if (model instanceof MultiLayerNetwork) {
            layers = ((MultiLayerNetwork) model).getLayers();
        } else if (model instanceof ComputationGraph) {
            layers = ((ComputationGraph) model).getLayers();
        } else {
            throw unsupported(model);
        }
        if (layers == null) {
            throw new IllegalStateException("the " + model.getClass().getSimpleName() + " is not initialised: it has "
                    + "no layers yet; call init() on it first");
        }
        return layers;
    }

    /**
     * @return DL4J's iteration count: the number of minibatches trained so far
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static long iterationCount(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).getIterationCount();
        }
        if (model instanceof ComputationGraph) {
            return ((ComputationGraph) model).getIterationCount();
        }
        throw unsupported(model);
    }

    /**
     * @return DL4J's epoch count
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static int epochCount(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).getEpochCount();
        }
        if (model instanceof ComputationGraph) {
            return ((ComputationGraph) model).getEpochCount();
        }
        throw unsupported(model);
    }

    /**
     * @return the seed of the network's configuration
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static long seed(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).getLayerWiseConfigurations().getConf(0).getSeed();
        }
        if (model instanceof ComputationGraph) {
            return ((ComputationGraph) model).getConfiguration().getDefaultConfiguration().getSeed();
        }
        throw unsupported(model);
    }

    /**
     * @return the network's training listeners (an empty collection when none)
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static java.util.Collection<org.deeplearning4j.optimize.api.TrainingListener> listeners(Model model) {
        java.util.Collection<org.deeplearning4j.optimize.api.TrainingListener> listeners;
        if (model instanceof MultiLayerNetwork net) {
            listeners = net.getListeners();
        } else if (model instanceof ComputationGraph graph) {
            listeners = graph.getListeners();
        } else {
            throw unsupported(model);
        }
        return listeners != null ? listeners : java.util.List.of();
    }

    /** @return the layer's configured name, or its index when it has none (as {@code SparsityReport} names it) */
    public static String layerName(Layer layer) {
        String name = layer.conf().getLayer().getLayerName();
        return name != null ? name : String.valueOf(layer.getIndex());
    }

    /**
     * Runs one forward and backward pass of {@code model} on {@code data} (labels included), leaving the parameters as
     * they are: what layers that keep something from their backward pass (RigL's dense gradient) need.
     *
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static void computeGradient(Model model, org.nd4j.linalg.dataset.api.DataSet data) {
        if (model instanceof MultiLayerNetwork net) {
            net.setInput(data.getFeatures());
            net.setLabels(data.getLabels());
            net.computeGradientAndScore();
        } else if (model instanceof ComputationGraph graph) {
            graph.setInput(0, data.getFeatures());
            graph.setLabel(0, data.getLabels());
            graph.computeGradientAndScore();
        } else {
            throw unsupported(model);
        }
    }

    /**
     * @return the layer inside DL4J's wrappers ({@code FrozenLayer}, {@code FrozenLayerWithBackprop}, any
     *         {@code BaseWrapperLayer}), or the layer itself
     */
    public static Layer unwrap(Layer layer) {
        Layer inner = layer;
        while (inner instanceof BaseWrapperLayer) {
            inner = ((BaseWrapperLayer) inner).getUnderlying();
        }
        return inner;
    }

    /**
     * @return whether {@code layer} is frozen ({@code FrozenLayer} or {@code FrozenLayerWithBackprop} at any depth of
     *         DL4J's wrappers): its parameters do not train
     */
    public static boolean isFrozen(Layer layer) {
        Layer inner = layer;
        while (true) {
            if (inner instanceof org.deeplearning4j.nn.layers.FrozenLayer
                    || inner instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop) {
                return true;
            }
            if (!(inner instanceof BaseWrapperLayer w)) {
                return false;
            }
            inner = w.getUnderlying();
        }
    }

    private static IllegalArgumentException unsupported(Model model) {
        return new IllegalArgumentException("dl4j-sparse needs a MultiLayerNetwork or a ComputationGraph, got "
                + (model == null ? "null" : model.getClass().getName()));
    }
}
