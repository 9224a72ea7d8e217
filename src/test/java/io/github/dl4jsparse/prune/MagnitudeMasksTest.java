package io.github.dl4jsparse.prune;

import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link MagnitudeMasks}: the selection of the smallest magnitudes against a plain sort of the indices by
 * (|w|, index), with ties, signed zeros and NaN, for every count; and on large arrays with many ties, sorted runs and
 * one constant value, which a selection's pivots must survive.
 */
class MagnitudeMasksTest {

    /** The definition: indices sorted by |w| (as {@link Double#compare}), ties by index; the first {@code count}. */
    private static int[] reference(double[] w, int count) {
        return IntStream.range(0, w.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> Math.abs(w[i])).thenComparingInt(i -> i))
                .limit(count).mapToInt(Integer::intValue).sorted().toArray();
    }

    @Test
    void theSmallestMagnitudesAreChosenWithTiesByPosition() {
        Random r = new Random(3);
        // few distinct values, so that most choices end inside a run of ties; signed zeros and NaN among them
        double[] values = {0.0, -0.0, 0.5, -0.5, 1.0, -2.0, Double.NaN, 3.0};
        double[] w = r.ints(200, 0, values.length).mapToDouble(i -> values[i]).toArray();
        for (int count = 0; count <= w.length; count++) {
            assertArrayEquals(reference(w, count), MagnitudeMasks.smallestFirst(w, count), "count " + count);
        }
    }

    @Test
    void largeArraysWithManyTiesAndSortedRunsAgreeWithTheDefinition() {
        Random r = new Random(5);
        int n = 200_000;
        double[] levels = r.ints(n, 0, 50).mapToDouble(i -> (i - 25) / 8.0).toArray(); // many ties
        double[] ascending = IntStream.range(0, n).mapToDouble(i -> i * 1e-3).toArray(); // sorted: bad for naive pivots
        double[] descending = IntStream.range(0, n).mapToDouble(i -> -i * 1e-3).toArray();
        double[] constant = new double[n];
        for (double[] w : new double[][]{levels, ascending, descending, constant}) {
            for (int count : new int[]{1, 17, n / 10, n / 2, 9 * n / 10, n - 1, n}) {
                assertArrayEquals(reference(w, count), MagnitudeMasks.smallestFirst(w, count), "count " + count);
            }
        }
    }

    @Test
    void aMaskKeepsTheLargestWithAnExactCount() {
        double[] w = new Random(4).doubles(1000, -1, 1).toArray();
        double[] mask = MagnitudeMasks.keepLargest(w, 0.9);
        assertEquals(100, (int) java.util.Arrays.stream(mask).sum());
        double smallestKept = IntStream.range(0, w.length).filter(i -> mask[i] == 1.0).mapToDouble(i -> Math.abs(w[i]))
                .min().orElseThrow();
        double largestPruned = IntStream.range(0, w.length).filter(i -> mask[i] == 0.0).mapToDouble(i -> Math.abs(w[i]))
                .max().orElseThrow();
        assertEquals(true, largestPruned <= smallestKept, largestPruned + " pruned, " + smallestKept + " kept");
    }
}
