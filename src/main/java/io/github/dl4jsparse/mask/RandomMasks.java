package io.github.dl4jsparse.mask;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Exact-count random binary masks: a mask of {@code size} entries at sparsity {@code s} has exactly
 * {@link #zeroCount(long, double) round(s · size)} zeros, a uniformly random subset drawn with a seeded generator.
 *
 * <p>Unlike Bernoulli sampling ({@code rand > s}, as in the reference PyTorch code), the sparsity a layer gets is the
 * sparsity it was configured with, up to one entry of rounding. The placement depends only on the seed, the size and
 * the sparsity, so the same seed always gives the same mask. The positions are drawn with Floyd's algorithm
 * (Bentley and Floyd, "A sample of brilliance", CACM 30(9), 1987): time and memory proportional to the number of
 * positions drawn, never to {@code size}, so a layer of 2·10^9 connections at sparsity 0.999 draws its 2·10^6 active
 * positions in well under a second.
 *
 * <pre>{@code
 * int[] active = RandomMasks.activePositions(784L * 300, 0.9, 42L); // 23520 sorted positions
 * INDArray mask = RandomMasks.fill(Nd4j.createUninitialized(DataType.FLOAT, 784, 300), 0.9, 42L);
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
     * @param sparsity fraction of zeros, in [0, 1) as everywhere in the library ({@link SparsityFraction})
     * @return the exact number of zeros
     */
    public static long zeroCount(long size, double sparsity) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        SparsityFraction.require("sparsity", sparsity);
        return Math.round(sparsity * size);
    }

    /** Most active positions one draw may return: a Java array's length. */
    public static final int MAX_ACTIVE = Integer.MAX_VALUE - 8;

    /**
     * The positions where a mask of {@code size} entries at {@code sparsity} is 1: exactly
     * {@code size - zeroCount(size, sparsity)} distinct positions in {@code [0, size)}, sorted, every subset of that
     * size equally likely. Up to {@code Integer.MAX_VALUE} entries, time and memory are proportional to the smaller of
     * the active and the masked count (plus the result); beyond, to the active count, so a layer of 10^11 possible
     * connections costs what its active ones cost.
     *
     * @param size     number of entries, {@code >= 0}
     * @param sparsity fraction of zeros, in [0, 1)
     * @param seed     seed of the draw
     * @throws IllegalArgumentException if more than {@link #MAX_ACTIVE} positions would be active
     */
    public static long[] activePositions(long size, double sparsity, long seed) {
        long zeros = zeroCount(size, sparsity);
        long active = size - zeros;
        if (active > MAX_ACTIVE) {
            throw new IllegalArgumentException("a mask of " + size + " entries at sparsity " + sparsity + " has " + active
                    + " active positions, more than " + MAX_ACTIVE + " (a Java array); raise the sparsity");
        }
        SplittableRandom random = new SplittableRandom(seed);
        if (size > Integer.MAX_VALUE || active <= zeros) {
            return floyd(size, (int) active, random);
        }
        // fewer zeros than ones (so fewer than 2^31 entries): draw the zeros and return the rest
        long[] masked = floyd(size, (int) zeros, random);
        long[] positions = new long[(int) active];
        int k = 0;
        int m = 0;
        for (long q = 0; q < size; q++) {
            if (m < masked.length && masked[m] == q) {
                m++;
            } else {
                positions[k++] = q;
            }
        }
        return positions;
    }

    /**
     * A uniformly random subset of {@code count} distinct values of {@code [0, size)}, sorted (Floyd's algorithm): time
     * and memory proportional to {@code count}, whatever {@code size}. Below 2^31 values the draws are those of
     * earlier versions (int draws), so seeded runs keep their choices.
     *
     * @throws IllegalArgumentException if {@code count} is not in {@code [0, size]}
     */
    public static long[] sample(long size, int count, SplittableRandom random) {
        if (count < 0 || count > size) {
            throw new IllegalArgumentException("cannot draw " + count + " distinct values of [0, " + size + ")");
        }
        return floyd(size, count, random);
    }

    /**
     * Floyd's algorithm. Below 2^31 values it draws ints, as earlier versions did, so that seeded masks and SET's
     * choices stay what they were; beyond, longs.
     */
    private static long[] floyd(long size, int count, SplittableRandom random) {
        boolean intDraws = size <= Integer.MAX_VALUE;
        LongHashSet chosen = new LongHashSet(count);
        long[] out = new long[count];
        int n = 0;
        for (long j = size - count; j < size; j++) {
            long t = intDraws ? random.nextInt((int) (j + 1)) : random.nextLong(j + 1);
            long pick = chosen.add(t) ? t : j; // j itself cannot have been chosen yet: earlier draws are all < j
            if (pick == j) {
                chosen.add(j);
            }
            out[n++] = pick;
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * Fills {@code target} with a random binary mask (values 0 and 1 in the array's data type) with exactly
     * {@link #zeroCount(long, double)} zeros: 1 at the {@link #activePositions} of the array's logical column-major
     * index order (for a matrix, {@code i + j · rows}), so the result does not depend on the array's memory layout, and
     * a {@code [nIn, nOut]} array gets the mask a {@code SparseLinear} layer of that shape gets from the same seed.
     *
     * @param target   the array to fill, any shape; written in place
     * @param sparsity fraction of zeros, in [0, 1)
     * @param seed     seed of the draw
     * @return {@code target}
     */
    public static INDArray fill(INDArray target, double sparsity, long seed) {
        long size = target.length();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot fill a dense mask of " + size + " entries; use active storage");
        }
        long[] positions = activePositions(size, sparsity, seed);
        float[] values = new float[(int) size]; // 0 and 1 are exact in every floating-point type
        for (long q : positions) {
            values[(int) q] = 1f;
        }
        target.assign(Nd4j.create(values, target.shape(), 'f').castTo(target.dataType()));
        return target;
    }

    /** An open-addressing set of non-negative longs, sized for a known number of entries. */
    private static final class LongHashSet {
        private final long[] slots;
        private final int mask;
        private final int shift;

        LongHashSet(int expected) {
            if (expected > 1 << 29) {
                throw new IllegalArgumentException("cannot draw more than 2^29 distinct positions, got " + expected);
            }
            int capacity = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1; // load factor at most 1/2
            slots = new long[capacity];
            Arrays.fill(slots, -1L);
            mask = capacity - 1;
            shift = 64 - Integer.numberOfTrailingZeros(capacity);
        }

        /** @return true if {@code v} was added, false if it was already there */
        boolean add(long v) {
            int h = (int) ((v * 0x9E3779B97F4A7C15L) >>> shift); // Fibonacci hashing: the high bits of the product
            while (slots[h] != -1L) {
                if (slots[h] == v) {
                    return false;
                }
                h = (h + 1) & mask;
            }
            slots[h] = v;
            return true;
        }
    }
}
