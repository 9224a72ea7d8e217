package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.mask.BinaryMasks;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;


/**
 * {@link io.github.dl4jsparse.layers.WeightStorage#DENSE}: {@code W} and the mask {@code M} as dense
 * {@code [nIn, nOut]} parameters, products with ND4J's matrix multiply as in {@code DenseLayer}.
 *
 * <p>A training forward pass applies the mask to W in place ({@code W ← W ⊙ M}, a no-op unless something wrote into
 * a masked position), so {@code x · W = x · (W ⊙ M)}; inference multiplies {@code W ⊙ M} into working memory and
 * leaves the parameters alone. Either way a masked position comes out exactly 0, a NaN or infinity written there
 * included. {@code dL/dW = (xᵀ · δ) ⊙ M}; the mask's gradient view is never written, so it stays
 * 0 and the mask never changes.
 */
final class MaskedDenseWeights implements LayerWeights {

    private final LayerParams layer;

    MaskedDenseWeights(LayerParams layer) {
        this.layer = layer;
    }

    /** W as the connection matrix {@code [rows, cols]}, column-major positions: a view of the parameter. */
    private INDArray weights() {
        return layer.matrixView().apply(layer.param().apply(layer.keys().weight()));
    }

    private INDArray mask() {
        return layer.matrixView().apply(layer.param().apply(layer.keys().mask()));
    }

    @Override
    public INDArray multiply(INDArray x, boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray effective;
        if (training) {
            effective = maskInPlace(weights());
        } else {
            INDArray w = weights();
            effective = zeroMaskedNaNs(w.mul(mask(), workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM,
                    w.dataType(), w.shape(), 'f')));
        }
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, effective.dataType(), x.size(0), effective.columns());
        return x.mmuli(effective, z);
    }

    @Override
    public INDArray backprop(INDArray x, INDArray delta, Gradient gradient, LayerWorkspaceMgr workspaceMgr) {
        INDArray weights = weights(); // == W ⊙ M: the training forward pass applied the mask
        INDArray weightGrad = layer.gradient().apply(layer.keys().weight());
        Nd4j.gemm(x, delta, weightGrad, true, false, 1.0, 0.0);
        weightGrad.muli(mask());
        gradient.gradientForVariable().put(layer.keys().weight(), weightGrad);
        gradient.gradientForVariable().put(layer.keys().mask(), layer.gradient().apply(layer.keys().mask()));
        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{weights.size(0), delta.size(0)}, 'f');
        epsilonNext = weights.mmuli(delta.transpose(), epsilonNext).transpose();
        return epsilonNext;
    }

    @Override
    public INDArray maskedMatrix(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training) {
            return maskInPlace(weights());
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return zeroMaskedNaNs(weights().mul(mask()));
        }
    }

    /**
     * {@code target ← target ⊙ M} with every masked position exactly 0, whatever {@code target} held there: NaN · 0
     * and ±Inf · 0 are NaN, which a masked weight must never pass on (a value written into a masked position by
     * {@code setParams} or a damaged file). Active positions keep what they hold, a NaN of a diverged run included.
     * The check reads the matrix once ({@link NonFiniteValues}); the repair runs only when a value is not finite.
     */
    private INDArray maskInPlace(INDArray target) {
        return zeroMaskedNaNs(target.muli(mask()));
    }

    /** {@code product}, a {@code W ⊙ M}, with the NaNs at masked positions (a non-finite W times 0) set to 0. */
    private INDArray zeroMaskedNaNs(INDArray product) {
        if (NonFiniteValues.count(product) > 0) {
            double[] t = DirectBuffers.readDoubles(DirectBuffers.contiguous(product, 'f'), (int) product.length());
            double[] m = flatMask();
            for (int p = 0; p < t.length; p++) {
                if (m[p] == 0.0 && Double.isNaN(t[p])) { // only the NaNs: a masked ±0 keeps its sign, as without repair
                    t[p] = 0.0;
                }
            }
            product.assign(Nd4j.create(t, product.shape(), 'f').castTo(product.dataType()));
        }
        return product;
    }

    @Override
    public INDArray denseGradientTarget() {
        return layer.matrixView().apply(layer.gradient().apply(layer.keys().weight()));
    }

    @Override
    public void weightGradientFromDense(INDArray dense, Gradient gradient) {
        dense.muli(mask());
        gradient.gradientForVariable().put(layer.keys().weight(), layer.gradient().apply(layer.keys().weight()));
        gradient.gradientForVariable().put(layer.keys().mask(), layer.gradient().apply(layer.keys().mask()));
    }

    @Override
    public double[] flatWeights() {
        double[] w = DirectBuffers.readDoubles(DirectBuffers.contiguous(weights(), 'f'), (int) weights().length());
        double[] m = flatMask();
        for (int p = 0; p < w.length; p++) {
            w[p] = m[p] == 0.0 ? 0.0 : w[p]; // not w · m: a non-finite value stored at a masked position has no effect
        }
        return w;
    }

    @Override
    public double[] flatMask() {
        return DirectBuffers.readDoubles(DirectBuffers.contiguous(mask(), 'f'), (int) mask().length());
    }

    @Override
    public BinaryMasks.Counts counts(String layerName) {
        return BinaryMasks.count(layerName, layer.keys().weight(), weights(), layer.keys().mask(), mask());
    }

    @Override
    public void set(INDArray weights, INDArray mask) {
        mask().assign(mask);
        maskInPlace(weights().assign(weights));
    }

    @Override
    public long[] activePositions() {
        return BinaryMasks.nonZeroPositions(flatMask());
    }

    @Override
    public double[] activeValues() {
        double[] w = DirectBuffers.readDoubles(DirectBuffers.contiguous(weights(), 'f'), (int) weights().length());
        long[] positions = activePositions();
        double[] values = new double[positions.length];
        for (int k = 0; k < positions.length; k++) {
            values[k] = w[(int) positions[k]];
        }
        return values;
    }

    @Override
    public void rewire(long[] positions, List<INDArray> updaterStates) {
        double[] oldMask = flatMask();
        // any count: the mask may hold any number of ones (gradual pruning, redistribution between layers)
        ActiveWeights.requireRewiring(layer.name().get(), positions, -1, oldMask.length);
        double[] newMask = new double[oldMask.length];
        for (long q : positions) {
            newMask[(int) q] = 1.0;
        }
        double[] kept = new double[newMask.length]; // active before and after: the only positions whose state survives
        for (int p = 0; p < kept.length; p++) {
            kept[p] = oldMask[p] * newMask[p];
        }
        long[] shape = weights().shape();
        mask().assign(Nd4j.create(newMask, shape, 'f').castTo(mask().dataType()));
        weights().muli(Nd4j.create(kept, shape, 'f').castTo(weights().dataType()));
        INDArray keptFlat = Nd4j.create(kept, new long[]{kept.length}, 'c');
        for (INDArray state : updaterStates) {
            state.muli(keptFlat.castTo(state.dataType()));
        }
    }

    @Override
    public void setActiveValues(long[] positions, double[] values) {
        int[] slots = ActiveWeights.slotsOf(layer.name().get(), activePositions(), positions, values,
                weights().length());
        assert slots.length == positions.length;
        double[] w = DirectBuffers.readDoubles(DirectBuffers.contiguous(weights(), 'f'), (int) weights().length());
        for (int t = 0; t < positions.length; t++) {
            w[(int) positions[t]] = values[t];
        }
        INDArray target = weights();
        target.assign(Nd4j.create(w, target.shape(), 'f').castTo(target.dataType()));
    }

    @Override
    public boolean usesSparseKernels(int batchSize, boolean training) {
        return false;
    }

    @Override
    public String trainableKey() {
        return layer.keys().weight();
    }

    /** {@code true}: a mask of any number of ones; updater state per position of the dense parameter. */
    @Override
    public boolean activeCountMayChange() {
        return true;
    }

    @Override
    public boolean updaterStatePerActiveConnection() {
        return false;
    }
}
