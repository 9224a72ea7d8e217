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
 * The parameters of a {@link SparseConv2D}: the weight parameters its {@link WeightStorage} defines, then the bias
 * {@code b} ({@code [1, nOut]}), each a 'c'-order view of the layer's slice of the network's flat parameters.
 */
final class SparseConv2DParamInitializer implements ParamInitializer {

    static final SparseConv2DParamInitializer INSTANCE = new SparseConv2DParamInitializer();

    private SparseConv2DParamInitializer() {
    }

    private static Map<String, long[]> shapes(Layer layer) {
        SparseConv2D conv = (SparseConv2D) layer;
        Map<String, long[]> out = new LinkedHashMap<>(conv.resolvedStorage().weightParams(conv));
        if (conv.hasBias()) {
            out.put(SparseLayerConfig.BIAS_KEY, new long[]{1, conv.getNOut()});
        }
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
        return shapes(layer).values().stream().mapToLong(SparseConv2DParamInitializer::length).sum();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return new ArrayList<>(shapes(layer).keySet());
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        List<String> keys = paramKeys(layer);
        keys.remove(SparseLayerConfig.BIAS_KEY);
        return keys;
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return ((SparseConv2D) layer).hasBias() ? List.of(SparseLayerConfig.BIAS_KEY) : Collections.emptyList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return SparseLayerConfig.BIAS_KEY.equals(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        SparseConv2D layer = (SparseConv2D) conf.getLayer();
        Map<String, INDArray> params = views(layer, paramsView, conf);
        if (initializeParams) {
            layer.initializeConnections(params);
            if (layer.hasBias()) {
                params.get(SparseLayerConfig.BIAS_KEY).assign(layer.getBiasInit());
            }
        }
        return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView, null);
    }

    /** Slices {@code flat} into the parameters' views, registering them as variables of {@code conf} if given. */
    private static Map<String, INDArray> views(Layer layer, INDArray flat, NeuralNetConfiguration conf) {
        Map<String, long[]> shapes = shapes(layer);
        INDArray vector = flat.reshape(flat.length());
        Map<String, INDArray> out = Collections.synchronizedMap(new LinkedHashMap<>());
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = length(e.getValue());
            out.put(e.getKey(), vector.get(NDArrayIndex.interval(offset, offset + n)).reshape('c', e.getValue()));
            offset += n;
            if (conf != null) {
                conf.addVariable(e.getKey());
            }
        }
        return out;
    }
}
