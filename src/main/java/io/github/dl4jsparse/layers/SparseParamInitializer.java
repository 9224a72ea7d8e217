package io.github.dl4jsparse.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a sparse layer type that is not a SameDiff layer ({@link SparseConv2D}, {@link SparseLSTM}, or one
 * written outside this library), from its {@link Layout}: for each connection matrix the weight parameters its
 * {@link WeightStorage} defines (under the matrix's {@link MatrixParamKeys}; a dense weight tensor in the matrix's
 * {@link SparseLayerConfig#weightOrder()}), then the layer's other parameters (bias...), each a view of the layer's
 * slice of the network's flat parameters. The masks and positions are weight parameters for DL4J, but never trained:
 * give them no updater and no regularisation ({@link Layout#isTrainable}).
 */
public final class SparseParamInitializer implements ParamInitializer {

    /** What a layer configuration tells {@link SparseParamInitializer} of its parameters. */
    public interface Layout {

        /** @return the layer's sparse connection matrices, in parameter order */
        List<SparseLayerConfig> sparseMatrices();

        /** @return the layer's other parameters (key and shape, order 'c'), after those of the matrices */
        Map<String, long[]> otherParams();

        /** @return the keys among {@link #otherParams()} that DL4J treats as biases */
        List<String> biasKeys();

        /**
         * Initialises the parameters of a new network: the connections of every matrix (e.g. with
         * {@link SparseLayers#initializeConnections}) and the other parameters.
         */
        void initialize(Map<String, INDArray> params);

        /**
         * @return false for the parameters that describe which connections exist (masks and positions of every
         *         matrix): they get no gradient, no updater state and no regularisation
         */
        default boolean isTrainable(String paramName) {
            return sparseMatrices().stream().allMatch(m -> m.paramKeys().isTrainable(paramName));
        }
    }

    /** The one instance: it keeps no state. */
    public static final SparseParamInitializer INSTANCE = new SparseParamInitializer();

    private SparseParamInitializer() {
    }

    private static Layout layout(Layer layer) {
        if (layer instanceof Layout l) {
            return l;
        }
        throw new IllegalArgumentException("SparseParamInitializer initialises layers that implement "
                + "SparseParamInitializer.Layout, got " + layer.getClass().getName());
    }

    /** Every parameter with its shape and the memory order of its view. */
    private record Param(long[] shape, char order) {
    }

    private static Map<String, Param> params(Layer layer) {
        Layout layout = layout(layer);
        Map<String, Param> out = new LinkedHashMap<>();
        for (SparseLayerConfig m : layout.sparseMatrices()) {
            char order = m.resolvedStorage() == WeightStorage.DENSE ? m.weightOrder() : 'c';
            m.resolvedStorage().weightParams(m).forEach((key, shape) -> out.put(key, new Param(shape, order)));
        }
        layout.otherParams().forEach((key, shape) -> out.put(key, new Param(shape, 'c')));
        return out;
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return params(layer).values().stream().mapToLong(p -> length(p.shape())).sum();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return new ArrayList<>(params(layer).keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = paramKeys(layer);
        keys.removeAll(layout(layer).biasKeys());
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return List.copyOf(layout(layer).biasKeys());
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return layout(layer).biasKeys().contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> params = views(conf.getLayer(), paramsView, conf);
        if (initializeParams) {
            layout(conf.getLayer()).initialize(params);
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView, null);
    }

    /** Slices {@code flat} into the parameters' views, registering them as variables of {@code conf} if given. */
    private static Map<String, INDArray> views(Layer layer, INDArray flat, NeuralNetConfiguration conf) {
        INDArray vector = flat.reshape(flat.length());
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        long offset = 0;
        for (Map.Entry<String, Param> e : params(layer).entrySet()) {
            long n = length(e.getValue().shape());
            out.put(e.getKey(), vector.get(NDArrayIndex.interval(offset, offset + n))
                    .reshape(e.getValue().order(), e.getValue().shape()));
            offset += n;
            if (conf != null) {
                conf.addVariable(e.getKey());
            }
        }
        return out;
    }
}
