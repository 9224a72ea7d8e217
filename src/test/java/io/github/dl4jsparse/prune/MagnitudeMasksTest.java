package io.github.dl4jsparse.prune;

import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link MagnitudeMasks}: the selection of the smallest magnitudes against a plain sort of the indices by
 * (|w|, index), with ties, signed zeros and NaN, for every count.
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
