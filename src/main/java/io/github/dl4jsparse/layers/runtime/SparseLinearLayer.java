package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.layers.SparseLinear;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.github.dl4jsparse.layers.SparseLinear.BIAS_KEY;

/**
 * The runtime layer of {@link SparseLinear}: computes {@code activation(x · (W ⊙ M) + b)} and its exact gradients
 * in closed form, instead of executing the SameDiff graph of {@link SparseLinear#defineLayer}.
 *
 * <p>Why not run the SameDiff graph: in DL4J 1.0.0-M2.1 the SameDiff layer runtime returns every gradient 2x too
 * large (the external-errors op adds its gradient twice, compounding down a stack), ignores the layer's dropout,
 * leaves L1/L2 out of {@code score()}, computes a gradient for the mask, and prints to stdout whenever it builds its
 * gradient function. This class computes, for {@code δ = dL/dz}:
 * <ul>
 *   <li>{@code dL/dW = (xᵀ · δ) ⊙ M} (exactly 0, or not stored at all, where the mask is 0),</li>
 *   <li>{@code dL/db = Σ_rows δ},</li>
 *   <li>{@code dL/dx = δ · (W ⊙ M)ᵀ},</li>
 *   <li>no gradient for the mask or the positions of the active connections: they are never trained.</li>
 * </ul>
 * How the weights are held and multiplied is the {@link io.github.dl4jsparse.layers.WeightStorage}'s (see
 * {@link MaskedDenseWeights} and {@link ActiveWeights}); {@link #maskedWeights()}, {@link #weightMask()} and
 * {@link #setMaskedWeights} give the same dense view of either. Dropout configured on the layer is applied to its
 * input (and backpropagated) as in {@code DenseLayer}, and the regularisation of the weights and b is part of
 * {@link #calcRegularizationScore(boolean)}.
 *
 * <p>A training forward pass keeps the pre-activation, so backprop reuses it instead of recomputing the product.
 */
public class SparseLinearLayer extends SameDiffLayer implements DelegatingSparseLayer {

    private final SparseMatrix matrix;
    private final LayerWeights weights;
    /** Pre-activation {@code z} of the last training forward pass, reused by backprop; null when there is none. */
    private INDArray cachedPreOutput;
    /** The input {@link #cachedPreOutput} was computed from. */
    private INDArray cachedPreOutputInput;

    public SparseLinearLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.matrix = new SparseMatrix((SparseLinear) conf.getLayer(), dataType, this::getParam, this::gradientView,
                this::layerName);
        this.weights = matrix.weights();
    }

    @Override
    public SparseMatrix sparseMatrix() {
        return matrix;
    }

    @Override
    public SparseLinear sparseConfig() {
        return sparseConf();
    }

    private SparseLinear sparseConf() {
        return (SparseLinear) layerConf();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray z = preOutput(training, workspaceMgr);
        if (training) {
            // backprop needs z; the activation below overwrites it in place. DenseLayer recomputes x·W instead.
            cachedPreOutput = workspaceMgr.dup(ArrayType.ACTIVATIONS, z);
            cachedPreOutputInput = input;
        } else {
            clearCache();
        }
        INDArray out = sparseConf().getActivationFn().getActivation(z, training);
        if (maskArray != null) {
            applyMask(out);
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        IgnoredListeners.checkTrainingThread();
        assertInputSet(true);
        INDArray z = takeCachedPreOutput();
        if (z == null) {
            z = preOutput(true, workspaceMgr);
        }
        IActivation activation = sparseConf().getActivationFn();
        INDArray delta = ReluBackprop.applies(activation, z) && epsilon.equalShapes(z)
                ? ReluBackprop.delta(z, epsilon, workspaceMgr)
                : activation.backprop(z, epsilon).getFirst();
        if (maskArray != null) {
            applyMask(delta);
        }

        Gradient gradient = new DefaultGradient();
        INDArray x = input.castTo(delta.dataType());
        INDArray inputGradient = weights.backprop(x, delta, gradient, workspaceMgr);
        if (matrix.captureRequested()) {
            matrix.keep(WeightGradientFactors.of(x, delta));
        }
        if (sparseConf().isHasBias()) {
            INDArray biasGrad = gradTable.get(BIAS_KEY);
            delta.sum(biasGrad, 0);
            gradient.gradientForVariable().put(BIAS_KEY, biasGrad);
        }
        INDArray epsilonNext = backpropDropOutIfPresent(inputGradient);
        return new Pair<>(gradient, epsilonNext);
    }

    /**
     * Hands over the dense weight gradient {@code dL/d(W ⊙ M) = xᵀ · δ} kept by the backward pass after
     * {@link #captureDenseWeightGradient()} (the gradient at every position, masked or not, which RigL's regrowth
     * criterion reads), as its factors {@code x} and {@code δ} (a copy of the layer's input and output gradient, blocks
     * of columns on demand), and forgets it.
     *
     * @return the factors, or null if no armed backward pass ran since the last call
     */
    @Override
    public WeightGradientFactors takeWeightGradient() {
        return (WeightGradientFactors) matrix.takeWeightGradient();
    }

    /**
     * As {@link #takeWeightGradient()}, as the whole matrix (shape {@code [nIn, nOut]}, order 'f', summed over
     * the minibatch as DL4J's gradients are, detached from workspaces): {@code nIn · nOut} numbers.
     *
     * @return the gradient, or null if no armed backward pass ran since the last call
     */
    public INDArray takeDenseWeightGradient() {
        WeightGradientFactors g = takeWeightGradient();
        return g == null ? null : g.dense();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The weights as a dense matrix, whatever the storage

    /**
     * @return {@code W ⊙ M} flat in column-major order (entry {@code (i, j)} at {@code i + j · nIn}), as doubles
     *         (float values widen exactly): a copy, without an ND4J array in between
     */
    public double[] flatWeights() {
        return matrix.flatWeights();
    }

    /** @return the mask flat in column-major order, values 0.0 and 1.0: a copy */
    public double[] flatMask() {
        return matrix.flatMask();
    }

    /**
     * @param batchSize the number of examples of a forward or backward pass
     * @param training  a training pass (forward and backward) rather than inference
     * @return whether this layer's products for such a pass run on the sparse kernels (active storage, where
     *         {@link io.github.dl4jsparse.kernels.ProductRoute} picks them) rather than dense matrix products
     */
    public boolean usesSparseKernels(int batchSize, boolean training) {
        return weights.usesSparseKernels(batchSize, training);
    }

    // ---------------------------------------------------------------------------------------------------------------

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

    /** {@code x · (W ⊙ M) + b}, after applying dropout to the input if training; in the activations workspace. */
    private INDArray preOutput(boolean training, LayerWorkspaceMgr workspaceMgr) {
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = input.castTo(dataType);
        long nIn = sparseConf().getNIn();
        if (x.rank() != 2 || x.columns() != nIn) {
            throw new DL4JInvalidInputException("Input of shape " + Arrays.toString(x.shape())
                    + " is invalid: expected a matrix [minibatch, " + nIn + "] " + layerId());
        }
        INDArray z = weights.multiply(x, training, workspaceMgr);
        if (sparseConf().isHasBias()) {
            z.addiRowVector(paramTable.get(BIAS_KEY));
        }
        if (maskArray != null) {
            applyMask(z);
        }
        return z;
    }

    /** The L1/L2/weight-decay score of the weights and b, as {@code DenseLayer} computes it; the mask has none. */
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
     * must be binary and new active-connection positions valid; after setting W or the mask, W is multiplied by the
     * mask so masked weights stay exactly 0.
     *
     * @throws IllegalArgumentException for an unknown key or a shape that does not match
     * @throws IllegalStateException    for a mask that is not binary or invalid positions; nothing is changed then
     */
    @Override
    public void setParam(String key, INDArray val) {
        super.setParam(key, val);
        matrix.beforeSetParam(key, val);
        paramTable.get(key).assign(val);
        matrix.afterSetParam(key, paramTable::get);
    }

    /** The gradient view of a parameter. */
    INDArray gradientView(String key) {
        return gradTable.get(key);
    }

    String layerName() {
        String name = layerConf().getLayerName();
        return name != null ? name : "index " + index;
    }
}
