package io.github.dl4jsparse.layers.runtime;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The dense weight gradient {@code dL/d(W ⊙ M) = xᵀ · δ} of one backward pass, kept as its two factors (the layer's
 * input {@code x}, {@code [batch, nIn]}, and {@code δ = dL/dz}, {@code [batch, nOut]}): {@code batch · (nIn + nOut)}
 * numbers instead of {@code nIn · nOut}. The gradient at every position, masked or not, is computed on demand, a block
 * of output columns at a time ({@link #columns}), so RigL's regrowth never holds a full {@code nIn · nOut} array;
 * {@link #dense()} gives the whole matrix where a caller wants it.
 */
public final class WeightGradientFactors implements DenseWeightGradient {

    private final INDArray x;
    private final INDArray delta;

    private WeightGradientFactors(INDArray x, INDArray delta) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            this.x = x.dup('c');
            this.delta = delta.castTo(x.dataType()).dup('c');
        }
    }

    /**
     * @param x     a layer's input, {@code [batch, nIn]}
     * @param delta {@code dL/dz} of the same pass, {@code [batch, nOut]}
     * @return the factors, holding copies of both detached from workspaces
     * @throws IllegalArgumentException if the two are not matrices of the same number of rows
     */
    public static WeightGradientFactors of(INDArray x, INDArray delta) {
        if (x.rank() != 2 || delta.rank() != 2 || x.size(0) != delta.size(0)) {
            throw new IllegalArgumentException("x and delta must be matrices [batch, nIn] and [batch, nOut], got "
                    + java.util.Arrays.toString(x.shape()) + " and " + java.util.Arrays.toString(delta.shape()));
        }
        return new WeightGradientFactors(x, delta);
    }

    /** @return the number of inputs, rows of the gradient */
    @Override
    public int rows() {
        return (int) x.size(1);
    }

    /** @return the number of outputs, columns of the gradient */
    @Override
    public int columns() {
        return (int) delta.size(1);
    }

    /**
     * @return {@code (xᵀ · δ)[:, from .. to-1]} flat in column-major order (entry {@code (i, j)} at
     *         {@code i + (j - from) · nIn}), as doubles
     */
    @Override
    public double[] columnBlock(int from, int to) {
        if (from < 0 || to > columns() || from >= to) {
            throw new IllegalArgumentException("columns [" + from + ", " + to + ") are not a block of [0, " + columns() + ")");
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray block = Nd4j.gemm(x, delta.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)), true, false);
            INDArray packed = DirectBuffers.contiguous(block, 'f');
            double[] values = DirectBuffers.readDoubles(packed, (int) block.length());
            DirectBuffers.release(packed);
            DirectBuffers.release(block);
            return values;
        }
    }

    /** Releases the copies of {@code x} and {@code δ}. */
    @Override
    public void close() {
        DirectBuffers.release(x);
        DirectBuffers.release(delta);
    }

    /** @return the whole gradient, {@code [nIn, nOut]}, order 'f', outside any workspace */
    @Override
    public INDArray dense() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.gemm(x, delta, true, false).dup('f');
        }
    }
}
