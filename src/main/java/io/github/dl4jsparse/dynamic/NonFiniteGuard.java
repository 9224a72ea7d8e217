package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.runtime.NonFiniteValues;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Stops a step of a mask-changing listener's network at the first NaN or infinity, before DL4J applies the update:
 * a non-finite input, weight, gradient or updater state would otherwise spread through the weights and then decide
 * which connections are dropped and grown. Checked at the forward pass (the minibatch's features) and when the
 * gradient is ready (weights, gradient, updater state), one reduction pass over each; on a finding the exception names
 * what holds the values, how many, the layer's parameter where it can, and the fix.
 */
final class NonFiniteGuard {

    private NonFiniteGuard() {
    }

    /** @throws IllegalStateException if a network input holds a non-finite value; nothing has been updated yet */
    static void requireFiniteInputs(String who, Collection<INDArray> inputs) {
        int k = 0;
        for (INDArray input : inputs) {
            long bad = nonFinite(input);
            if (bad > 0) {
                throw new IllegalStateException(who + ": the minibatch's input " + k + " holds " + bad + " NaN or "
                        + "infinite value(s) of " + input.length() + "; the step was stopped before any update. Clean "
                        + "the data (missing values, a failed normalisation) before training");
            }
            k++;
        }
    }

    /**
     * @throws IllegalStateException if the network's weights, this step's gradient or the updater's state hold a
     *                               non-finite value; called before the update, so nothing has changed
     */
    static void requireFiniteStep(String who, Model model, long iteration) {
        // one reduction over each flattened array; only a finding looks for the parameter
        String where = nonFinite(model.params()) == 0 ? null
                : nonFiniteParameter(model, model.paramTable(), "the weights");
        Gradient gradient = model.gradient();
        if (where == null && gradient != null
                && (gradient.gradient() == null || nonFinite(gradient.gradient()) > 0)) {
            where = nonFiniteParameter(model, gradient.gradientForVariable(), "the gradient");
        }
        long badState = where == null ? nonFinite(updaterState(model)) : 0;
        if (badState > 0) {
            where = "the updater's state (" + badState + " value(s))";
        }
        if (where != null) {
            throw new IllegalStateException(who + ": at iteration " + iteration + " " + where + " holds NaN or "
                    + "infinite values, so training has diverged or was handed bad values; the step was stopped "
                    + "before the update and no mask was changed. Lower the learning rate, clip gradients "
                    + "(.gradientNormalization(GradientNormalization.ClipL2PerLayer)), check the data, or resume from "
                    + "a checkpoint");
        }
    }

    /**
     * @return e.g. {@code "the gradient of layer fc1 (parameter 0_W, 3 value(s))"} for the first parameter with
     *         non-finite values, or null
     */
    private static String nonFiniteParameter(Model model, Map<String, INDArray> params, String what) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            long bad = nonFinite(e.getValue());
            if (bad > 0) {
                return what + " of layer " + layerName(model, e.getKey()) + " (parameter " + e.getKey() + ", " + bad
                        + " value(s))";
            }
        }
        return null;
    }

    /** A MultiLayerNetwork's parameter keys start with the layer's index; a graph's with the layer's name. */
    private static String layerName(Model model, String key) {
        int underscore = key.indexOf('_');
        if (model instanceof MultiLayerNetwork net && underscore > 0) {
            try {
                String name = net.getLayer(Integer.parseInt(key.substring(0, underscore))).conf().getLayer()
                        .getLayerName();
                if (name != null) {
                    return name;
                }
            } catch (RuntimeException notAnIndex) {
                // fall through to the key's prefix
            }
        }
        return underscore > 0 ? key.substring(0, key.lastIndexOf('_')) : key;
    }

    private static INDArray updaterState(Model model) {
        BaseMultiLayerUpdater<?> updater = model instanceof MultiLayerNetwork net
                ? (BaseMultiLayerUpdater<?>) net.getUpdater(false)
                : model instanceof ComputationGraph graph ? graph.getUpdater(false) : null;
        return updater == null ? null : updater.getStateViewArray();
    }

    private static long nonFinite(INDArray a) {
        return NonFiniteValues.count(a);
    }
}
