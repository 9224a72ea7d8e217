package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.SparsePattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The {@link SparsePattern} of an active-storage matrix, kept from pass to pass and rebuilt only when its positions
 * parameter changes: every pass compares the parameter with the copy the pattern was built from (one vectorised
 * comparison), so a parameter set from outside (a restored model, {@code net.setParams}) is always the one used, and a
 * corrupt one is refused ({@link PositionIndex#validPositions}), never rounded.
 */
final class PatternCache {

    /** The positions the cached pattern was built from, as the parameter holds them (float or double); or null. */
    private Object patternSource;
    private SparsePattern pattern;

    /**
     * @return the pattern of the positions in {@code indexParam}: the cached one if the parameter still holds what it
     *         was built from, else rebuilt from the parameter
     *
     * @throws IllegalStateException naming the layer and the entry if the parameter holds positions out of range or
     *                               out of order
     */
    SparsePattern of(INDArray indexParam, String layerName, String parameter, int rows, int columns) {
        INDArray index = DirectBuffers.contiguous(indexParam, 'c');
        int n = (int) index.length();
        if (index.dataType() == DataType.FLOAT) {
            FloatBuffer b = DirectBuffers.floats(index);
            if (pattern != null && patternSource instanceof float[] f && f.length == n && b.mismatch(FloatBuffer.wrap(f)) < 0) {
                return pattern;
            }
            float[] copy = new float[n];
            b.get(0, copy);
            double[] wide = new double[n];
            for (int k = 0; k < n; k++) {
                wide[k] = copy[k];
            }
            pattern = SparsePattern.of(rows, columns,
                    PositionIndex.validPositions(layerName, parameter, wide, (int) index.size(0), rows, columns));
            patternSource = copy;
        } else {
            DoubleBuffer b = DirectBuffers.doubles(index);
            if (pattern != null && patternSource instanceof double[] d && d.length == n && b.mismatch(DoubleBuffer.wrap(d)) < 0) {
                return pattern;
            }
            double[] copy = new double[n];
            b.get(0, copy);
            pattern = SparsePattern.of(rows, columns,
                    PositionIndex.validPositions(layerName, parameter, copy, (int) index.size(0), rows, columns));
            patternSource = copy;
        }
        Reference.reachabilityFence(index); // a copy when the parameter is not packed; the buffers read it
        return pattern;
    }
}
