package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.mask.BinaryMasks;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The weights {@code W ⊙ M} of a {@link SparseLinearLayer} as one {@link io.github.dl4jsparse.layers.WeightStorage}
 * holds them: the products of the forward and backward pass, and the dense views that reports and prune-and-regrow
 * work with. Everything else (bias, activation, dropout, masks of the input) is the layer's.
 */
interface LayerWeights {

    /**
     * {@code x · (W ⊙ M)}, shape {@code [batch, nOut]}, in a new array of the activations workspace.
     *
     * @param training whether a backward pass on the same input follows (work may be kept for it)
     */
    INDArray multiply(INDArray x, boolean training, LayerWorkspaceMgr workspaceMgr);

    /**
     * Writes {@code dL/dW} (zero or absent where the mask is 0) into the weights' gradient views and enters them in
     * {@code gradient}; returns {@code dL/dx = δ · (W ⊙ M)ᵀ} in the activation-gradient workspace.
     */
    INDArray backprop(INDArray x, INDArray delta, Gradient gradient, LayerWorkspaceMgr workspaceMgr);

    /**
     * {@code W ⊙ M} as a dense connection matrix {@code [rows, cols]} ('f', column-major positions) that the caller only
     * reads, for layers whose products run on dense tensors (a convolution): the parameter itself, masked in place,
     * under dense storage in training; otherwise a working copy outside the workspaces (under active storage kept
     * while positions and values are unchanged).
     */
    INDArray maskedMatrix(boolean training, LayerWorkspaceMgr workspaceMgr);

    /**
     * @return where a dense weight gradient {@code [rows, cols]} ('f') is to be written before
     *         {@link #weightGradientFromDense}: the weight parameter's gradient view under dense storage, a reused
     *         working array under active storage
     */
    INDArray denseGradientTarget();

    /**
     * Turns the dense gradient written into {@link #denseGradientTarget()} into the weights' gradient (masked, or
     * gathered at the active positions) and enters it in {@code gradient}.
     */
    void weightGradientFromDense(INDArray dense, Gradient gradient);

    /** @return {@code W ⊙ M} flat in 'f' order (entry {@code (i, j)} at {@code i + j·nIn}), as doubles: a copy */
    double[] flatWeights();

    /** @return the mask flat in 'f' order, 0.0 and 1.0: a copy */
    double[] flatMask();

    /** Counts masked positions, exact zeros of {@code W ⊙ M} and leaks (non-zero weights where the mask is 0). */
    BinaryMasks.Counts counts(String layerName);

    /** Replaces weights and mask (both {@code [nIn, nOut]}); the weights are masked. */
    void set(INDArray weights, INDArray mask);

    /** @return the column-major positions {@code i + j·nIn} of the active connections, increasing: a copy */
    long[] activePositions();

    /** @return the weights of the active connections, in the order of {@link #activePositions()}: a copy */
    double[] activeValues();

    /**
     * Makes {@code positions} (column-major {@code i + j·nIn}, strictly increasing, as many as are active now) the
     * active connections: connections active before and after keep their weight and their updater state, the others
     * get weight 0 and state 0.
     *
     * @param updaterStates every updater state array of {@link #trainableKey()}, in that parameter's order
     */
    void rewire(long[] positions, List<INDArray> updaterStates);

    /** Sets the weights at active {@code positions} (strictly increasing) to {@code values}; see {@link SparseLayer#setActiveValues}. */
    void setActiveValues(long[] positions, double[] values);

    /**
     * @return whether the products of a pass over {@code batchSize} examples (a training pass, or inference) run on
     *         sparse kernels rather than dense products
     */
    boolean usesSparseKernels(int batchSize, boolean training);

    /** @return the key of the trained weight parameter, the one whose updater state follows the connections */
    String trainableKey();

    /** @return whether the number of active connections may change ({@link SparseLayer#activeCountMayChange()}) */
    boolean activeCountMayChange();

    /** @return whether the weight's updater state is one entry per active connection ({@link SparseLayer#updaterStatePerActiveConnection()}) */
    boolean updaterStatePerActiveConnection();
}
