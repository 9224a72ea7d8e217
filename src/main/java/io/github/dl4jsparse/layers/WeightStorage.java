package io.github.dl4jsparse.layers;

/**
 * How a {@link SparseLinear} layer holds its weights. The layer computes the same function either way,
 * {@code activation(x · (W ⊙ M) + b)}; what differs is the memory and work the updater and the products spend on
 * the masked-out connections.
 */
public enum WeightStorage {

    /**
     * {@link #ACTIVE} at sparsity {@value SparseLinear#ACTIVE_STORAGE_MIN_SPARSITY} and above, {@link #DENSE} below
     * (and for a layer without a single active connection). The default.
     */
    AUTO,

    /**
     * The weights {@code W} and the binary mask {@code M} as two dense {@code [nIn, nOut]} parameters
     * ({@value SparseLinear#WEIGHT_KEY}, {@value SparseLinear#WEIGHT_MASK_KEY}). The updater (Adam's M and V
     * included) and the products work on all {@code nIn · nOut} positions, masked ones too.
     */
    DENSE,

    /**
     * Only the active connections: their values ({@value SparseLinear#ACTIVE_WEIGHT_KEY}, shape {@code [1, a]}) and
     * their positions ({@value SparseLinear#ACTIVE_INDEX_KEY}, shape {@code [1, a]}: {@code i + j · nIn}, sorted),
     * where {@code a} is the number of active connections. Parameters, gradient and updater state shrink with the
     * density; products run on the sparse kernels of {@link io.github.dl4jsparse.kernels.SparseKernels} where
     * {@link io.github.dl4jsparse.kernels.ProductRoute} finds them faster (by density and minibatch size), and as dense
     * matrix products on a scattered working copy of {@code W ⊙ M} elsewhere.
     */
    ACTIVE
}
