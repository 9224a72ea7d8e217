package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseConv2DLayer;
import io.github.dl4jsparse.mask.RandomMasks;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A 2D convolution whose kernel is multiplied by a fixed binary mask on every forward pass:
 * {@code out = activation(conv(x, W ⊙ M) + b)}, with {@code W} and {@code M} of shape {@code [nOut, nIn, kH, kW]}.
 *
 * <p>A drop-in replacement for DL4J's {@link ConvolutionLayer} (it is one: stride, padding, dilation, convolution
 * mode, NCHW and NHWC, {@code setInputType} and the usual preprocessors all work as there):
 * <pre>{@code
 * .layer(new SparseConv2D.Builder(5, 5).nOut(20).sparsity(0.9).activation(Activation.RELU).build())
 * }</pre>
 *
 * <p>The mask has exactly {@code Math.round(sparsity · nOut · nIn · kH · kW)} zeros (see {@link RandomMasks}), drawn
 * like {@link SparseLinear}'s. Under {@link WeightStorage#ACTIVE} (the default from sparsity
 * {@value #ACTIVE_STORAGE_MIN_SPARSITY}) only the active connections are parameters, gradient and updater state, and
 * the products run on them only ({@link io.github.dl4jsparse.kernels.SparseConvKernels}, without an im2col matrix)
 * wherever {@link io.github.dl4jsparse.kernels.ProductRoute}'s calibrated bounds pick them; elsewhere through DL4J's own convolution on a dense working copy of {@code W ⊙ M}, whose
 * gradient is gathered back at the active positions. Under dense storage DL4J's convolution always runs on the masked
 * parameter. A connection's position is
 * its index in the kernel read in 'c' order, {@code ((o · nIn + i) · kH + h) · kW + w}. The mask is never trained,
 * saved with the model, and masked weights are exactly 0.0 under every updater and regulariser.
 *
 * <p>Weight noise (DropConnect) is not supported: it would perturb the masked kernel's zeros.
 */
public class SparseConv2D extends ConvolutionLayer implements SparseLayerConfig, SparseParamInitializer.Layout {
    /** Set when a network instantiates this configuration: its parameters are then laid out for its sparsity. */
    private transient boolean instantiated;

    private double sparsity = Double.NaN;
    private Long maskSeed;
    private WeightStorage storage = WeightStorage.AUTO;

    private SparseConv2D() {
        // for Jackson
    }

    private SparseConv2D(Builder builder) {
        super(builder);
        this.cnn2dDataFormat = builder.dataFormat;
        this.sparsity = builder.options.sparsity();
        this.maskSeed = builder.options.maskSeed();
        this.storage = builder.options.storage();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SparseLayerConfig

    /** @return {@code nIn · kH · kW}, the inputs of one output channel */
    @Override
    public long connectionRows() {
        return getNIn() * (long) kernelSize[0] * kernelSize[1];
    }

    /** @return {@code nOut} */
    @Override
    public long connectionColumns() {
        return getNOut();
    }

    /** @return {@code kH · kW}: the rows of one input channel */
    @Override
    public long rowsPerInputUnit() {
        return (long) kernelSize[0] * kernelSize[1];
    }

    /** @return {@code [nOut, nIn, kH, kW]} */
    @Override
    public long[] weightShape() {
        return new long[]{getNOut(), getNIn(), kernelSize[0], kernelSize[1]};
    }

    /** @return {@code 'c'}: the kernel {@code [nOut, nIn, kH, kW]} flattens per output channel to the rows */
    @Override
    public char weightOrder() {
        return 'c';
    }

    @Override
    public long biasCount() {
        return hasBias() ? getNOut() : 0;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Network integration

    @Override
    public ParamInitializer initializer() {
        return SparseParamInitializer.INSTANCE;
    }

    @Override
    public List<SparseLayerConfig> sparseMatrices() {
        return List.of(this);
    }

    /** @return the bias {@code b}, {@code [1, nOut]}, if the layer has one */
    @Override
    public Map<String, long[]> otherParams() {
        return hasBias() ? Map.of(BIAS_KEY, new long[]{1, getNOut()}) : Map.of();
    }

    @Override
    public List<String> biasKeys() {
        return hasBias() ? List.of(BIAS_KEY) : List.of();
    }

    /**
     * Draws the initial connections and their values, with DL4J's convolution fan-in {@code nIn · kH · kW} and fan-out
     * {@code nOut · kH · kW / (sH · sW)}, and sets b to the bias init; called by the parameter initialiser.
     */
    @Override
    public void initialize(Map<String, INDArray> params) {
        double receptive = (double) kernelSize[0] * kernelSize[1];
        double fanIn = getNIn() * receptive;
        double fanOut = getNOut() * receptive / ((double) stride[0] * stride[1]);
        SparseLayers.initializeConnections(this, layerDescription(), params, getWeightInitFn(), fanIn, fanOut);
        if (hasBias()) {
            params.get(BIAS_KEY).assign(getBiasInit());
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        org.deeplearning4j.nn.api.Layer layer = SparseLayers.instantiate(this, layerDescription(), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams, networkDataType, SparseConv2DLayer::new);
        instantiated = true;
        return layer;
    }

    /**
     * As {@link ConvolutionLayer}'s, and refuses a kernel that does not fit the padded input with the layer's name,
     * the sizes and the input type.
     */
    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (inputType instanceof InputType.InputTypeConvolutional c && convolutionMode != org.deeplearning4j.nn.conf.ConvolutionMode.Same) {
            long[] in = {c.getHeight(), c.getWidth()};
            for (int d = 0; d < 2; d++) {
                long effective = (long) (kernelSize[d] - 1) * dilation[d] + 1;
                if (effective > in[d] + 2L * padding[d]) {
                    throw new IllegalArgumentException(layerDescription() + ": kernel size " + kernelSize[d]
                            + (dilation[d] > 1 ? " (dilation " + dilation[d] + ", effective " + effective + ")" : "")
                            + " in dimension " + (d == 0 ? "height" : "width") + " is larger than the padded input "
                            + in[d] + " + 2·" + padding[d] + " of " + inputType);
                }
            }
        }
        return super.getOutputType(layerIndex, inputType);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (!isTrainable(paramName)) {
            return new NoOp();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (!isTrainable(paramName)) {
            return Collections.emptyList();
        }
        return super.getRegularizationByParam(paramName);
    }

    @Override
    public SparseConv2D clone() {
        SparseConv2D copy = (SparseConv2D) super.clone();
        copy.instantiated = false;
        return copy;
    }

    /**
     * @return whether a network has been initialised from this configuration object (not from a copy: a clone or a
     *         configuration read from JSON starts unmarked); its sparsity then no longer changes the network
     */
    public boolean isInstantiated() {
        return instantiated;
    }

    private String layerDescription() {
        return SparseLayers.describe("SparseConv2D", getLayerName());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bean accessors (Jackson needs a getter and a setter for every field)

    /** @return the fraction of kernel weights that are masked out, in [0, 1) */
    @Override
    public double getSparsity() {
        return sparsity;
    }

    @Override
    public void setSparsity(double sparsity) {
        this.sparsity = sparsity;
    }

    /** @return the weight storage as configured; see {@link #resolvedStorage()} for the one in use */
    @Override
    public WeightStorage getStorage() {
        return storage;
    }

    @Override
    public void setStorage(WeightStorage storage) {
        this.storage = storage;
    }

    @Override
    public Long getMaskSeed() {
        return maskSeed;
    }

    public void setMaskSeed(Long maskSeed) {
        this.maskSeed = maskSeed;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SparseConv2D other) || !super.equals(o)) {
            return false;
        }
        return Double.compare(sparsity, other.sparsity) == 0 && Objects.equals(maskSeed, other.maskSeed)
                && storage == other.storage;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), sparsity, maskSeed, storage);
    }

    @Override
    public String toString() {
        return "SparseConv2D(name=" + getLayerName() + ", nIn=" + getNIn() + ", nOut=" + getNOut() + ", kernel="
                + Arrays.toString(kernelSize) + ", stride=" + Arrays.toString(stride) + ", padding="
                + Arrays.toString(padding) + ", dilation=" + Arrays.toString(dilation) + ", mode=" + convolutionMode
                + ", format=" + cnn2dDataFormat + ", sparsity=" + sparsity + ", maskSeed=" + maskSeed + ", storage="
                + storage + ", activation=" + getActivationFn() + ", hasBias=" + hasBias + ", weightInit="
                + getWeightInitFn() + ", updater=" + getIUpdater() + ")";
    }

    /**
     * Builder of {@link SparseConv2D}: {@code new SparseConv2D.Builder(kH, kW)}. {@link #nOut(long)} and
     * {@link #sparsity(double)} are required; {@code nIn} may be left to {@code setInputType(...)}. Defaults as for
     * {@link ConvolutionLayer}: stride 1, padding 0, dilation 1, the network's convolution mode, NCHW, with bias.
     */
    public static class Builder extends ConvolutionLayer.BaseConvBuilder<Builder>
            implements SparseLayerBuilder<Builder> {

        private final Options options = new Options();
        private CNN2DFormat dataFormat = CNN2DFormat.NCHW;

        /** A {@code kH × kW} kernel. */
        public Builder(int kH, int kW) {
            super(new int[]{kH, kW});
        }

        @Override
        protected boolean allowCausal() {
            return false;
        }

        /** NCHW (default) or NHWC: the layout of the input and output activations. */
        public Builder dataFormat(CNN2DFormat format) {
            this.dataFormat = Objects.requireNonNull(format, "dataFormat");
            return this;
        }

        @Override
        public Options sparseOptions() {
            return options;
        }

        /**
         * @throws IllegalArgumentException naming the layer, the parameter and the value: for a sparsity unset, NaN
         *                                  or outside [0, 1), {@code nOut <= 0}, {@code nIn < 0}, a kernel, stride or dilation entry
         *                                  {@code <= 0}, a negative padding, or a kernel/stride/padding/dilation that is not
         *                                  two numbers
         */
        @Override
        @SuppressWarnings("unchecked")
        public SparseConv2D build() {
            String description = SparseLayers.describe("SparseConv2D", layerName);
            options.requireValid(description, nIn, nOut);
            requirePair(description, "kernelSize", kernelSize, 1);
            requirePair(description, "stride", stride, 1);
            requirePair(description, "dilation", dilation, 1);
            requirePair(description, "padding", padding, 0);
            return new SparseConv2D(this);
        }

        private static void requirePair(String description, String what, int[] values, int min) {
            if (values == null || values.length != 2) {
                throw new IllegalArgumentException(description + ": " + what + " must be two numbers (height, width), "
                        + "got " + Arrays.toString(values));
            }
            for (int v : values) {
                if (v < min) {
                    throw new IllegalArgumentException(description + ": " + what + " must be " + (min == 0 ? ">= 0" : "> 0")
                            + ", got " + Arrays.toString(values));
                }
            }
        }
    }
}
