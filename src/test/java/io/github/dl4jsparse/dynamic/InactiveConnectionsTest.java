package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.runtime.WeightGradientFactors;
import io.github.dl4jsparse.mask.RandomMasks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Growth among the inactive positions from the active ones alone: exact choices, uniform ties, any block size. */
class InactiveConnectionsTest {

    private static final int N_IN = 30;
    private static final int N_OUT = 20;

    @Test
    void randomPicksDistinctInactivePositionsUniformly() {
        int size = N_IN * N_OUT;
        long[] active = RandomMasks.activePositions(size, 0.7, 3L);
        int inactive = size - active.length;
        long[] hits = new long[size];
        int trials = 3000;
        int k = 20;
        for (int t = 0; t < trials; t++) {
            long[] grown = InactiveConnections.random(active, size, k, new SplittableRandom(t));
            assertEquals(k, grown.length);
            for (int g = 0; g < k; g++) {
                assertTrue(Arrays.binarySearch(active, grown[g]) < 0, "grew an active position");
                assertTrue(g == 0 || grown[g] > grown[g - 1], "increasing and distinct");
                hits[(int) grown[g]]++;
            }
        }
        for (long q : active) {
            assertEquals(0, hits[(int) q]);
        }
        assertUniformOverInactive(hits, active, (double) k * trials / inactive);
    }

    /** Chi-square test of the hit counts of the inactive positions: at most 5 standard deviations above its mean. */
    private static void assertUniformOverInactive(long[] hits, long[] active, double expected) {
        double chi2 = 0;
        for (int q = 0; q < hits.length; q++) {
            if (Arrays.binarySearch(active, (long) q) < 0) {
                chi2 += (hits[q] - expected) * (hits[q] - expected) / expected;
            }
        }
        int df = hits.length - active.length - 1;
        assertTrue(chi2 < df + 5 * Math.sqrt(2.0 * df), "chi-square " + chi2 + " with " + df + " degrees of freedom");
    }

    /** The k largest |xᵀ·δ| at inactive positions, as a dense computation finds them, for any block size. */
    @ParameterizedTest
    @ValueSource(ints = {1, 45, 100, 1 << 20})
    void largestGradientIsTheDenseTopKForAnyBlockSize(int blockEntries) {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, N_IN);
        INDArray delta = Nd4j.randn(DataType.DOUBLE, 8, N_OUT);
        WeightGradientFactors factors = WeightGradientFactors.of(x, delta);
        double[] dense = factors.dense().dup('f').reshape('f', new long[]{N_IN * N_OUT}).toDoubleVector();
        long[] active = RandomMasks.activePositions(N_IN * N_OUT, 0.8, 5L);
        int k = 25;
        long[] grown = InactiveConnections.largestGradient(factors, active, k, new SplittableRandom(1), blockEntries);

        Integer[] inactive = java.util.stream.IntStream.range(0, N_IN * N_OUT)
                .filter(q -> Arrays.binarySearch(active, (long) q) < 0).boxed().toArray(Integer[]::new);
        Arrays.sort(inactive, (a, b) -> Double.compare(Math.abs(dense[b]), Math.abs(dense[a])));
        long[] expected = Arrays.stream(inactive).limit(k).mapToLong(Integer::longValue).sorted().toArray();
        assertArrayEquals(expected, grown);
        assertArrayEquals(grown, InactiveConnections.largestGradient(factors, active, k, new SplittableRandom(1), 7),
                "the block size changes nothing");
    }

    /** With every gradient entry 0 (dead units), all inactive positions tie and each is about equally likely. */
    @Test
    void tiesAreBrokenUniformly() {
        int size = N_IN * N_OUT;
        WeightGradientFactors zero = WeightGradientFactors.of(Nd4j.zeros(DataType.DOUBLE, 4, N_IN),
                Nd4j.zeros(DataType.DOUBLE, 4, N_OUT));
        long[] active = RandomMasks.activePositions(size, 0.5, 9L);
        int inactive = size - active.length;
        long[] hits = new long[size];
        int trials = 2000;
        int k = 15;
        for (int t = 0; t < trials; t++) {
            for (long q : InactiveConnections.largestGradient(zero, active, k, new SplittableRandom(t), 100)) {
                hits[(int) q]++;
            }
        }
        assertUniformOverInactive(hits, active, (double) k * trials / inactive);
    }
}
