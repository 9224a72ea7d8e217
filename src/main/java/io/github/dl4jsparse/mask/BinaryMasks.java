package io.github.dl4jsparse.mask;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Exact counts over binary masks and the weights they mask. Every comparison is exact ({@code == 0.0}), never
 * within an epsilon: a weight of 1e-30 is not a zero.
 *
 * <pre>{@code
 * long leaks = BinaryMasks.count("fc1", "W", weights, "weightMask", mask).leaks();   // must be 0
 * }</pre>
 */
public final class BinaryMasks {

    private BinaryMasks() {
    }

    /**
     * Throws if {@code mask} holds any value other than 0.0 and 1.0.
     *
     * @param layerName name of the layer, for the message
     * @param paramName name of the mask parameter, for the message
     * @param mask      the mask to check
     * @throws IllegalStateException naming the layer, the parameter, the first offending index and its value
     */
    public static void requireBinary(String layerName, String paramName, INDArray mask) {
        double[] values = valuesOf(mask);
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (v != 0.0 && v != 1.0) {
                throw notBinary(layerName, paramName, i, v);
            }
        }
    }

    /**
     * Throws unless {@code mask} has the same shape as {@code weights}.
     *
     * @throws IllegalStateException naming the layer, both parameters and both shapes
     */
    public static void requireSameShape(String layerName, String weightName, INDArray weights,
                                        String maskName, INDArray mask) {
        if (!Arrays.equals(weights.shape(), mask.shape())) {
            throw new IllegalStateException("Layer '" + layerName + "': parameter '" + maskName + "' has shape "
                    + Arrays.toString(mask.shape()) + " but '" + weightName + "' has shape "
                    + Arrays.toString(weights.shape()) + "; they must be equal");
        }
    }

    /** @return the indices of the non-zero entries of {@code flatMask}, increasing */
    public static long[] nonZeroPositions(double[] flatMask) {
        int count = 0;
        for (double v : flatMask) {
            if (v != 0.0) {
                count++;
            }
        }
        long[] positions = new long[count];
        int k = 0;
        for (int q = 0; q < flatMask.length; q++) {
            if (flatMask[q] != 0.0) {
                positions[k++] = q;
            }
        }
        return positions;
    }

    /** @return the number of entries of {@code array} that are exactly 0.0 */
    public static long zeros(INDArray array) {
        long count = 0;
        for (double v : valuesOf(array)) {
            if (v == 0.0) {
                count++;
            }
        }
        return count;
    }

    /**
     * Counts of one masked weight matrix, in a single pass.
     *
     * @param maskZeros   mask entries that are 0
     * @param weightZeros weight entries that are exactly 0.0
     * @param leaks       non-zero weights where the mask is 0
     */
    public record Counts(long maskZeros, long weightZeros, long leaks) {
    }

    /**
     * Checks that {@code mask} is binary and counts its zeros, the exact zeros of {@code weights} and the leaks, in one
     * pass over both arrays.
     *
     * @throws IllegalStateException as {@link #requireBinary} and {@link #requireSameShape} do
     */
    public static Counts count(String layerName, String weightName, INDArray weights, String maskName, INDArray mask) {
        requireSameShape(layerName, weightName, weights, maskName, mask);
        double[] w = valuesOf(weights);
        double[] m = valuesOf(mask);
        long maskZeros = 0;
        long weightZeros = 0;
        long leaks = 0;
        for (int i = 0; i < w.length; i++) {
            double mi = m[i];
            if (mi == 0.0) {
                maskZeros++;
                if (w[i] != 0.0) {
                    leaks++;
                }
            } else if (mi != 1.0) {
                throw notBinary(layerName, maskName, i, mi);
            }
            if (w[i] == 0.0) {
                weightZeros++;
            }
        }
        return new Counts(maskZeros, weightZeros, leaks);
    }

    private static IllegalStateException notBinary(String layerName, String paramName, int index, double value) {
        return new IllegalStateException("Layer '" + layerName + "': parameter '" + paramName
                + "' must be a binary mask of 0.0 and 1.0, but entry " + index + " (row-major) is " + value);
    }

    /** The values of {@code array} in row-major order, copied exactly (float values widen to double losslessly). */
    static double[] valuesOf(INDArray array) {
        INDArray contiguous = array.ordering() == 'c' && !array.isView() ? array : array.dup('c');
        if (contiguous.dataType() == DataType.DOUBLE) {
            return contiguous.data().asDouble();
        }
        float[] f = contiguous.castTo(DataType.FLOAT).data().asFloat();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
