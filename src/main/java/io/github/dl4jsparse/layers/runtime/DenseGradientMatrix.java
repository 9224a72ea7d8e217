package io.github.dl4jsparse.layers.runtime;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A {@link DenseWeightGradient} held as the whole matrix: what a convolution's backward pass computes anyway (its
 * kernel gradient is {@code nOut · nIn · kH · kW} numbers, usually far fewer than a fully connected layer's).
 */
final class DenseGradientMatrix implements DenseWeightGradient {

    private final INDArray matrix;

    /** @param matrix the gradient {@code [rows, columns]}; copied, detached from workspaces */
    DenseGradientMatrix(INDArray matrix) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            this.matrix = matrix.dup('f');
        }
    }

    @Override
    public int rows() {
        return (int) matrix.size(0);
    }

    @Override
    public int columns() {
        return (int) matrix.size(1);
    }

    @Override
    public double[] columnBlock(int from, int to) {
        if (from < 0 || to > columns() || from >= to) {
            throw new IllegalArgumentException("columns [" + from + ", " + to + ") are not a block of [0, " + columns() + ")");
        }
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            INDArray block = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to)).dup('f');
            double[] values = DirectBuffers.readDoubles(block, (int) block.length());
            DirectBuffers.release(block);
            return values;
        }
    }

    @Override
    public void close() {
        DirectBuffers.release(matrix);
    }

    @Override
    public INDArray dense() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return matrix.dup('f');
        }
    }
}
