package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.layers.MatrixParamKeys;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The runtime support of one sparse connection matrix, whatever its storage: what a runtime layer of a sparse layer
 * type delegates to instead of handling weights, masks and positions itself. A layer holds one per connection matrix
 * ({@link io.github.dl4jsparse.layers.SparseLSTM} holds two) and hands them out through
 * {@link SparseMatrices#sparseMatrices()}; reports, pruning and prune-and-regrow work on them.
 *
 * <p>For a layer whose products run on dense tensors (DL4J's convolution or LSTM on {@code W ⊙ M}):
 * <ol>
 *   <li>where the layer reads its weight tensor, hand it {@link #maskedTensor} (the parameter itself, masked in place,
 *       under dense storage in training; a working copy scattered from the active connections under active
 *       storage);</li>
 *   <li>where it writes the weight tensor's gradient, point it at {@link #gradientTensorTarget()}, then call
 *       {@link #enterGradientFromDense} with the gradient it wrote: it is masked (dense storage) or gathered at the
 *       active positions (active storage) and entered in the layer's {@link Gradient} under the storage's keys, and
 *       kept for {@link #takeWeightGradient()} when {@link #captureDenseWeightGradient()} asked for it
 *       ({@link #backpropThrough} does all of it for a DL4J runtime that writes into {@code gradientViews});</li>
 *   <li>in the layer's {@code setParam}, call {@link #beforeSetParam} and {@link #afterSetParam}
 *       ({@link #setParam(List, String, INDArray, BiConsumer, Function)}).</li>
 * </ol>
 * The parameters themselves are the layer's (see {@link io.github.dl4jsparse.layers.SparseParamInitializer}); this
 * class reads them by key through the accessors given at construction.
 *
 * <p>The dense weight tensor is {@link SparseLayerConfig#weightShape()} in the memory order
 * {@link SparseLayerConfig#weightOrder()}: {@code 'f'} for a tensor that is the connection matrix itself
 * ({@code [rows, columns]}), {@code 'c'} for a tensor {@code [columns, ...]} whose trailing dimensions flatten to the
 * rows (a convolution kernel {@code [nOut, nIn, kH, kW]}).
 */
public final class SparseMatrix implements SparseLayer {

    private final SparseLayerConfig config;
    private final LayerWeights weights;
    private final DataType dataType;
    private final Supplier<String> name;
    private boolean captureRequested;
    private DenseWeightGradient kept;

    /**
     * @param config   the connection matrix's configuration (its shape, storage and parameter keys)
     * @param dataType the network's data type
     * @param param    the layer's parameter view by key (e.g. {@code layer::getParam})
     * @param gradient the layer's gradient view by key
     * @param name     the matrix's name for messages, e.g. {@code "lstm1/RW"}
     */
    public SparseMatrix(SparseLayerConfig config, DataType dataType, Function<String, INDArray> param,
                        Function<String, INDArray> gradient, Supplier<String> name) {
        this.config = config;
        this.dataType = dataType;
        this.name = name;
        LayerParams params = new LayerParams(param, gradient, name, this::matrixView, config.paramKeys());
        this.weights = config.resolvedStorage() == WeightStorage.ACTIVE
                ? new ActiveWeights(params, config.connectionRows(), config.connectionColumns())
                : new MaskedDenseWeights(params);
    }

    /** The storage's products and views, for the runtime layers of this package. */
    LayerWeights weights() {
        return weights;
    }

    /** @return the matrix's name for messages */
    public String name() {
        return name.get();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tensor and matrix views

    /** A weight-shaped tensor (or its gradient) as the connection matrix {@code [rows, columns]}: a view. */
    private INDArray matrixView(INDArray tensor) {
        long rows = config.connectionRows();
        long columns = config.connectionColumns();
        return config.weightOrder() == 'f'
                ? tensor.reshape('f', rows, columns)
                : tensor.reshape('c', columns, rows).transpose();
    }

    /**
     * @param matrix a connection matrix {@code [rows, columns]}
     * @return it in the weight tensor's shape: a view where the strides allow it
     */
    public INDArray tensorView(INDArray matrix) {
        return config.weightOrder() == 'f'
                ? matrix.reshape('f', config.weightShape())
                : matrix.transpose().reshape('c', config.weightShape());
    }

    /**
     * @return {@code W ⊙ M} as the connection matrix {@code [rows, columns]} that the caller only reads: the parameter
     *         itself, masked in place, under dense storage in training; otherwise a working copy outside the
     *         workspaces (under active storage kept while positions and values are unchanged)
     */
    public INDArray maskedMatrix(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return weights.maskedMatrix(training, workspaceMgr);
    }

    /** @return {@link #maskedMatrix} in the weight tensor's shape */
    public INDArray maskedTensor(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return tensorView(maskedMatrix(training, workspaceMgr));
    }

    /**
     * @return the connection matrix {@code [rows, columns]} ('f') where the layer's backward pass is to write the dense
     *         weight gradient: the weight parameter's gradient view under dense storage, a reused working array under
     *         active storage
     */
    public INDArray gradientTarget() {
        return weights.denseGradientTarget();
    }

    /** @return {@link #gradientTarget()} in the weight tensor's shape */
    public INDArray gradientTensorTarget() {
        return tensorView(gradientTarget());
    }

    /**
     * Turns the dense weight gradient the backward pass wrote into {@link #gradientTarget()} into the storage's
     * gradient ({@code dL/dW ⊙ M}, or {@code dL/dv} at the active positions) and enters it in {@code gradient}; keeps
     * a copy first if {@link #captureDenseWeightGradient()} asked for one.
     */
    public void enterGradientFromDense(Gradient gradient) {
        INDArray target = weights.denseGradientTarget();
        if (captureRequested) {
            keep(new DenseGradientMatrix(target));
        }
        weights.weightGradientFromDense(target, gradient);
    }

    /**
     * Runs a DL4J layer's own backward pass with the weight gradients of {@code matrices} redirected, and returns the
     * layer's sparse gradient: step 2 of the class comment for a layer whose DL4J runtime writes its weight gradients
     * into {@code gradientViews} (convolution, deconvolution, LSTM).
     *
     * @param matrices     DL4J's key of each weight tensor (e.g. {@code W}, {@code RW}) and the matrix that holds it
     * @param views        reads the layer's {@code gradientViews}
     * @param setViews     sets the layer's {@code gradientViews}
     * @param dl4jBackprop DL4J's backward pass (e.g. {@code () -> super.backpropGradient(epsilon, workspaceMgr)})
     * @return the matrices' storage gradients and every other entry of DL4J's gradient (the bias), and DL4J's
     *         {@code dL/dx}
     */
    public static Pair<Gradient, INDArray> backpropThrough(Map<String, SparseMatrix> matrices,
                                                           Supplier<Map<String, INDArray>> views,
                                                           Consumer<Map<String, INDArray>> setViews,
                                                           Supplier<Pair<Gradient, INDArray>> dl4jBackprop) {
        Map<String, INDArray> original = views.get();
        Map<String, INDArray> redirected = new LinkedHashMap<>(original);
        matrices.forEach((key, m) -> redirected.put(key, m.gradientTensorTarget()));
        Pair<Gradient, INDArray> dense;
        setViews.accept(redirected);
        try {
            dense = dl4jBackprop.get();
        } finally {
            setViews.accept(original);
        }
        Gradient gradient = new DefaultGradient();
        matrices.values().forEach(m -> m.enterGradientFromDense(gradient));
        dense.getFirst().gradientForVariable().forEach((key, g) -> {
            if (!matrices.containsKey(key)) {
                gradient.gradientForVariable().put(key, g);
            }
        });
        return new Pair<>(gradient, dense.getSecond());
    }

    /**
     * A layer's {@code setParam} for its matrices (step 3 of the class comment): checks the value
     * ({@link #beforeSetParam}), assigns it with {@code assign}, then masks the weights ({@link #afterSetParam}).
     *
     * @throws IllegalStateException for a mask that is not binary or invalid positions; nothing is changed then
     */
    public static void setParam(List<SparseMatrix> matrices, String key, INDArray value,
                                BiConsumer<String, INDArray> assign, Function<String, INDArray> param) {
        matrices.forEach(m -> m.beforeSetParam(key, value));
        assign.accept(key, value);
        matrices.forEach(m -> m.afterSetParam(key, param));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gradient capture

    @Override
    public void captureDenseWeightGradient() {
        captureRequested = true;
    }

    /** @return whether the next backward pass is to keep the dense weight gradient ({@link #keep}) */
    public boolean captureRequested() {
        return captureRequested;
    }

    /** Keeps {@code gradient} for {@link #takeWeightGradient()} (closing one not taken) and clears the request. */
    public void keep(DenseWeightGradient gradient) {
        if (kept != null) {
            kept.close();
        }
        kept = gradient;
        captureRequested = false;
    }

    @Override
    public DenseWeightGradient takeWeightGradient() {
        DenseWeightGradient g = kept;
        kept = null;
        captureRequested = false;
        return g;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Parameters set from outside

    /**
     * Checks a value a layer's {@code setParam} is about to assign: a new mask must be binary and new positions valid.
     *
     * @throws IllegalStateException naming the matrix and the parameter; nothing is changed then
     */
    public void beforeSetParam(String key, INDArray value) {
        MatrixParamKeys keys = config.paramKeys();
        if (keys.mask().equals(key)) {
            BinaryMasks.requireBinary(name(), key, value);
        }
        if (keys.activeIndex().equals(key)) {
            PositionIndex.requireValid(name(), key, value, config.connectionRows(), config.connectionColumns());
        }
    }

    /** After a layer's {@code setParam} assigned the weights or the mask: masks the weights so masked ones stay 0. */
    public void afterSetParam(String key, Function<String, INDArray> param) {
        MatrixParamKeys keys = config.paramKeys();
        if (keys.weight().equals(key) || keys.mask().equals(key)) {
            param.apply(keys.weight()).muli(param.apply(keys.mask()));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // SparseLayer

    @Override
    public SparseLayerConfig sparseConfig() {
        return config;
    }

    @Override
    public BinaryMasks.Counts sparsityCounts() {
        return weights.counts(name());
    }

    @Override
    public long[] activePositions() {
        return weights.activePositions();
    }

    @Override
    public double[] activeValues() {
        return weights.activeValues();
    }

    @Override
    public void rewire(long[] positions, List<INDArray> updaterStates) {
        weights.rewire(positions, updaterStates);
    }

    @Override
    public void setActiveValues(long[] positions, double[] values) {
        weights.setActiveValues(positions, values);
    }

    @Override
    public String trainableWeightKey() {
        return weights.trainableKey();
    }

    @Override
    public boolean activeCountMayChange() {
        return weights.activeCountMayChange();
    }

    @Override
    public boolean updaterStatePerActiveConnection() {
        return weights.updaterStatePerActiveConnection();
    }

    /** @return {@code W ⊙ M} in the weight shape and order, the network's data type: a copy, outside any workspace */
    @Override
    public INDArray maskedWeights() {
        return tensor(weights.flatWeights());
    }

    /** @return the mask in the weight shape and order: a copy, outside any workspace */
    @Override
    public INDArray weightMask() {
        return tensor(weights.flatMask());
    }

    /** @return {@code W ⊙ M} flat by position (entry {@code (r, c)} at {@code r + c · rows}), as doubles: a copy */
    public double[] flatWeights() {
        return weights.flatWeights();
    }

    /** @return the mask flat by position, values 0.0 and 1.0: a copy */
    public double[] flatMask() {
        return weights.flatMask();
    }

    private INDArray tensor(double[] byPosition) {
        // position r + c · rows is the index of the entry in the tensor's own order, 'f' or 'c' (see the class doc)
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(byPosition, config.weightShape(), config.weightOrder()).castTo(dataType);
        }
    }

    @Override
    public void setMaskedWeights(INDArray weights, INDArray mask) {
        long[] shape = config.weightShape();
        for (INDArray a : new INDArray[]{weights, mask}) {
            if (!Arrays.equals(a.shape(), shape)) {
                throw new IllegalArgumentException("Layer '" + name() + "': expected weights and mask of shape "
                        + Arrays.toString(shape) + ", got " + Arrays.toString(a.shape()));
            }
        }
        BinaryMasks.requireBinary(name(), "mask", mask);
        char order = config.weightOrder();
        this.weights.set(matrixView(weights.castTo(dataType).dup(order)), matrixView(mask.castTo(dataType).dup(order)));
    }
}
