package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.github.dl4jsparse.layers.SparseLinear.BIAS_KEY;
import static io.github.dl4jsparse.layers.SparseLinear.WEIGHT_KEY;
import static io.github.dl4jsparse.layers.SparseLinear.WEIGHT_MASK_KEY;

/**
 * The runtime layer of {@link SparseLinear}: computes {@code activation(x · (W ⊙ M) + b)} and its exact gradients
 * with ND4J matrix products, the way DL4J's own {@code DenseLayer} does, instead of executing the SameDiff graph of
 * {@link SparseLinear#defineLayer}.
 *
 * <p>Why not run the SameDiff graph: in DL4J 1.0.0-M2.1 the SameDiff layer runtime returns every gradient 2x too
 * large (the external-errors op adds its gradient twice, compounding down a stack), ignores the layer's dropout,
 * leaves L1/L2 out of {@code score()}, computes a gradient for the mask, and prints to stdout whenever it builds its
 * gradient function. This class computes, for {@code δ = dL/dz}:
 * <ul>
 *   <li>{@code dL/dW = (xᵀ · δ) ⊙ M} (exactly 0 where the mask is 0),</li>
 *   <li>{@code dL/db = Σ_rows δ},</li>
 *   <li>{@code dL/dx = δ · (W ⊙ M)ᵀ},</li>
 *   <li>{@code dL/dM = 0}: the mask is never trained.</li>
 * </ul>
 * Dropout configured on the layer is applied to its input (and backpropagated) as in {@code DenseLayer}, and the
 * regularisation of W and b is part of {@link #calcRegularizationScore(boolean)}.
 *
 * <p>Work per training step, against {@code DenseLayer}'s four matrix products: a training forward pass applies the
 * mask to W in place ({@code W ← W ⊙ M}, a no-op unless something wrote into a masked position) and keeps the
 * pre-activation, so backprop reuses it instead of recomputing {@code x · W}: three products and two element-wise
 * passes over W. Inference leaves the parameters alone and multiplies {@code W ⊙ M} into working memory.
 */
public class SparseLinearLayer extends SameDiffLayer {

    /** Pre-activation {@code z} of the last training forward pass, reused by backprop; null when there is none. */
    private INDArray cachedPreOutput;
    /** The input {@link #cachedPreOutput} was computed from. */
    private INDArray cachedPreOutputInput;
    /** Whether the next backprop keeps the dense weight gradient (armed by prune-and-regrow on its update steps). */
    private boolean captureDenseWeightGradient;
    /** The dense weight gradient {@code xᵀ · δ} of the last armed backprop, outside any workspace; null if none. */
    private INDArray denseWeightGradient;

    public SparseLinearLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SparseLinear sparseConf() {
        return (SparseLinear) layerConf();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray z;
        if (training) {
            applyMaskToWeights();
            z = preOutput(true, paramTable.get(WEIGHT_KEY), workspaceMgr);
            // backprop needs z; the activation below overwrites it in place. DenseLayer recomputes x·W instead.
            cachedPreOutput = workspaceMgr.dup(ArrayType.ACTIVATIONS, z);
            cachedPreOutputInput = input;
        } else {
            clearCache();
            z = preOutput(false, maskedWeights(workspaceMgr), workspaceMgr);
        }
        INDArray out = sparseConf().getActivationFn().getActivation(z, training);
        if (maskArray != null) {
            applyMask(out);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray z = takeCachedPreOutput();
        if (z == null) {
            applyMaskToWeights();
            z = preOutput(true, paramTable.get(WEIGHT_KEY), workspaceMgr);
        }
        INDArray weights = paramTable.get(WEIGHT_KEY); // W == W ⊙ M: the mask was applied in the forward pass
        INDArray delta = sparseConf().getActivationFn().backprop(z, epsilon).getFirst();
        if (maskArray != null) {
            applyMask(delta);
        }

        Gradient gradient = new DefaultGradient();
        INDArray weightGrad = gradTable.get(WEIGHT_KEY);
        Nd4j.gemm(input.castTo(weightGrad.dataType()), delta, weightGrad, true, false, 1.0, 0.0);
        if (captureDenseWeightGradient) {
            keepDenseWeightGradient(weightGrad);
        }
        weightGrad.muli(paramTable.get(WEIGHT_MASK_KEY));
        gradient.gradientForVariable().put(WEIGHT_KEY, weightGrad);
        // the mask's gradient view is never written: it stays 0, so the mask never changes
        gradient.gradientForVariable().put(WEIGHT_MASK_KEY, gradTable.get(WEIGHT_MASK_KEY));
        if (sparseConf().isHasBias()) {
            INDArray biasGrad = gradTable.get(BIAS_KEY);
            delta.sum(biasGrad, 0);
            gradient.gradientForVariable().put(BIAS_KEY, biasGrad);
        }

        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{weights.size(0), delta.size(0)}, 'f');
        epsilonNext = weights.mmuli(delta.transpose(), epsilonNext).transpose();
        epsilonNext = backpropDropOutIfPresent(epsilonNext);
        return new Pair<>(gradient, epsilonNext);
    }

    /**
     * Makes the next backward pass keep the dense weight gradient {@code dL/d(W ⊙ M) = xᵀ · δ}, the gradient at every
     * position, masked or not, which DL4J's own gradient of W zeroes at masked positions. RigL's regrowth criterion
     * needs it; it costs one copy of W's size, paid only by the backward pass that follows this call.
     */
    public void captureDenseWeightGradient() {
        captureDenseWeightGradient = true;
    }

    /**
     * Hands over the dense weight gradient kept by the backward pass after {@link #captureDenseWeightGradient()}
     * (shape {@code [nIn, nOut]}, summed over the minibatch as DL4J's gradients are, detached from workspaces) and
     * forgets it.
     *
     * @return the gradient, or null if no armed backward pass ran since the last call
     */
    public INDArray takeDenseWeightGradient() {
        INDArray g = denseWeightGradient;
        denseWeightGradient = null;
        captureDenseWeightGradient = false;
        return g;
    }

    private void keepDenseWeightGradient(INDArray weightGrad) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            denseWeightGradient = weightGrad.dup('f');
        }
        captureDenseWeightGradient = false;
    }

    /**
     * The pre-activation of the last training forward pass, if it was computed from the current input and its
     * workspace is still open; consumed (the activation's backprop overwrites it).
     */
    private INDArray takeCachedPreOutput() {
        INDArray z = cachedPreOutput;
        boolean valid = z != null && cachedPreOutputInput == input
                && (!z.isAttached() || z.data().getParentWorkspace().isScopeActive());
        clearCache();
        return valid ? z : null;
    }

    /** @return whether a training forward pass left a pre-activation for backprop (for tests) */
    boolean hasCachedPreOutput() {
        return cachedPreOutput != null;
    }

    private void clearCache() {
        cachedPreOutput = null;
        cachedPreOutputInput = null;
    }

    @Override
    public void clear() {
        super.clear();
        clearCache();
    }

    /**
     * {@code W ← W ⊙ M}, in place. Training keeps W exactly 0 where the mask is 0, so this changes nothing unless a
     * value was written there from outside; it makes {@code x · W} equal {@code x · (W ⊙ M)} in the training pass.
     */
    private void applyMaskToWeights() {
        paramTable.get(WEIGHT_KEY).muli(paramTable.get(WEIGHT_MASK_KEY));
    }

    /** {@code x · W_eff + b}, after applying dropout to the input if training; in the activations workspace. */
    private INDArray preOutput(boolean training, INDArray effectiveWeights, LayerWorkspaceMgr workspaceMgr) {
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = input.castTo(dataType);
        if (x.rank() != 2 || x.columns() != effectiveWeights.rows()) {
            throw new DL4JInvalidInputException("Input of shape " + Arrays.toString(x.shape())
                    + " is invalid: expected a matrix [minibatch, " + effectiveWeights.rows() + "] " + layerId());
        }
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, effectiveWeights.dataType(),
                x.size(0), effectiveWeights.columns());
        x.mmuli(effectiveWeights, z);
        if (sparseConf().isHasBias()) {
            z.addiRowVector(paramTable.get(BIAS_KEY));
        }
        if (maskArray != null) {
            applyMask(z);
        }
        return z;
    }

    /** {@code W ⊙ M} in forward working memory, for inference: the parameters are left untouched. */
    private INDArray maskedWeights(LayerWorkspaceMgr workspaceMgr) {
        INDArray weights = paramTable.get(WEIGHT_KEY);
        INDArray result = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, weights.dataType(), weights.shape(), 'f');
        return weights.mul(paramTable.get(WEIGHT_MASK_KEY), result);
    }

    /** The L1/L2/weight-decay score of W and b, as {@code DenseLayer} computes it; the mask has none. */
    @Override
    public double calcRegularizationScore(boolean backpropParamsOnly) {
        double score = 0.0;
        for (Map.Entry<String, INDArray> e : paramTable.entrySet()) {
            List<Regularization> regularizations = layerConf().getRegularizationByParam(e.getKey());
            if (regularizations == null) {
                continue;
            }
            for (Regularization r : regularizations) {
                score += r.score(e.getValue(), getIterationCount(), getEpochCount());
            }
        }
        return score;
    }

    /**
     * Assigns a parameter (DL4J 1.0.0-M2.1's SameDiff layer only checks the shape and drops the value). A new mask
     * must be binary; after setting W or the mask, W is multiplied by the mask so masked weights stay exactly 0.
     *
     * @throws IllegalArgumentException for an unknown key or a shape that does not match
     * @throws IllegalStateException    for a mask that is not binary; nothing is changed then
     */
    @Override
    public void setParam(String key, INDArray val) {
        super.setParam(key, val);
        if (WEIGHT_MASK_KEY.equals(key)) {
            BinaryMasks.requireBinary(layerName(), key, val);
        }
        paramTable.get(key).assign(val);
        if (WEIGHT_MASK_KEY.equals(key) || WEIGHT_KEY.equals(key)) {
            paramTable.get(WEIGHT_KEY).muli(paramTable.get(WEIGHT_MASK_KEY));
        }
    }

    private String layerName() {
        String name = layerConf().getLayerName();
        return name != null ? name : "index " + index;
    }
}
