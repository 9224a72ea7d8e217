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
     * {@code gradient}; returns {@code dL/dx = δ · (W ⊙ M)ᵀ} in the activation-gradient workspace, and the dense
     * gradient {@code xᵀ · δ} if asked for.
     */
    Backprop backprop(INDArray x, INDArray delta, Gradient gradient, boolean denseWeightGradient,
                      LayerWorkspaceMgr workspaceMgr);

    /** @return {@code W ⊙ M} flat in 'f' order (entry {@code (i, j)} at {@code i + j·nIn}), as doubles: a copy */
    double[] flatWeights();

    /** @return the mask flat in 'f' order, 0.0 and 1.0: a copy */
    double[] flatMask();

    /** Counts masked positions, exact zeros of {@code W ⊙ M} and leaks (non-zero weights where the mask is 0). */
    BinaryMasks.Counts counts(String layerName);

    /** Replaces weights and mask (both {@code [nIn, nOut]}); the weights are masked. */
    void set(INDArray weights, INDArray mask);

    /**
     * Replaces the mask by {@code newMask} (flat, 'f' order: position {@code i + j·nIn}): connections active before
     * and after keep their weight and their updater state, the others get weight 0 and state 0.
     *
     * @param updaterStates every updater state array of {@link #trainableKey()}, in that parameter's order
     */
    void replaceMask(double[] newMask, List<INDArray> updaterStates);

    /**
     * @return whether the products of a pass over {@code batchSize} examples (a training pass, or inference) run on
     *         sparse kernels rather than dense products
     */
    boolean usesSparseKernels(int batchSize, boolean training);

    /** @return the key of the trained weight parameter, the one whose updater state follows the connections */
    String trainableKey();

    /** The result of {@link #backprop}: {@code dL/dx}, and the dense weight gradient or null. */
    record Backprop(INDArray inputGradient, INDArray denseWeightGradient) {
    }
}
