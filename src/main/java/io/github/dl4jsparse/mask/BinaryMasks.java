package io.github.dl4jsparse.mask;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Exact counts over binary masks and the weights they mask. Every comparison is exact ({@code == 0.0}), never
 * within an epsilon: a weight of 1e-30 is not a zero.
 *
 * <pre>{@code
 * long leaks = BinaryMasks.leaks(weights, mask);   // non-zero weights where the mask is 0: must be 0
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
                throw new IllegalStateException("Layer '" + layerName + "': parameter '" + paramName
                        + "' must be a binary mask of 0.0 and 1.0, but entry " + i + " (row-major) is " + v);
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
     * @return the number of positions where {@code mask} is 0.0 but {@code weights} is not exactly 0.0; arrays of
     * equal shape
     */
    public static long leaks(INDArray weights, INDArray mask) {
        double[] w = valuesOf(weights);
        double[] m = valuesOf(mask);
        long count = 0;
        for (int i = 0; i < w.length; i++) {
            if (m[i] == 0.0 && w[i] != 0.0) {
                count++;
            }
        }
        return count;
    }

    /** The values of {@code array} in row-major order, copied exactly (float values widen to double losslessly). */
    static double[] valuesOf(INDArray array) {
        return array.dup('c').data().asDouble();
    }
}
