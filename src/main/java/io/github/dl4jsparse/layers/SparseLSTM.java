package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseLSTMLayer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.AbstractLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An LSTM whose input weights {@code W} ({@code [nIn, 4·nOut]}) and recurrent weights {@code RW}
 * ({@code [nOut, 4·nOut]}) are each multiplied by a fixed binary mask on every forward pass; the bias (with the
 * forget-gate bias init) stays dense. A drop-in replacement for DL4J's {@link LSTM} (it is one: gate activation,
 * forget-gate bias init, NCW and NWC, masking of variable-length sequences, {@code LastTimeStep},
 * {@code RnnOutputLayer}, truncated BPTT and {@code rnnTimeStep} work as there):
 * <pre>{@code
 * .layer(new SparseLSTM.Builder().nOut(128).sparsity(0.9).activation(Activation.TANH).build())
 * }</pre>
 *
 * <p>The layer holds two sparse connection matrices, each with its own sparsity ({@link Builder#sparsity} sets both,
 * {@link Builder#inputSparsity} and {@link Builder#recurrentSparsity} one), mask, positions and counts:
 * {@link #inputMatrix()} (rows: the {@code nIn} inputs) and {@link #recurrentMatrix()} (rows: the {@code nOut} units
 * of the previous time step), each with {@code 4·nOut} columns, the gates in DL4J's order (input, forget, output,
 * input modulation). Sparsity distributions (ERK), reports and prune-and-regrow treat them as two layers named
 * {@code layer/W} and {@code layer/RW}. The forward and backward passes are DL4J's LSTM on {@code W ⊙ M} and
 * {@code RW ⊙ M_R}, the gradients turned into the storage's (masked, or gathered at the active positions).
 *
 * <p>Defaults: as DL4J's LSTM (forget-gate bias init 1.0, sigmoid gates); sparsity must be set; storage
 * {@link WeightStorage#AUTO} (per matrix, by its sparsity); masks drawn from the network's random generator unless
 * {@link Builder#maskSeed} is set ({@code RW} then uses {@code maskSeed + 1}). Weight noise is not supported.
 */
public class SparseLSTM extends LSTM implements SparseParamInitializer.Layout {
    /** Set when a network instantiates this configuration: its parameters are then laid out for its sparsity. */
    private transient boolean instantiated;

    /** Parameter keys of the recurrent weights {@code RW}: {@code RW}, {@code recurrentWeightMask}, {@code activeRW}, {@code activeRecurrentIndex}. */
    public static final MatrixParamKeys RECURRENT_KEYS = new MatrixParamKeys("RW", "recurrentWeightMask", "activeRW",
            "activeRecurrentIndex");

    private double inputSparsity = Double.NaN;
    private double recurrentSparsity = Double.NaN;
    private Long maskSeed;
    private WeightStorage storage = WeightStorage.AUTO;

    /** For Jackson. */
    public SparseLSTM() {
    }

    private SparseLSTM(Builder builder) {
        LSTM.Builder plain = new LSTM.Builder();
        copyFields(builder, plain, AbstractLSTM.Builder.class);
        // DL4J's own constructors (constraints, dropout, defaults) run on a plain LSTM; this layer takes its fields
        copyFields(plain.build(), this, LSTM.class);
        this.inputSparsity = builder.inputSparsity;
        this.recurrentSparsity = builder.recurrentSparsity;
        this.maskSeed = builder.options.maskSeed();
        this.storage = builder.options.storage();
    }

    /**
     * Copies every field of DL4J's LSTM configuration (shape, activations, forget-gate bias, format, updaters,
     * regularisation, dropout, constraints, name) from {@code lstm} into {@code sparse}; its sparsities, mask seed and
     * storage stay as they are. For converting a dense LSTM (e.g. {@code MagnitudePruning}).
     */
    public static void copyLstmFields(LSTM lstm, SparseLSTM sparse) {
        copyFields(lstm, sparse, LSTM.class);
    }

    /** Copies every instance field declared in {@code type} and its superclasses from {@code from} to {@code to}. */
    private static void copyFields(Object from, Object to, Class<?> type) {
        for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    f.set(to, f.get(from));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot copy LSTM field " + f, e);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The two connection matrices

    /** @return the input weights {@code W}: {@code nIn} rows, {@code 4·nOut} columns, keys {@link MatrixParamKeys#STANDARD} */
    public SparseLayerConfig inputMatrix() {
        return new Matrix(false);
    }

    /** @return the recurrent weights {@code RW}: {@code nOut} rows, {@code 4·nOut} columns, keys {@link #RECURRENT_KEYS} */
    public SparseLayerConfig recurrentMatrix() {
        return new Matrix(true);
    }

    @Override
    public List<SparseLayerConfig> sparseMatrices() {
        return List.of(inputMatrix(), recurrentMatrix());
    }

    /** One of the two matrices, a view of this configuration (changing its sparsity or storage changes the layer's). */
    private final class Matrix implements SparseLayerConfig {

        private final boolean recurrent;

        Matrix(boolean recurrent) {
            this.recurrent = recurrent;
        }

        @Override
        public MatrixParamKeys paramKeys() {
            return recurrent ? RECURRENT_KEYS : MatrixParamKeys.STANDARD;
        }

        @Override
        public String matrixName() {
            return recurrent ? "RW" : "W";
        }

        @Override
        public String getLayerName() {
            return SparseLSTM.this.getLayerName();
        }

        @Override
        public double getSparsity() {
            return recurrent ? recurrentSparsity : inputSparsity;
        }

        @Override
        public void setSparsity(double sparsity) {
            if (recurrent) {
                recurrentSparsity = sparsity;
            } else {
                inputSparsity = sparsity;
            }
        }

        @Override
        public WeightStorage getStorage() {
            return storage;
        }

        @Override
        public void setStorage(WeightStorage storage) {
            SparseLSTM.this.storage = storage;
        }

        @Override
        public String layerKind() {
            return "SparseLSTM";
        }

        @Override
        public Long getMaskSeed() {
            return maskSeed == null ? null : recurrent ? maskSeed + 1 : maskSeed;
        }

        @Override
        public long connectionRows() {
            return recurrent ? getNOut() : getNIn();
        }

        @Override
        public long connectionColumns() {
            return 4 * getNOut();
        }

        @Override
        public long[] weightShape() {
            return new long[]{connectionRows(), connectionColumns()};
        }

        /** @return {@code 4·nOut} for {@code W}, which counts the layer's bias; 0 for {@code RW} */
        @Override
        public long biasCount() {
            return recurrent ? 0 : 4 * getNOut();
        }

        String description() {
            return layerDescription() + " matrix " + matrixName();
        }

        @Override
        public String toString() {
            return description() + " [" + connectionRows() + " x " + connectionColumns() + "], sparsity "
                    + getSparsity();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Network integration

    @Override
    public ParamInitializer initializer() {
        return SparseParamInitializer.INSTANCE;
    }

    /** @return the bias {@code b}, {@code [4·nOut]} (rank 1, as DL4J's LSTM holds it) */
    @Override
    public Map<String, long[]> otherParams() {
        return Map.of(SparseLayerConfig.BIAS_KEY, new long[]{4 * getNOut()});
    }

    @Override
    public List<String> biasKeys() {
        return List.of(SparseLayerConfig.BIAS_KEY);
    }

    /**
     * Draws both matrices' connections with DL4J's LSTM fan-in {@code nOut} and fan-out {@code nIn + nOut} (RW from the
     * recurrent weight init if set), and sets b as DL4J does: the forget gate's to the forget-gate bias init, the
     * others to 0.
     */
    @Override
    public void initialize(Map<String, INDArray> params) {
        double fanIn = getNOut();
        double fanOut = getNIn() + getNOut();
        IWeightInit recurrentInit = getWeightInitFnRecurrent() != null ? getWeightInitFnRecurrent() : getWeightInitFn();
        SparseLayers.initializeConnections(inputMatrix(), layerDescription() + " matrix W", params, getWeightInitFn(),
                fanIn, fanOut);
        SparseLayers.initializeConnections(recurrentMatrix(), layerDescription() + " matrix RW", params, recurrentInit,
                fanIn, fanOut);
        INDArray bias = params.get(SparseLayerConfig.BIAS_KEY);
        bias.assign(0.0);
        bias.get(NDArrayIndex.interval(getNOut(), 2 * getNOut())).assign(getForgetGateBiasInit());
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> trainingListeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams,
                                                       DataType networkDataType) {
        org.deeplearning4j.nn.api.Layer layer = SparseLayers.instantiate(this, layerDescription(), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams, networkDataType, SparseLSTMLayer::new);
        instantiated = true;
        return layer;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return isTrainable(paramName) ? super.getUpdaterByParam(paramName) : new NoOp();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return isTrainable(paramName) ? super.getRegularizationByParam(paramName) : Collections.emptyList();
    }

    @Override
    public SparseLSTM clone() {
        SparseLSTM copy = (SparseLSTM) super.clone();
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
        return SparseLayers.describe("SparseLSTM", getLayerName());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bean accessors (Jackson needs a getter and a setter for every field)

    /** @return the sparsity of the input weights {@code W} */
    public double getInputSparsity() {
        return inputSparsity;
    }

    public void setInputSparsity(double inputSparsity) {
        this.inputSparsity = inputSparsity;
    }

    /** @return the sparsity of the recurrent weights {@code RW} */
    public double getRecurrentSparsity() {
        return recurrentSparsity;
    }

    public void setRecurrentSparsity(double recurrentSparsity) {
        this.recurrentSparsity = recurrentSparsity;
    }

    public Long getMaskSeed() {
        return maskSeed;
    }

    public void setMaskSeed(Long maskSeed) {
        this.maskSeed = maskSeed;
    }

    public WeightStorage getStorage() {
        return storage;
    }

    public void setStorage(WeightStorage storage) {
        this.storage = storage;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SparseLSTM other) || !super.equals(o)) {
            return false;
        }
        return Double.compare(inputSparsity, other.inputSparsity) == 0
                && Double.compare(recurrentSparsity, other.recurrentSparsity) == 0
                && Objects.equals(maskSeed, other.maskSeed) && storage == other.storage;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), inputSparsity, recurrentSparsity, maskSeed, storage);
    }

    @Override
    public String toString() {
        return "SparseLSTM(name=" + getLayerName() + ", nIn=" + getNIn() + ", nOut=" + getNOut() + ", inputSparsity="
                + inputSparsity + ", recurrentSparsity=" + recurrentSparsity + ", maskSeed=" + maskSeed + ", storage="
                + storage + ", activation=" + getActivationFn() + ", gateActivation=" + getGateActivationFn()
                + ", forgetGateBiasInit=" + getForgetGateBiasInit() + ", format=" + getRnnDataFormat() + ")";
    }

    /**
     * Builds a {@link SparseLSTM}: every option of DL4J's {@code LSTM.Builder}, the sparsity of the two matrices, and
     * {@link SparseLayerBuilder}'s mask seed ({@code W}: this seed, {@code RW}: seed + 1) and storage (resolved per
     * matrix).
     */
    public static class Builder extends AbstractLSTM.Builder<Builder> implements SparseLayerBuilder<Builder> {

        private final Options options = new Options();
        private double inputSparsity = Double.NaN;
        private double recurrentSparsity = Double.NaN;

        @Override
        public Options sparseOptions() {
            return options;
        }

        /** Sets the sparsity of both {@code W} and {@code RW}: the fraction of their connections masked out, in [0, 1). */
        @Override
        public Builder sparsity(double sparsity) {
            this.inputSparsity = sparsity;
            this.recurrentSparsity = sparsity;
            return this;
        }

        /** Sets the sparsity of the input weights {@code W}, in [0, 1). */
        public Builder inputSparsity(double sparsity) {
            this.inputSparsity = sparsity;
            return this;
        }

        /** Sets the sparsity of the recurrent weights {@code RW}, in [0, 1). */
        public Builder recurrentSparsity(double sparsity) {
            this.recurrentSparsity = sparsity;
            return this;
        }

        /**
         * @throws IllegalArgumentException for a sparsity not in [0, 1) (naming which), or a negative nIn or nOut
         */
        @Override
        @SuppressWarnings("unchecked")
        public SparseLSTM build() {
            String description = SparseLayers.describe("SparseLSTM", layerName);
            SparseLayers.validateSparsity(description + " matrix W: inputSparsity", inputSparsity);
            SparseLayers.validateSparsity(description + " matrix RW: recurrentSparsity", recurrentSparsity);
            SparseLayers.requireSizes(description, nIn, nOut);
            return new SparseLSTM(this);
        }
    }
}
