package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static io.github.dl4jsparse.layers.SparseLayerConfig.BIAS_KEY;
import static io.github.dl4jsparse.layers.SparseLayerConfig.WEIGHT_KEY;

/**
 * The runtime layer of {@link SparseConv2D}. Under active storage, where
 * {@link io.github.dl4jsparse.kernels.ProductRoute} picks them, the products run on the active connections only
 * ({@link ConvolutionKernels}: no im2col matrix, nothing of the size of the dense kernel). Otherwise (dense storage, or
 * the dense route: small minibatches at low sparsity) DL4J's own convolution (forward, backward, helpers, data
 * formats, convolution modes) runs on the masked kernel {@code W ⊙ M}, with the kernel's gradient turned into the
 * storage's.
 *
 * <p>On the dense route: where DL4J's {@link ConvolutionLayer} reads its kernel, this layer hands it the storage's dense view of
 * {@code W ⊙ M} (the parameter itself under dense storage, masked in place in training; a working copy scattered from
 * the active connections under active storage, kept while they are unchanged). Where it writes the kernel's gradient,
 * this layer points it at the storage's dense gradient target, then masks it (dense storage: {@code dL/dW ⊙ M}) or
 * gathers it at the active positions (active storage). The weight storages are the ones of {@link SparseLinearLayer},
 * viewing the kernel {@code [nOut, nIn, kH, kW]} as the connection matrix {@code [nIn · kH · kW, nOut]}.
 */
public class SparseConv2DLayer extends ConvolutionLayer implements DelegatingSparseLayer {

    private static final String MULTI_LAYER_NETWORK = "org.deeplearning4j.nn.multilayer.MultiLayerNetwork";

    private final SparseMatrix matrix;
    /** The products on the active connections, under active storage; null under dense storage. */
    private final ConvolutionKernels kernels;
    /** The detached matrices {@link #kernelView} was last asked for (dense weights, gradient target), and their views. */
    private final INDArray[] keptMatrices = new INDArray[2];
    private final INDArray[] keptViews = new INDArray[2];
    private int nextKept;

    public SparseConv2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        SparseConv2D c = (SparseConv2D) conf.getLayer();
        this.matrix = new SparseMatrix(c, dataType, this::getParam, key -> gradientViews.get(key), this::layerName);
        this.kernels = c.resolvedStorage() == WeightStorage.ACTIVE
                ? new ConvolutionKernels((ActiveWeights) matrix.weights(), c)
                : null;
    }

    @Override
    public SparseMatrix sparseMatrix() {
        return matrix;
    }

    @Override
    public SparseConv2D sparseConfig() {
        return (SparseConv2D) conf.getLayer();
    }

    /** The connection matrix {@code [rows, nOut]} ('f') as a kernel {@code [nOut, nIn, kH, kW]} ('c'): a view. */
    private INDArray kernelView(INDArray matrix) {
        for (int k = 0; k < keptMatrices.length; k++) {
            if (keptMatrices[k] == matrix) {
                return keptViews[k];
            }
        }
        INDArray view = this.matrix.tensorView(matrix);
        if (!matrix.isAttached()) {
            // a working array the storage keeps across passes: keep its view too (a view costs several ND4J calls)
            keptMatrices[nextKept] = matrix;
            keptViews[nextKept] = view;
            nextKept = (nextKept + 1) % keptMatrices.length;
        }
        return view;
    }

    /** The kernel DL4J's convolution multiplies by: {@code W ⊙ M}. Other parameters as DL4J reads them. */
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (WEIGHT_KEY.equals(param)) {
            return kernelView(matrix.maskedMatrix(training, workspaceMgr));
        }
        return super.getParamWithNoise(param, training, workspaceMgr);
    }

    /**
     * Under active storage where {@link io.github.dl4jsparse.kernels.ProductRoute} picks them, the convolution on the
     * sparse kernels (bias and activation as DL4J's, dropout on the input); otherwise DL4J's convolution on
     * {@code W ⊙ M}.
     */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (kernels == null || input == null || input.rank() != 4 || !kernels.pays((int) input.size(0), training)) {
            return super.activate(training, workspaceMgr);
        }
        applyDropOutIfNecessary(training, workspaceMgr);
        validateInputDepth(layerConf().getNIn());
        INDArray z = kernels.preOutput(input.castTo(dataType), bias(), training, workspaceMgr);
        return layerConf().getActivationFn().getActivation(z, training);
    }

    private INDArray bias() {
        return layerConf().hasBias() ? getParam(BIAS_KEY) : null;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        IgnoredListeners.checkTrainingThread();
        if (kernels != null && !matrix.captureRequested()) {
            INDArray x = input.castTo(dataType);
            if (kernels.hasPassFor(x) || (x.rank() == 4 && kernels.pays((int) x.size(0), true))) {
                return kernelBackprop(x, epsilon, workspaceMgr);
            }
        }
        return denseBackprop(epsilon, workspaceMgr);
    }

    private Pair<Gradient, INDArray> kernelBackprop(INDArray x, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!kernels.hasPassFor(x)) {
            validateInputDepth(layerConf().getNIn());
            kernels.preOutput(x, bias(), true, workspaceMgr);
        }
        INDArray biasGradient = layerConf().hasBias() ? gradientViews.get(BIAS_KEY) : null;
        INDArray inputGradient = kernels.backprop(x, epsilon, layerConf().getActivationFn(), bias(), biasGradient,
                inputGradientNeeded(), workspaceMgr);
        Gradient gradient = new DefaultGradient();
        ((ActiveWeights) matrix.weights()).enterGradient(gradient);
        if (biasGradient != null) {
            gradient.gradientForVariable().put(BIAS_KEY, biasGradient);
        }
        return new Pair<>(gradient, backpropDropOutIfPresent(inputGradient));
    }

    /**
     * Whether the caller uses {@code dL/dx}: not when this is the first layer of a {@code MultiLayerNetwork} whose
     * training step ({@code computeGradientAndScore}) discards the gradient of the network input; then the kernel route
     * returns zeros in its place instead of computing it. Every other caller (a {@code ComputationGraph}, the
     * network's public {@code backpropGradient}, {@code calculateGradients}) gets it.
     */
    private boolean inputGradientNeeded() {
        if (index != 0) {
            return true;
        }
        return !StackWalker.getInstance().walk(frames -> frames.limit(8).anyMatch(f ->
                f.getClassName().equals(MULTI_LAYER_NETWORK) && f.getMethodName().equals("computeGradientAndScore")));
    }

    /** DL4J's convolution backward pass on {@code W ⊙ M}, its kernel gradient turned into the storage's. */
    private Pair<Gradient, INDArray> denseBackprop(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return SparseMatrix.backpropThrough(Map.of(WEIGHT_KEY, matrix), () -> gradientViews, v -> gradientViews = v,
                () -> super.backpropGradient(epsilon, workspaceMgr));
    }

    /**
     * Assigns a parameter; a new mask must be binary and new positions valid, and masked weights stay exactly 0.
     *
     * @throws IllegalStateException for a mask that is not binary or invalid positions; nothing is changed then
     */
    @Override
    public void setParam(String key, INDArray val) {
        SparseMatrix.setParam(List.of(matrix), key, val, super::setParam, this::getParam);
    }

    String layerName() {
        String name = conf.getLayer().getLayerName();
        return name != null ? name : "index " + index;
    }
}
