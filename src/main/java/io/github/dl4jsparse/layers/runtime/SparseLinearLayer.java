package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.mask.BinaryMasks;
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
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.github.dl4jsparse.layers.SparseLinear.ACTIVE_INDEX_KEY;
import static io.github.dl4jsparse.layers.SparseLinear.BIAS_KEY;
import static io.github.dl4jsparse.layers.SparseLinear.WEIGHT_KEY;
import static io.github.dl4jsparse.layers.SparseLinear.WEIGHT_MASK_KEY;

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
public class SparseLinearLayer extends SameDiffLayer implements SparseLayer {

    private final LayerWeights weights;
    /** Pre-activation {@code z} of the last training forward pass, reused by backprop; null when there is none. */
    private INDArray cachedPreOutput;
    /** The input {@link #cachedPreOutput} was computed from. */
    private INDArray cachedPreOutputInput;
    /** Whether the next backprop keeps the dense weight gradient (armed by prune-and-regrow on its update steps). */
    private boolean captureDenseWeightGradient;
    /** The factors of the dense weight gradient {@code xᵀ · δ} of the last armed backprop; null if none. */
    private WeightGradientFactors gradientFactors;

    public SparseLinearLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        SparseLinear layerConf = (SparseLinear) conf.getLayer();
        LayerParams params = new LayerParams(this::getParam, this::gradientView, this::layerName, m -> m);
        this.weights = layerConf.resolvedStorage() == WeightStorage.ACTIVE
                ? new ActiveWeights(params, layerConf.getNIn(), layerConf.getNOut())
                : new MaskedDenseWeights(params);
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
        if (captureDenseWeightGradient) {
            gradientFactors = WeightGradientFactors.of(x, delta);
            captureDenseWeightGradient = false;
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
     * Makes the next backward pass keep the dense weight gradient {@code dL/d(W ⊙ M) = xᵀ · δ}, the gradient at every
     * position, masked or not, which DL4J's own gradient of W zeroes at masked positions. RigL's regrowth criterion
     * needs it. It is kept as its factors {@code x} and {@code δ} ({@link WeightGradientFactors}: a copy of the layer's
     * input and output gradient), paid only by the backward pass that follows this call.
     */
    @Override
    public void captureDenseWeightGradient() {
        captureDenseWeightGradient = true;
    }

    /**
     * Hands over the dense weight gradient kept by the backward pass after {@link #captureDenseWeightGradient()}, as
     * its factors (blocks of columns on demand), and forgets it.
     *
     * @return the factors, or null if no armed backward pass ran since the last call
     */
    @Override
    public WeightGradientFactors takeWeightGradient() {
        WeightGradientFactors g = gradientFactors;
        gradientFactors = null;
        captureDenseWeightGradient = false;
        return g;
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

    /** @return {@code W ⊙ M}, shape {@code [nIn, nOut]}, order 'f', the network's data type: a copy, outside any workspace */
    @Override
    public INDArray maskedWeights() {
        return matrix(weights.flatWeights());
    }

    /** @return the binary mask {@code M}, shape {@code [nIn, nOut]}, order 'f': a copy, outside any workspace */
    @Override
    public INDArray weightMask() {
        return matrix(weights.flatMask());
    }

    /**
     * @return {@code W ⊙ M} flat in column-major order (entry {@code (i, j)} at {@code i + j · nIn}), as doubles
     *         (float values widen exactly): a copy, without an ND4J array in between
     */
    public double[] flatWeights() {
        return weights.flatWeights();
    }

    /** @return the mask flat in column-major order, values 0.0 and 1.0: a copy */
    public double[] flatMask() {
        return weights.flatMask();
    }

    private INDArray matrix(double[] flatF) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(flatF, new long[]{sparseConf().getNIn(), sparseConf().getNOut()}, 'f').castTo(dataType);
        }
    }

    /** @return masked positions, exact zeros of {@code W ⊙ M} and leaks (always 0 under active storage) */
    @Override
    public BinaryMasks.Counts sparsityCounts() {
        return weights.counts(layerName());
    }

    /**
     * Sets the weights to {@code weights ⊙ mask} and the mask to {@code mask}, both {@code [nIn, nOut]}. Under
     * {@link WeightStorage#ACTIVE} the mask must have exactly {@link SparseLinear#activeConnections()} active entries.
     * Meant for setting up a network (e.g. from a pruned dense one) before training: the updater state is left as it
     * is, so after training has begun it no longer matches the connections (prune-and-regrow uses
     * {@link #rewire}, which moves it along).
     *
     * @throws IllegalArgumentException for a shape that does not match or a wrong number of active connections
     * @throws IllegalStateException    for a mask that is not binary; nothing is changed then
     */
    @Override
    public void setMaskedWeights(INDArray weights, INDArray mask) {
        long[] shape = {sparseConf().getNIn(), sparseConf().getNOut()};
        for (INDArray a : new INDArray[]{weights, mask}) {
            if (!Arrays.equals(a.shape(), shape)) {
                throw new IllegalArgumentException("SparseLinear layer '" + layerName() + "': expected weights and mask "
                        + "of shape " + Arrays.toString(shape) + ", got " + Arrays.toString(a.shape()));
            }
        }
        BinaryMasks.requireBinary(layerName(), "mask", mask);
        this.weights.set(weights.castTo(dataType), mask.castTo(dataType));
    }

    /**
     * Makes {@code positions} the active connections (prune-and-regrow on positions, in memory proportional to the
     * active connections under active storage): connections active before and after keep their weight and their
     * updater state; new ones start at weight 0 with state 0; dropped ones become exact zeros.
     *
     * @param positions     column-major positions {@code i + j·nIn}, strictly increasing, exactly as many as are
     *                      active now
     * @param updaterStates the updater state arrays of {@link #trainableWeightKey()} (views), reset alike
     * @throws IllegalArgumentException for another number of positions, or positions out of range or order; nothing is
     *                                  changed then
     */
    @Override
    public void rewire(long[] positions, List<INDArray> updaterStates) {
        weights.rewire(positions, updaterStates);
    }

    @Override
    public void setActiveValues(long[] positions, double[] values) {
        weights.setActiveValues(positions, values);
    }

    /** @return the column-major positions {@code i + j·nIn} of the active connections, increasing: a copy */
    @Override
    public long[] activePositions() {
        return weights.activePositions();
    }

    /** @return the weights of the active connections, in the order of {@link #activePositions()}, as doubles: a copy */
    @Override
    public double[] activeValues() {
        return weights.activeValues();
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

    /** @return the key of the trained weight parameter: {@code W} or {@code activeW} by storage */
    @Override
    public String trainableWeightKey() {
        return weights.trainableKey();
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
        if (WEIGHT_MASK_KEY.equals(key)) {
            BinaryMasks.requireBinary(layerName(), key, val);
        }
        if (ACTIVE_INDEX_KEY.equals(key)) {
            ActiveWeights.requireValidIndex(layerName(), val, sparseConf().getNIn(), sparseConf().getNOut());
        }
        paramTable.get(key).assign(val);
        if (WEIGHT_MASK_KEY.equals(key) || WEIGHT_KEY.equals(key)) {
            paramTable.get(WEIGHT_KEY).muli(paramTable.get(WEIGHT_MASK_KEY));
        }
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
