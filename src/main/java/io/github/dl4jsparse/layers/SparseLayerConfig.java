package io.github.dl4jsparse.layers;

/**
 * The configuration side of every sparse layer of this library ({@link SparseLinear}, {@link SparseConv2D}): what
 * reports, sparsity distributions, pruning and prune-and-regrow need to know of a layer without knowing which kind it
 * is.
 *
 * <p>A sparse layer's connections form a matrix of {@link #connectionRows()} inputs per output unit by
 * {@link #connectionColumns()} output units; a connection's <i>position</i> is {@code r + o · rows} (column-major),
 * which is also its index in the dense weight tensor of shape {@link #weightShape()} read in that tensor's own
 * parameter order. For {@link SparseLinear} the matrix is {@code W} itself ({@code [nIn, nOut]}); for
 * {@link SparseConv2D} the kernel {@code [nOut, nIn, kH, kW]} flattened per output channel ({@code nIn · kH · kW}
 * rows).
 */
public interface SparseLayerConfig {

    /** Parameter key of the dense weights {@code W} under {@link WeightStorage#DENSE}, of {@link #weightShape()}. */
    String WEIGHT_KEY = "W";
    /** Parameter key of the bias {@code b}, shape {@code [1, nOut]}. */
    String BIAS_KEY = "b";
    /**
     * Parameter key of the binary weight mask {@code M} under {@link WeightStorage#DENSE}, of {@link #weightShape()}.
     * Not {@code "mask"}: DL4J reserves that name for the input mask of SameDiff layers.
     */
    String WEIGHT_MASK_KEY = "weightMask";
    /** Parameter key of the values of the active connections under {@link WeightStorage#ACTIVE}, shape {@code [1, a]}. */
    String ACTIVE_WEIGHT_KEY = "activeW";
    /**
     * Parameter key of the positions of the active connections under {@link WeightStorage#ACTIVE}: the column-major
     * position {@code r + o · rows} of each, strictly increasing, as exact integers; shape {@code [1, a]} (or
     * {@code [2, a]}, low 24 bits and the bits above, for layers of more than 2^24 connections). Never trained.
     */
    String ACTIVE_INDEX_KEY = "activeIndex";
    /**
     * {@link WeightStorage#AUTO} stores only the active connections from this sparsity up, where active storage was
     * faster and smaller than dense storage in the benchmarks (docs/speed-and-memory.md, "Figures behind the
     * defaults").
     */
    double ACTIVE_STORAGE_MIN_SPARSITY = 0.5;

    /**
     * @return the parameter keys of this connection matrix: {@link MatrixParamKeys#STANDARD} for a layer with one
     *         matrix
     */
    default MatrixParamKeys paramKeys() {
        return MatrixParamKeys.STANDARD;
    }

    /**
     * @return the name of this connection matrix within its layer (e.g. {@code RW}) when the layer has several, null
     *         for a layer's only matrix; reports name a matrix {@code layer/matrix}
     */
    default String matrixName() {
        return null;
    }

    /**
     * @return the memory order of the dense weight tensor in which positions index it: {@code 'f'} when the tensor is
     *         the connection matrix {@code [rows, columns]} itself, {@code 'c'} for a tensor {@code [columns, ...]}
     *         whose trailing dimensions flatten to the rows (a convolution kernel)
     */
    default char weightOrder() {
        return 'f';
    }

    /** @return the layer's name, or null when it has none */
    String getLayerName();

    /** @return the fraction of connections that are masked out, in [0, 1) */
    double getSparsity();

    /** Sets the sparsity, before the network is initialised (e.g. by a sparsity distribution). */
    void setSparsity(double sparsity);

    /** @return the weight storage as configured */
    WeightStorage getStorage();

    /** Sets the weight storage, before the network is initialised (e.g. to move a pruned network to active storage). */
    void setStorage(WeightStorage storage);

    /** @return the storage in use, {@link WeightStorage#AUTO} resolved by the sparsity */
    default WeightStorage resolvedStorage() {
        return WeightStorage.resolve(getStorage(), getSparsity(), this);
    }

    /** @return the seed of the mask's draw, or null when it is drawn from the network's random generator */
    Long getMaskSeed();

    /** @return the inputs of one output unit: {@code nIn}, or {@code nIn · kH · kW} for a convolution */
    long connectionRows();

    /** @return the output units ({@code nOut}) */
    long connectionColumns();

    /**
     * @return how many consecutive connection rows belong to one input unit: 1 for a fully connected layer,
     *         {@code kH · kW} for a convolution (an input channel's rows are its kernel positions)
     */
    default long rowsPerInputUnit() {
        return 1;
    }

    /**
     * @return {@code [height, width, channels]} of the flattened image input the layer was configured for
     *         ({@code InputType.convolutionalFlat}), or null when unknown
     */
    default long[] imageInput() {
        return null;
    }

    /** @return the shape of the layer's dense weight tensor: {@code [nIn, nOut]} or {@code [nOut, nIn, kH, kW]} */
    long[] weightShape();

    /** @return the number of bias parameters (0 without bias) */
    long biasCount();

    /** @return every possible connection, {@code connectionRows() · connectionColumns()} */
    default long connections() {
        return connectionRows() * connectionColumns();
    }

    /**
     * @return the number of active (unmasked) connections, {@code connections() − round(sparsity · connections())}
     * @throws IllegalArgumentException naming the layer (and matrix) if the sparsity is not in [0, 1)
     */
    default long activeConnections() {
        String what = SparseLayers.describe(layerKind(), getLayerName())
                + (matrixName() == null ? "" : " matrix " + matrixName());
        SparseLayers.validateSparsity(what, getSparsity());
        long size = connections();
        return size - io.github.dl4jsparse.mask.RandomMasks.zeroCount(size, getSparsity());
    }

    /** @return the layer's kind as messages name it; default the configuration's class name, e.g. {@code SparseConv2D} */
    default String layerKind() {
        return getClass().getSimpleName();
    }
}
