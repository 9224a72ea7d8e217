package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.SparsePattern;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The dense side of {@link ActiveWeights}: {@code W ⊙ M} as a dense matrix where dense products pay or a DL4J layer
 * reads its weights (the dense route, convolutions, LSTMs), and the dense gradient gathered back at the active
 * positions. Nothing of it exists for a matrix that never leaves the sparse kernels.
 */
final class DenseWorkingCopy {

    /** The kept copy of {@code W ⊙ M}, and the pattern and values it was made from. */
    private INDArray denseCopy;
    private SparsePattern denseCopyPattern;
    private Object denseCopyValues;
    /** The dense weight gradient a DL4J backward pass writes, before it is gathered; reused. */
    private INDArray denseGradient;

    /**
     * {@code W ⊙ M} as a dense working copy, for inference on the dense route and for every pass of a convolution: the
     * copy scattered last while positions and values are unchanged (one vectorised comparison of the values: a deployed
     * model scatters once; a training convolution once per step, its backward pass reusing the forward pass's), else
     * scattered anew outside the workspaces and kept. Fully connected layers get one only when dense enough for the
     * dense route, so it costs at most a few times their active storage.
     */
    INDArray copyOf(SparsePattern p, long[] positions, INDArray activeValues, DataType type) {
        INDArray values = DirectBuffers.contiguous(activeValues, 'c');
        boolean samePositions = denseCopy != null && denseCopyPattern == p && denseCopy.dataType() == type;
        boolean valid = samePositions;
        if (valid && type == DataType.FLOAT) {
            valid = denseCopyValues instanceof float[] f && DirectBuffers.floats(values).mismatch(FloatBuffer.wrap(f)) < 0;
        } else if (valid) {
            valid = denseCopyValues instanceof double[] d && DirectBuffers.doubles(values).mismatch(DoubleBuffer.wrap(d)) < 0;
        }
        if (valid) {
            Reference.reachabilityFence(values);
            return denseCopy;
        }
        if (!samePositions) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                denseCopy = Nd4j.create(type, new long[]{p.rowCount(), p.columnCount()}, 'f');
            }
            denseCopyPattern = p;
        }
        // the same positions (a training step changed the values): overwrite them in place, the zeros stay
        // the dense route exists only below 2^31 connections: positions are ints
        if (type == DataType.FLOAT) {
            float[] copy = new float[(int) values.length()];
            DirectBuffers.floats(values).get(0, copy);
            FloatBuffer dense = DirectBuffers.floats(denseCopy);
            for (int k = 0; k < copy.length; k++) {
                dense.put((int) positions[k], copy[k]);
            }
            denseCopyValues = copy;
        } else {
            double[] copy = new double[(int) values.length()];
            DirectBuffers.doubles(values).get(0, copy);
            DoubleBuffer dense = DirectBuffers.doubles(denseCopy);
            for (int k = 0; k < copy.length; k++) {
                dense.put((int) positions[k], copy[k]);
            }
            denseCopyValues = copy;
        }
        Reference.reachabilityFence(values); // a copy when the values are not packed; the buffers read it
        return denseCopy;
    }

    /** {@code W ⊙ M} as a zeroed dense 'f' array of the given workspace with the active values written in. */
    static INDArray scatter(SparsePattern p, INDArray activeValues, DataType type, LayerWorkspaceMgr workspaceMgr,
                            ArrayType arrayType) {
        int nIn = p.rowCount();
        int nOut = p.columnCount();
        INDArray packed = DirectBuffers.contiguous(activeValues, 'c');
        INDArray dense = workspaceMgr.create(arrayType, type, new long[]{nIn, nOut}, 'f');
        int[] colStart = p.colStart();
        int[] rows = p.rows();
        if (type == DataType.FLOAT) {
            FloatBuffer v = DirectBuffers.floats(packed);
            FloatBuffer b = DirectBuffers.floats(dense);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    b.put(rows[k] + j * nIn, v.get(k));
                }
            }
        } else {
            DoubleBuffer v = DirectBuffers.doubles(packed);
            DoubleBuffer b = DirectBuffers.doubles(dense);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    b.put(rows[k] + j * nIn, v.get(k));
                }
            }
        }
        Reference.reachabilityFence(packed);
        return dense;
    }

    /** {@code target[k] = full[i_k, j_k]} for contiguous 'f' {@code full} of the target's data type. */
    static void gather(SparsePattern p, INDArray full, INDArray target) {
        int nIn = p.rowCount();
        int nOut = p.columnCount();
        INDArray t = DirectBuffers.contiguous(target, 'c');
        int[] colStart = p.colStart();
        int[] rows = p.rows();
        if (full.dataType() == DataType.FLOAT) {
            FloatBuffer src = DirectBuffers.floats(full);
            FloatBuffer dst = DirectBuffers.floats(t);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    dst.put(k, src.get(rows[k] + j * nIn));
                }
            }
        } else {
            DoubleBuffer src = DirectBuffers.doubles(full);
            DoubleBuffer dst = DirectBuffers.doubles(t);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    dst.put(k, src.get(rows[k] + j * nIn));
                }
            }
        }
        Reference.reachabilityFence(full);
        if (t != target) {
            target.assign(t);
        }
    }

    /** @return where a DL4J backward pass writes the dense weight gradient {@code [rows, columns]} ('f'); reused */
    INDArray gradientTarget(long rows, long columns, DataType type) {
        if (denseGradient == null || denseGradient.dataType() != type) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                denseGradient = Nd4j.create(type, new long[]{rows, columns}, 'f');
            }
        }
        return denseGradient;
    }
}
