package io.github.dl4jsparse.mask;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import java.util.SplittableRandom;

/**
 * Exact-count random binary masks: a mask of {@code size} entries at sparsity {@code s} has exactly
 * {@link #zeroCount(long, double) round(s · size)} zeros, placed by a seeded Fisher–Yates shuffle.
 *
 * <p>Unlike Bernoulli sampling ({@code rand > s}, as in the reference PyTorch code), the sparsity a layer
 * gets is the sparsity it was configured with, up to one entry of rounding. The placement depends only on
 * the seed and the size, so the same seed always gives the same mask.
 *
 * <pre>{@code
 * INDArray mask = Nd4j.createUninitialized(DataType.FLOAT, 784, 300);
 * RandomMasks.fill(mask, 0.9, 42L);   // exactly round(0.9 * 235200) = 211680 zeros
 * }</pre>
 */
public final class RandomMasks {

    private RandomMasks() {
    }

    /**
     * The number of zeros of a mask of {@code size} entries at {@code sparsity}: {@code Math.round(sparsity · size)},
     * that is, rounded half up.
     *
     * @param size     number of entries, {@code >= 0}
     * @param sparsity fraction of zeros, in [0, 1]
     * @return the exact number of zeros
     */
    public static long zeroCount(long size, double sparsity) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        if (!(sparsity >= 0.0 && sparsity <= 1.0)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1], got " + sparsity);
        }
        return Math.round(sparsity * size);
    }

    /**
     * Fills {@code target} with a random binary mask (values 0 and 1 in the array's data type) with exactly
     * {@link #zeroCount(long, double)} zeros. The positions are drawn in the array's logical (row-major)
     * index order, so the result does not depend on the array's memory layout.
     *
     * @param target   the array to fill, any shape; written in place
     * @param sparsity fraction of zeros, in [0, 1]
     * @param seed     seed of the shuffle
     * @return {@code target}
     */
    public static INDArray fill(INDArray target, double sparsity, long seed) {
        long size = target.length();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("masks of more than " + Integer.MAX_VALUE + " entries are not supported, got " + size);
        }
        boolean[] masked = masked(size, sparsity, seed);
        float[] values = new float[masked.length]; // 0 and 1 are exact in every floating-point type
        for (int i = 0; i < values.length; i++) {
            values[i] = masked[i] ? 0f : 1f;
        }
        target.assign(Nd4j.create(values, target.shape(), 'c').castTo(target.dataType()));
        return target;
    }

    /**
     * The mask {@link #fill} writes, as flags in row-major index order without building an array of the mask's
     * values: {@code true} where the mask is 0.
     *
     * @param size     number of entries, at most {@code Integer.MAX_VALUE}
     * @param sparsity fraction of zeros, in [0, 1]
     * @param seed     seed of the shuffle
     */
    public static boolean[] masked(long size, double sparsity, long seed) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("masks of more than " + Integer.MAX_VALUE + " entries are not supported, got " + size);
        }
        int zeros = (int) zeroCount(size, sparsity);
        boolean[] masked = new boolean[(int) size];
        int[] shuffled = shuffledPrefix((int) size, zeros, seed);
        for (int i = 0; i < zeros; i++) {
            masked[shuffled[i]] = true;
        }
        return masked;
    }

    /**
     * The first {@code count} entries of a seeded Fisher–Yates shuffle of {@code 0 .. size-1}: a uniformly random
     * subset of {@code count} distinct indices.
     */
    static int[] firstShuffled(int size, int count, long seed) {
        return Arrays.copyOf(shuffledPrefix(size, count, seed), count);
    }

    /** {@code 0 .. size-1} after {@code count} steps of a seeded Fisher–Yates shuffle: the first {@code count} are drawn. */
    private static int[] shuffledPrefix(int size, int count, long seed) {
        int[] indices = new int[size];
        for (int i = 0; i < size; i++) {
            indices[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            int j = i + random.nextInt(size - i);
            int tmp = indices[i];
            indices[i] = indices[j];
            indices[j] = tmp;
        }
        return indices;
    }
}
