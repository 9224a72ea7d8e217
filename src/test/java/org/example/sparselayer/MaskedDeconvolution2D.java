package org.example.sparselayer;

import io.github.dl4jsparse.layers.MatrixParamKeys;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.SparseLayerBuilder;
import io.github.dl4jsparse.layers.SparseLayers;
import io.github.dl4jsparse.layers.SparseParamInitializer;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A sparse layer type written outside dl4j-sparse with its public API only, as docs/sparse-layers.md describes: DL4J's
 * {@link Deconvolution2D} whose kernel {@code [nIn, nOut, kH, kW]} is multiplied by a fixed binary mask. Its connection
 * matrix is the kernel flattened per input channel ('c' order): {@code nIn} columns of {@code nOut · kH · kW} rows.
 * Everything else (the builder's sparsity, mask seed and storage and their check through {@code SparseLayerBuilder},
 * the active count and storage resolution, storages, reports, prune-and-regrow, serialisation) comes from the library.
 */
public class MaskedDeconvolution2D extends Deconvolution2D
        implements SparseLayerConfig, SparseParamInitializer.Layout {

    private double sparsity = Double.NaN;
    private Long maskSeed;
    private WeightStorage storage = WeightStorage.AUTO;

    /** For Jackson. */
    protected MaskedDeconvolution2D() {
    }

    private MaskedDeconvolution2D(Builder builder) {
        super(builder);
        this.sparsity = builder.options.sparsity();
        this.storage = builder.options.storage();
        this.maskSeed = builder.options.maskSeed();
    }

    // SparseLayerConfig: the connection matrix

    @Override
    public long connectionRows() {
        return getNOut() * (long) kernelSize[0] * kernelSize[1];
    }

    @Override
    public long connectionColumns() {
        return getNIn();
    }

    @Override
    public long[] weightShape() {
        return new long[]{getNIn(), getNOut(), kernelSize[0], kernelSize[1]};
    }

    @Override
    public char weightOrder() {
        return 'c';
    }

    @Override
    public long biasCount() {
        return hasBias() ? getNOut() : 0;
    }

    // SparseParamInitializer.Layout: the parameters

    @Override
    public ParamInitializer initializer() {
        return SparseParamInitializer.INSTANCE;
    }

    @Override
    public List<SparseLayerConfig> sparseMatrices() {
        return List.of(this);
    }

    @Override
    public Map<String, long[]> otherParams() {
        return hasBias() ? Map.of(BIAS_KEY, new long[]{1, getNOut()}) : Map.of();
    }

    @Override
    public List<String> biasKeys() {
        return hasBias() ? List.of(BIAS_KEY) : List.of();
    }

    @Override
    public void initialize(Map<String, INDArray> params) {
        double receptive = (double) kernelSize[0] * kernelSize[1];
        SparseLayers.initializeConnections(this, description(), params, getWeightInitFn(), getNIn() * receptive,
                getNOut() * receptive);
        if (hasBias()) {
            params.get(BIAS_KEY).assign(getBiasInit());
        }
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                       Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray paramsView, boolean initializeParams,
                                                       DataType networkDataType) {
        return SparseLayers.instantiate(this, description(), conf, listeners, layerIndex, paramsView, initializeParams,
                networkDataType, MaskedDeconvolution2DLayer::new);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return isTrainable(paramName) ? super.getUpdaterByParam(paramName) : new NoOp();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return isTrainable(paramName) ? super.getRegularizationByParam(paramName) : List.of();
    }

    private String description() {
        return SparseLayers.describe("MaskedDeconvolution2D", getLayerName());
    }

    // Bean accessors

    @Override
    public double getSparsity() {
        return sparsity;
    }

    @Override
    public void setSparsity(double sparsity) {
        this.sparsity = sparsity;
    }

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
    public MatrixParamKeys paramKeys() {
        return MatrixParamKeys.STANDARD;
    }

    @Override
    public MaskedDeconvolution2D clone() {
        return (MaskedDeconvolution2D) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaskedDeconvolution2D other && super.equals(o)
                && Double.compare(sparsity, other.sparsity) == 0 && Objects.equals(maskSeed, other.maskSeed)
                && storage == other.storage;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), sparsity, maskSeed, storage);
    }

    /**
     * Builds a {@link MaskedDeconvolution2D}: sparsity, storage and mask seed first (DL4J's deconvolution builder
     * methods return its own builder type), then DL4J's deconvolution options.
     */
    public static class Builder extends Deconvolution2D.Builder implements SparseLayerBuilder<Builder> {

        private final Options options = new Options();

        public Builder(int kH, int kW) {
            super(kH, kW);
        }

        @Override
        public Options sparseOptions() {
            return options;
        }

        @Override
        @SuppressWarnings("unchecked")
        public MaskedDeconvolution2D build() {
            options.requireValid(SparseLayers.describe("MaskedDeconvolution2D", layerName), nIn, nOut);
            return new MaskedDeconvolution2D(this);
        }
    }
}
