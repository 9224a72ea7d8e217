package io.github.dl4jsparse.layers.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The dense weight gradient {@code dL/d(W ⊙ M)} of a sparse layer's backward pass: the gradient at every connection,
 * masked or not, which RigL's regrowth reads. Laid out as the layer's connection matrix, {@link #rows()} inputs per
 * output unit by {@link #columns()} output units (see {@link io.github.dl4jsparse.layers.SparseLayerConfig}), and read
 * a block of columns at a time, so a caller need not hold all of it.
 */
public interface DenseWeightGradient extends AutoCloseable {

    /** @return inputs per output unit, rows of the gradient */
    int rows();

    /** @return output units, columns of the gradient */
    int columns();

    /**
     * @return columns {@code from .. to-1} flat in column-major order (entry {@code (r, o)} at
     *         {@code r + (o - from) · rows}), as doubles
     * @throws IllegalArgumentException if the columns are not a non-empty block of {@code [0, columns())}
     */
    double[] columnBlock(int from, int to);

    /** @return the whole gradient, {@code [rows, columns]}, order 'f', outside any workspace */
    INDArray dense();

    /**
     * Releases the off-heap memory held (which otherwise waits for the garbage collector); the gradient may not be read
     * after. A caller that takes a gradient at every step (sparse momentum) closes it when done.
     */
    @Override
    default void close() {
    }
}
