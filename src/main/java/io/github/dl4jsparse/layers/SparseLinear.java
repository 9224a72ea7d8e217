package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import io.github.dl4jsparse.mask.RandomMasks;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution3D;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.conf.preprocessor.Cnn3DToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.RnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A fully connected layer whose weights are multiplied by a fixed binary mask on every forward pass:
 * {@code out = activation(x · (W ⊙ M) + b)}, with {@code W} and {@code M} of shape {@code [nIn, nOut]}.
 *
 * <p>A drop-in replacement for {@link org.deeplearning4j.nn.conf.layers.DenseLayer} in a
 * {@code MultiLayerConfiguration} or {@code ComputationGraphConfiguration}:
 * <pre>{@code
 * .layer(new SparseLinear.Builder().nIn(784).nOut(300).sparsity(0.9)
 *         .activation(Activation.RELU).build())
 * }</pre>
 *
 * <p>The mask {@code M} has exactly {@code Math.round(sparsity · nIn · nOut)} zeros (see {@link RandomMasks}). How
 * {@code W} and {@code M} are held is the {@link WeightStorage} ({@link Builder#storage}, default
 * {@link WeightStorage#AUTO}): under {@link WeightStorage#ACTIVE} only the active connections are parameters (their
 * values {@value #ACTIVE_WEIGHT_KEY} and positions {@value #ACTIVE_INDEX_KEY}), so gradient, updater work and updater
 * state shrink with the density; under {@link WeightStorage#DENSE} {@code W} and the mask {@value #WEIGHT_MASK_KEY}
 * are dense parameters. Either way the mask is saved and restored by {@code ModelSerializer} and shown by the DL4J UI,
 * but never trained: it gets no gradient, no regularisation and the {@link NoOp} updater, and masked weights are
 * exactly 0.0 under every updater and regulariser. The runtime layer's {@code maskedWeights()} and
 * {@code weightMask()} give the dense view of either storage.
 *
 * <p>The mask's placement is reproducible: with {@link Builder#maskSeed(long)} it depends on that seed only;
 * otherwise it is drawn from ND4J's random generator while the network initialises its parameters, so the same
 * network seed gives the same masks and two layers of one network get different ones.
 *
 * <p>This is the static sparse layer of <i>sparse training from scratch</i>; see also Mocanu et al., "Scalable
 * training of artificial neural networks with adaptive sparse connectivity inspired by network science", Nature
 * Communications 9, 2383 (2018).
 */
public class SparseLinear extends SameDiffLayer implements SparseLayerConfig {
    /** Set when a network instantiates this configuration: its parameters are then laid out for its sparsity. */
    private transient boolean instantiated;

    private long nIn;
    private long nOut;
    private double sparsity = Double.NaN;
    private IActivation activationFn;
    private boolean hasBias = true;
    private double biasInit;
    private Long maskSeed;
    private WeightStorage storage = WeightStorage.AUTO;
    /** {@code [height, width, channels]} of the {@code convolutionalFlat} input this layer was built for, or null. */
    private long[] imageInputShape;

    private SparseLinear() {
        // for Jackson. A configuration saved before WeightStorage existed has no "storage" field: its parameters are
        // W and weightMask, so it must restore with dense storage. Configurations saved since carry the field.
        this.storage = WeightStorage.DENSE;
    }

    private SparseLinear(Builder builder) {
        super(builder);
        this.nIn = builder.nIn;
        this.nOut = builder.nOut;
        this.sparsity = builder.options.sparsity();
        this.activationFn = builder.activationFn;
        this.hasBias = builder.hasBias;
        this.biasInit = builder.biasInit;
        this.maskSeed = builder.options.maskSeed();
        this.storage = builder.options.storage();
        if (builder.weightInitFn != null) {
            setParamWeightInit(new HashMap<>(Map.of(WEIGHT_KEY, builder.weightInitFn)));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Parameters

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        resolvedStorage().weightParams(this).forEach(params::addWeightParam);
        if (hasBias) {
            params.addBiasParam(BIAS_KEY, 1, nOut);
        }
    }

    /**
     * Draws the active positions ({@link RandomMasks#activePositions}, column-major {@code i + j · nIn}) and their
     * values (the layer's weight initialisation with the dense fan-in {@code nIn} and fan-out {@code nOut}, drawn as a
     * vector of the active count), so that initialisation costs memory and time in proportion to the active
     * connections. Both storages make the same draws: a network seed gives the same {@code W ⊙ M} whichever storage
     * the layer uses.
     */
    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        SparseLayers.initializeConnections(this, layerDescription(), params, weightInitFunction(), nIn, nOut);
        if (hasBias) {
            params.get(BIAS_KEY).assign(biasInit);
        }
    }

    /**
     * 'f' (column-major) for W and the mask, the layout of {@code DenseLayer}'s W, so products run the same way; 'c'
     * for the others.
     */
    @Override
    public char paramReshapeOrder(String param) {
        return WEIGHT_KEY.equals(param) || WEIGHT_MASK_KEY.equals(param) ? 'f' : 'c';
    }

    /** @return {@code nIn} */
    @Override
    public long connectionRows() {
        return nIn;
    }

    /** @return {@code nOut} */
    @Override
    public long connectionColumns() {
        return nOut;
    }

    /** @return {@code [nIn, nOut]} */
    @Override
    public long[] weightShape() {
        return new long[]{nIn, nOut};
    }

    /** @return {@code nOut} with a bias, else 0 */
    @Override
    public long biasCount() {
        return hasBias ? nOut : 0;
    }

    /** The weight initialisation of W: the one set on this layer, else the network's, else XAVIER. */
    IWeightInit weightInitFunction() {
        Map<String, IWeightInit> perParam = getParamWeightInit();
        if (perParam != null && perParam.containsKey(WEIGHT_KEY)) {
            return perParam.get(WEIGHT_KEY);
        }
        return (weightInit != null ? weightInit : WeightInit.XAVIER).getWeightInitFunction();
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (!paramKeys().isTrainable(paramName)) {
            return new NoOp();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (!paramKeys().isTrainable(paramName)) {
            return Collections.emptyList();
        }
        return super.getRegularizationByParam(paramName);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Network integration

    @Override
    public void applyGlobalConfigToLayer(NeuralNetConfiguration.Builder globalConfig) {
        if (activationFn == null) {
            activationFn = globalConfig.getActivationFn();
        }
        boolean weightInitSet = weightInit != null
                || (getParamWeightInit() != null && getParamWeightInit().containsKey(WEIGHT_KEY));
        if (!weightInitSet && globalConfig.getWeightInitFn() != null) {
            setParamWeightInit(new HashMap<>(Map.of(WEIGHT_KEY, globalConfig.getWeightInitFn())));
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType instanceof InputType.InputTypeConvolutionalFlat flat) {
            imageInputShape = new long[]{flat.getHeight(), flat.getWidth(), flat.getDepth()};
        }
        if (nIn > 0 && !override) {
            return;
        }
        long inferred;
        if (inputType != null && inputType.getType() == InputType.Type.FF) {
            inferred = ((InputType.InputTypeFeedForward) inputType).getSize();
        } else if (inputType != null && inputType.getType() == InputType.Type.CNNFlat) {
            inferred = ((InputType.InputTypeConvolutionalFlat) inputType).getFlattenedSize();
        } else if (inputType != null && inputType.getType() == InputType.Type.RNN) {
            inferred = ((InputType.InputTypeRecurrent) inputType).getSize();
        } else {
            throw new IllegalStateException(layerDescription() + ": expected a feed-forward, convolutional or recurrent input type, got " + inputType);
        }
        if (inferred != nIn) {
            nIn = inferred;
            setLayerParams(null); // parameter shapes depend on nIn
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        if (inputType == null) {
            throw new IllegalStateException(layerDescription() + ": input type is null");
        }
        switch (inputType.getType()) {
            case FF:
            case CNNFlat:
                return null;
            case CNN:
                InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
                return new CnnToFeedForwardPreProcessor(c.getHeight(), c.getWidth(), c.getChannels(), c.getFormat());
            case CNN3D:
                InputType.InputTypeConvolutional3D c3 = (InputType.InputTypeConvolutional3D) inputType;
                return new Cnn3DToFeedForwardPreProcessor(c3.getDepth(), c3.getHeight(), c3.getWidth(),
                        c3.getChannels(), c3.getDataFormat() == Convolution3D.DataFormat.NCDHW);
            case RNN:
                // applied per time step, as DenseLayer is: [minibatch, size, time] -> [minibatch · time, size]
                return new RnnToFeedForwardPreProcessor(((InputType.InputTypeRecurrent) inputType).getFormat());
            default:
                throw new IllegalStateException(layerDescription() + ": expected a feed-forward, convolutional or "
                        + "recurrent input type, got " + inputType);
        }
    }

    /**
     * @return whether a network has been initialised from this configuration object (not from a copy: a clone or a
     *         configuration read from JSON starts unmarked); its sparsity then no longer changes the network
     */
    public boolean isInstantiated() {
        return instantiated;
    }

    @Override
    public SparseLinear clone() {
        SparseLinear copy = (SparseLinear) super.clone();
        copy.instantiated = false;
        return copy;
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        SparseLayers.requireNInNOut(layerDescription(), layerIndex, nIn, nOut);
        SparseLayers.validateSparsity(layerDescription(), sparsity);
        WeightStorage.validate(layerDescription(), this, networkDataType);
        instantiated = true;
        SparseLinearLayer layer = new SparseLinearLayer(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> paramTable = initializer().init(conf, layerParamsView, initializeParams);
        if (!initializeParams) {
            // parameters come from elsewhere (a saved model): refuse a mask that is not one
            String name = getLayerName() != null ? getLayerName() : "index " + layerIndex;
            resolvedStorage().requireValid(name, paramTable, this);
        }
        layer.setParamTable(paramTable);
        layer.setConf(conf);
        layer.setListeners(trainingListeners);
        return layer;
    }

    /**
     * The reference definition of the layer as a SameDiff graph: {@code activation(x · (W ⊙ stopGradient(M)) + b)}.
     * Training does not run this graph (DL4J 1.0.0-M2.1 doubles the gradients of SameDiff layers, see
     * {@link SparseLinearLayer}); it is kept as the specification that the runtime layer is tested against. Defined
     * for {@link WeightStorage#DENSE} only: the active storage is tested against the dense one.
     */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable layerInput, Map<String, SDVariable> paramTable, SDVariable mask) {
        if (!paramTable.containsKey(WEIGHT_KEY)) {
            throw new UnsupportedOperationException(layerDescription() + ": the SameDiff definition exists for "
                    + "WeightStorage.DENSE only");
        }
        SDVariable effectiveWeights = paramTable.get(WEIGHT_KEY).mul(new StopGradient(sd, paramTable.get(WEIGHT_MASK_KEY)).outputVariable());
        SDVariable z = layerInput.mmul(effectiveWeights);
        if (hasBias) {
            z = z.add(paramTable.get(BIAS_KEY));
        }
        return activationAsSameDiff(sd, z);
    }

    private SDVariable activationAsSameDiff(SameDiff sd, SDVariable z) {
        for (Activation a : Activation.values()) {
            IActivation candidate;
            try {
                candidate = a.getActivationFunction();
            } catch (RuntimeException notAvailable) {
                continue;
            }
            if (candidate.equals(activationFn)) {
                return a.asSameDiff(sd, z);
            }
        }
        throw new UnsupportedOperationException(layerDescription() + ": activation " + activationFn
                + " has no SameDiff equivalent");
    }

    private String layerDescription() {
        return SparseLayers.describe("SparseLinear", getLayerName());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bean accessors (Jackson needs a getter and a setter for every field)

    public long getNIn() {
        return nIn;
    }

    public void setNIn(long nIn) {
        if (nIn != this.nIn) {
            this.nIn = nIn;
            setLayerParams(null);
        }
    }

    public long getNOut() {
        return nOut;
    }

    public void setNOut(long nOut) {
        if (nOut != this.nOut) {
            this.nOut = nOut;
            setLayerParams(null);
        }
    }

    /** @return the fraction of weights that are masked out, in [0, 1) */
    @Override
    public double getSparsity() {
        return sparsity;
    }

    @Override
    public void setSparsity(double sparsity) {
        if (Double.compare(sparsity, this.sparsity) != 0) {
            this.sparsity = sparsity;
            setLayerParams(null); // the active storage's parameter shapes depend on the sparsity
        }
    }

    /** @return the weight storage as configured; see {@link #resolvedStorage()} for the one in use */
    @Override
    public WeightStorage getStorage() {
        return storage;
    }

    @Override
    public void setStorage(WeightStorage storage) {
        if (storage != this.storage) {
            this.storage = storage;
            setLayerParams(null);
        }
    }

    public IActivation getActivationFn() {
        return activationFn;
    }

    public void setActivationFn(IActivation activationFn) {
        this.activationFn = activationFn;
    }

    public boolean isHasBias() {
        return hasBias;
    }

    public void setHasBias(boolean hasBias) {
        if (hasBias != this.hasBias) {
            this.hasBias = hasBias;
            setLayerParams(null);
        }
    }

    public double getBiasInit() {
        return biasInit;
    }

    public void setBiasInit(double biasInit) {
        this.biasInit = biasInit;
    }

    /**
     * @return {@code [height, width, channels]} of the {@code InputType.convolutionalFlat} input this layer was
     *         configured for by {@code setInputType}, or null; the Sparsity page draws its input-connectivity heat map
     *         in this shape
     */
    public long[] getImageInputShape() {
        return imageInputShape == null ? null : imageInputShape.clone();
    }

    /** For JSON: see {@link #getImageInputShape()}. */
    public void setImageInputShape(long[] imageInputShape) {
        this.imageInputShape = imageInputShape == null ? null : imageInputShape.clone();
    }

    @Override
    public long[] imageInput() {
        return getImageInputShape();
    }

    /** @return the seed of the mask's draw, or null when it is drawn from the network's random generator */
    @Override
    public Long getMaskSeed() {
        return maskSeed;
    }

    public void setMaskSeed(Long maskSeed) {
        this.maskSeed = maskSeed;
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SparseLinear)) {
            return false;
        }
        SparseLinear other = (SparseLinear) o;
        // the inherited equals compares the lazily derived parameter shapes field by field: derive them on both sides
        getLayerParams();
        other.getLayerParams();
        if (!super.equals(o)) {
            return false;
        }
        return nIn == other.nIn && nOut == other.nOut && Double.compare(sparsity, other.sparsity) == 0
                && hasBias == other.hasBias && Double.compare(biasInit, other.biasInit) == 0
                && Objects.equals(activationFn, other.activationFn) && Objects.equals(maskSeed, other.maskSeed)
                && storage == other.storage;
    }

    @Override
    public int hashCode() {
        // not super.hashCode(): DL4J's SDLayerParams hashes its long[] shapes by identity
        return Objects.hash(getLayerName(), getUpdater(), getBiasUpdater(), getRegularization(), nIn, nOut, sparsity, activationFn, hasBias, biasInit, maskSeed, storage);
    }

    @Override
    public String toString() {
        return "SparseLinear(name=" + getLayerName() + ", nIn=" + nIn + ", nOut=" + nOut + ", sparsity=" + sparsity
                + ", activation=" + activationFn + ", hasBias=" + hasBias + ", biasInit=" + biasInit
                + ", maskSeed=" + maskSeed + ", storage=" + storage + ", weightInit=" + weightInitFunction() + ", updater=" + getUpdater()
                + ", biasUpdater=" + getBiasUpdater() + ", regularization=" + getRegularization()
                + ", regularizationBias=" + getRegularizationBias() + ", dropOut=" + getIDropout() + ")";
    }

    /**
     * Builder of {@link SparseLinear}. {@link #nOut(long)} and {@link #sparsity(double)} are required; {@code nIn} may
     * be left to {@code setInputType(...)}. The sparsity, mask seed and storage are {@link SparseLayerBuilder}'s.
     */
    public static class Builder extends SameDiffLayer.Builder<Builder> implements SparseLayerBuilder<Builder> {

        private final Options options = new Options();
        private long nIn;
        private long nOut;
        private IActivation activationFn;
        private boolean hasBias = true;
        private double biasInit;
        private IWeightInit weightInitFn;

        public Builder() {
            // no default: the layer takes the network's weight initialisation (XAVIER unless set), like DenseLayer
            this.weightInit = null;
        }

        /** Number of inputs. Default: 0, filled in by {@code setInputType(...)}; must be > 0 by then. */
        public Builder nIn(long nIn) {
            this.nIn = nIn;
            return this;
        }

        /** Number of outputs (units). Required, > 0. */
        public Builder nOut(long nOut) {
            this.nOut = nOut;
            return this;
        }

        @Override
        public Options sparseOptions() {
            return options;
        }

        /** Activation function. Default: the network's ({@code SIGMOID} unless set), as for DenseLayer. */
        public Builder activation(Activation activation) {
            return activation(activation.getActivationFunction());
        }

        /** Activation function. Default: the network's ({@code SIGMOID} unless set), as for DenseLayer. */
        public Builder activation(IActivation activationFn) {
            this.activationFn = activationFn;
            return this;
        }

        /** Whether the layer has a bias {@code b}. Default: true. */
        public Builder hasBias(boolean hasBias) {
            this.hasBias = hasBias;
            return this;
        }

        /** Initial value of every bias entry. Default: 0.0. */
        public Builder biasInit(double biasInit) {
            this.biasInit = biasInit;
            return this;
        }

        /**
         * Distribution of the active weights, drawn with the dense fan-in {@code nIn} and fan-out {@code nOut} (masked
         * weights are 0). Default: the network's, XAVIER unless set. IDENTITY is refused at initialisation: it is not a
         * distribution.
         */
        public Builder weightInit(IWeightInit weightInit) {
            this.weightInitFn = weightInit;
            return this;
        }

        /**
         * Builds the layer configuration.
         *
         * @throws IllegalArgumentException if sparsity is unset, NaN or outside [0, 1), if {@code nOut <= 0} or {@code nIn < 0}
         */
        @Override
        @SuppressWarnings("unchecked")
        public SparseLinear build() {
            options.requireValid(SparseLayers.describe("SparseLinear", layerName), nIn, nOut);
            return new SparseLinear(this);
        }
    }
}
