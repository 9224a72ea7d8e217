package io.github.dl4jsparse.prune;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.deeplearning4j.nn.weights.WeightInitConstant;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Map;

/**
 * SynFlow's working copy of a graph: double precision, every parameter replaced by its absolute value, no dropout or
 * regularisation, every output layer's activation the identity and its loss {@link SumOfOutputs}, and every batch
 * normalisation replaced by the per-channel affine map it computes in evaluation mode,
 * {@code |γ| (x − |μ|) / sqrt(|σ²| + ε) + |β|} (a 1 × 1 depthwise convolution on images, an element-wise
 * multiplication on vectors), as the paper's code scores a network with batch norm in evaluation mode.
 */
final class FlowGraph {

    private FlowGraph() {
    }

    static ComputationGraph of(ComputationGraph dense, InputType[] inputTypes) {
        ComputationGraphConfiguration conf = dense.getConfiguration().clone();
        conf.setDataType(DataType.DOUBLE);
        Map<String, InputType> types = conf.getLayerActivationTypes(inputTypes);
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (!(e.getValue() instanceof LayerVertex v)) {
                continue;
            }
            NeuralNetConfiguration layerConf = v.getLayerConf();
            org.deeplearning4j.nn.conf.layers.Layer layer = layerConf.getLayer();
            layer.setIDropout(null);
            if (layer instanceof BaseLayer base) {
                base.setRegularization(new ArrayList<>());
                base.setRegularizationBias(new ArrayList<>());
            }
            if (layer instanceof BatchNormalization bn) {
                layerConf.setLayer(affine(e.getKey(), bn, types.get(e.getKey())));
                layerConf.clearVariables();
            }
        }
        for (String output : conf.getNetworkOutputs()) {
            GraphVertex vertex = conf.getVertices().get(output);
            org.deeplearning4j.nn.conf.layers.Layer last = vertex instanceof LayerVertex v ? v.getLayerConf().getLayer()
                    : null;
            if (last instanceof BaseOutputLayer out) {
                out.setActivationFn(new ActivationIdentity());
                out.setLossFn(new SumOfOutputs());
            } else if (last instanceof LossLayer loss) {
                loss.setActivationFn(new ActivationIdentity());
                loss.setLossFn(new SumOfOutputs());
            } else {
                throw new IllegalArgumentException("SynFlow: output " + output + " must be an output layer or a loss "
                        + "layer, got " + (last == null ? vertex.getClass().getSimpleName()
                        : last.getClass().getSimpleName()));
            }
        }
        ComputationGraph flow = new ComputationGraph(conf);
        flow.init();
        for (Layer from : dense.getLayers()) {
            String name = from.conf().getLayer().getLayerName();
            Layer to = flow.getLayer(name);
            if (from.conf().getLayer() instanceof BatchNormalization bn) {
                setAffine(from, bn, to);
                continue;
            }
            for (Map.Entry<String, INDArray> p : from.paramTable().entrySet()) {
                to.getParam(p.getKey()).assign(Transforms.abs(p.getValue().castTo(DataType.DOUBLE), true));
            }
        }
        return flow;
    }

    /** The layer computing a batch norm's per-channel affine map on activations of {@code type}. */
    private static org.deeplearning4j.nn.conf.layers.Layer affine(String name, BatchNormalization bn, InputType type) {
        long channels = bn.getNOut();
        if (type instanceof InputType.InputTypeConvolutional cnn) {
            CNN2DFormat format = cnn.getFormat();
            return fixed(new DepthwiseConvolution2D.Builder(1, 1).nIn(channels).nOut(channels).depthMultiplier(1)
                    .dataFormat(format).hasBias(true).activation(Activation.IDENTITY).name(name).build());
        }
        if (type instanceof InputType.InputTypeFeedForward) {
            return fixed(new ElementWiseMultiplicationLayer.Builder().nIn(channels).nOut(channels)
                    .activation(Activation.IDENTITY).name(name).build());
        }
        throw new IllegalArgumentException("SynFlow: batch normalisation " + name + " on " + type + " activations is "
                + "not supported (images and vectors are); use Snip.toSparse or MagnitudePruning.toSparse");
    }

    /**
     * Settings a layer built outside a network builder lacks: an initialisation (overwritten by {@link #setAffine}),
     * no updates and no regularisation (the flow network never trains).
     */
    private static BaseLayer fixed(BaseLayer layer) {
        layer.setWeightInitFn(new WeightInitConstant(1.0));
        layer.setBiasInit(0.0);
        layer.setIUpdater(new NoOp());
        layer.setBiasUpdater(new NoOp());
        layer.setRegularization(new ArrayList<>());
        layer.setRegularizationBias(new ArrayList<>());
        return layer;
    }

    /** Writes {@code |γ| / sqrt(|σ²| + ε)} and {@code |β| − scale · |μ|} into the affine layer. */
    private static void setAffine(Layer from, BatchNormalization bn, Layer to) {
        long channels = bn.getNOut();
        INDArray gamma = bn.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[]{channels}, bn.getGamma(), DataType.DOUBLE)
                : abs(from.getParam(BatchNormalizationParamInitializer.GAMMA)).reshape(channels);
        INDArray beta = bn.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[]{channels}, bn.getBeta(), DataType.DOUBLE)
                : abs(from.getParam(BatchNormalizationParamInitializer.BETA)).reshape(channels);
        gamma = Transforms.abs(gamma, true);
        beta = Transforms.abs(beta, true);
        INDArray mean = abs(from.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN)).reshape(channels);
        INDArray std = bn.isUseLogStd()
                ? Transforms.pow(Nd4j.valueArrayOf(new long[]{channels}, 10.0, DataType.DOUBLE),
                from.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD).castTo(DataType.DOUBLE)
                        .reshape(channels))
                : Transforms.sqrt(abs(from.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR)).reshape(channels)
                .add(bn.getEps()), true);
        INDArray scale = gamma.div(std);
        INDArray shift = beta.sub(scale.mul(mean));
        INDArray w = to.getParam("W");
        w.assign(scale.reshape(w.shape()));
        INDArray b = to.getParam("b");
        b.assign(shift.reshape(b.shape()));
    }

    private static INDArray abs(INDArray a) {
        return Transforms.abs(a.castTo(DataType.DOUBLE), true);
    }
}
