package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * One sparse connection matrix at runtime: what reports, pruning, prune-and-regrow and the UI records read and change,
 * whichever kind of layer and storage it is. A layer with one matrix is itself a {@code SparseLayer}
 * ({@link SparseLinearLayer}, {@link SparseConv2DLayer}); a layer with several hands out one per matrix
 * ({@link SparseMatrices}, e.g. {@link SparseLSTMLayer}). Connections are addressed by their column-major position in
 * the connection matrix (see {@link SparseLayerConfig}).
 */
public interface SparseLayer extends SparseMatrices {

    /** @return this matrix, the layer's only one */
    @Override
    default List<SparseLayer> sparseMatrices() {
        return List.of(this);
    }

    /** @return the configuration of the connection matrix (for a layer with one matrix, the layer's) */
    SparseLayerConfig sparseConfig();

    /** @return masked positions, exact zeros of {@code W ⊙ M} and leaks (always 0 under active storage) */
    BinaryMasks.Counts sparsityCounts();

    /** @return the positions of the active connections, increasing: a copy */
    long[] activePositions();

    /** @return the weights of the active connections, in the order of {@link #activePositions()}, as doubles: a copy */
    double[] activeValues();

    /**
     * Makes {@code positions} the active connections: connections active before and after keep their weight and their
     * updater state; new ones start at weight 0 with state 0; dropped ones become exact zeros.
     *
     * @param positions     strictly increasing; exactly as many as are active now under active storage (its slots are
     *                      fixed), any number under dense storage (gradual pruning, redistribution between layers)
     * @param updaterStates the updater state arrays of {@link #trainableWeightKey()} (views), reset alike
     * @throws IllegalArgumentException for another number of positions, or positions out of range or order; nothing is
     *                                  changed then
     */
    void rewire(long[] positions, List<INDArray> updaterStates);

    /**
     * Sets the weights of some active connections, leaving their updater state alone (e.g. the starting weights of
     * grown connections).
     *
     * @param positions active positions, strictly increasing
     * @param values    their new weights, in the same order
     * @throws IllegalArgumentException for a position that is not active, or lengths that differ; nothing is changed then
     */
    void setActiveValues(long[] positions, double[] values);

    /** @return the key of the trained weight parameter, whose updater state follows the connections */
    String trainableWeightKey();

    /**
     * @return whether {@link #rewire} takes another number of positions than are active now (a mask of any number of
     *         ones: gradual pruning, redistribution between layers), or only as many (a fixed number of slots)
     */
    boolean activeCountMayChange();

    /**
     * @return whether the updater state of {@link #trainableWeightKey()} holds one entry per active connection, in the
     *         order of {@link #activePositions()}, rather than one per position of the connection matrix
     */
    boolean updaterStatePerActiveConnection();

    /**
     * Makes the next backward pass keep the dense weight gradient {@code dL/d(W ⊙ M)} at every position, masked or
     * not (RigL's regrowth criterion), paid only by that pass.
     */
    void captureDenseWeightGradient();

    /**
     * Hands over the dense weight gradient kept by the backward pass after {@link #captureDenseWeightGradient()} and
     * forgets it.
     *
     * @return the gradient, or null if no armed backward pass ran since the last call
     */
    DenseWeightGradient takeWeightGradient();

    /** @return {@code W ⊙ M} in the layer's weight shape, the network's data type: a copy, outside any workspace */
    INDArray maskedWeights();

    /** @return the binary mask in the layer's weight shape: a copy, outside any workspace */
    INDArray weightMask();

    /**
     * Sets the weights to {@code weights ⊙ mask} and the mask to {@code mask}, both of the layer's weight shape (under
     * active storage the mask must have exactly as many active entries as the layer stores). For setting up a network
     * (e.g. from a pruned dense one) before training: the updater state is left as it is.
     *
     * @throws IllegalArgumentException for a shape that does not match or a wrong number of active connections
     * @throws IllegalStateException    for a mask that is not binary; nothing is changed then
     */
    void setMaskedWeights(INDArray weights, INDArray mask);
}
