package io.github.dl4jsparse.mask;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomMasksTest {

    /** The configured sparsity is the sparsity the mask has: exact counts, where Bernoulli sampling drifts. */
    @ParameterizedTest
    @CsvSource({"1,1,0.0", "1,1,0.5", "3,7,0.25", "10,10,0.25", "100,256,0.8", "256,10,0.9", "784,300,0.95",
            "7,13,0.33", "1,1000,0.999", "33,1,0.5", "64,64,0.0"})
    void maskHasExactlyRoundedZeroCount(int rows, int cols, double sparsity) {
        INDArray mask = Nd4j.createUninitialized(DataType.FLOAT, rows, cols);
        RandomMasks.fill(mask, sparsity, 123L);
        long expectedZeros = Math.round(sparsity * rows * cols);
        assertEquals(expectedZeros, BinaryMasks.zeros(mask));
        assertEquals(rows * (long) cols - expectedZeros, mask.sumNumber().longValue(), "all other entries are 1");
        BinaryMasks.requireBinary("test", "mask", mask);
    }

    @Test
    void roundingIsHalfUp() {
        assertEquals(1, RandomMasks.zeroCount(2, 0.25));   // 0.5 -> 1
        assertEquals(2, RandomMasks.zeroCount(10, 0.249));  // 2.49 -> 2
        assertEquals(3, RandomMasks.zeroCount(10, 0.25));   // 2.5 -> 3
    }

    @Test
    void sameSeedGivesSameMaskWhateverTheLayout() {
        INDArray c = RandomMasks.fill(Nd4j.createUninitialized(DataType.FLOAT, new long[]{20, 30}, 'c'), 0.7, 99L);
        INDArray f = RandomMasks.fill(Nd4j.createUninitialized(DataType.DOUBLE, new long[]{20, 30}, 'f'), 0.7, 99L);
        assertEquals(c.castTo(DataType.DOUBLE), f);
    }

    @Test
    void differentSeedsGiveDifferentMasks() {
        INDArray a = RandomMasks.fill(Nd4j.createUninitialized(DataType.FLOAT, 20, 30), 0.5, 1L);
        INDArray b = RandomMasks.fill(Nd4j.createUninitialized(DataType.FLOAT, 20, 30), 0.5, 2L);
        assertNotEquals(a, b);
    }

    @Test
    void fillsAViewInPlace() {
        INDArray parent = Nd4j.zeros(DataType.FLOAT, 1, 40);
        INDArray view = parent.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(10, 30)).reshape('f', 4, 5);
        RandomMasks.fill(view, 0.5, 5L);
        assertEquals(10.0, parent.sumNumber().doubleValue(), "10 ones written through the view");
    }

    /**
     * Every position is equally likely to be drawn: over 4000 seeds, the hit counts of the 500 positions of a mask at
     * sparsity 0.9 (and at 0.3, where the masked positions are drawn instead) pass a chi-square test (499 degrees of
     * freedom: mean 499, standard deviation 31.6; the bound is 5 deviations above).
     */
    @ParameterizedTest
    @ValueSource(doubles = {0.9, 0.3})
    void positionsAreUniformlyDistributed(double sparsity) {
        int size = 500;
        int seeds = 4000;
        long[] hits = new long[size];
        int active = 0;
        for (long seed = 0; seed < seeds; seed++) {
            long[] positions = RandomMasks.activePositions(size, sparsity, seed);
            active = positions.length;
            for (long q : positions) {
                hits[(int) q]++;
            }
        }
        double expected = (double) active * seeds / size;
        double chi2 = 0;
        for (long h : hits) {
            chi2 += (h - expected) * (h - expected) / expected;
        }
        assertTrue(chi2 < 499 + 5 * Math.sqrt(2 * 499), "chi-square " + chi2);
    }

    @ParameterizedTest
    @CsvSource({"1000, 0.9", "1000, 0.2", "1, 0.0", "1, 0.5", "2147483647, 0.9999999", "3000000000, 0.99999",
            "360000000000, 0.9999333"})
    void activePositionsAreExactlyCountedSortedAndDistinct(long size, double sparsity) { // "1, 0.5": no active one
        long[] positions = RandomMasks.activePositions(size, sparsity, 8L);
        assertEquals(size - RandomMasks.zeroCount(size, sparsity), positions.length);
        for (int k = 0; k < positions.length; k++) {
            assertTrue(positions[k] >= 0 && positions[k] < size);
            assertTrue(k == 0 || positions[k] > positions[k - 1], "sorted and distinct");
        }
        assertArrayEquals(positions, RandomMasks.activePositions(size, sparsity, 8L), "same seed, same positions");
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY})
    void rejectsSparsityOutsideUnitInterval(double sparsity) {
        // 1.0 too, as every builder of the library refuses it (SparsityFraction): a mask with no connection at all
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RandomMasks.zeroCount(10, sparsity));
        assertTrue(e.getMessage().startsWith("sparsity must be in [0, 1), got " + sparsity), e.getMessage());
    }
}
