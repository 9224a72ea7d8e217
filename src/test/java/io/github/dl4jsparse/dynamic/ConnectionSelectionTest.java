package io.github.dl4jsparse.dynamic;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionSelectionTest {

    private static final double[] SCORES = {0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8};

    @Test
    void smallestAndLargestAmongCandidates() {
        int[] candidates = {0, 2, 3, 4, 6}; // 1 and 5 (the two smallest overall) are not candidates
        assertEquals(Set.of(3, 0), set(ConnectionSelection.smallest(SCORES, candidates, 2, new SplittableRandom(1))));
        assertEquals(Set.of(2, 6), set(ConnectionSelection.largest(SCORES, candidates, 2, new SplittableRandom(1))));
        assertEquals(0, ConnectionSelection.smallest(SCORES, candidates, 0, new SplittableRandom(1)).length);
        assertEquals(Set.of(0, 2, 3, 4, 6), set(ConnectionSelection.largest(SCORES, candidates, 5, new SplittableRandom(1))));
    }

    @Test
    void tiesAreBrokenAtRandomButReproducibly() {
        double[] zeros = new double[1000];
        int[] all = IntStream.range(0, 1000).toArray();
        int[] a = ConnectionSelection.smallest(zeros, all, 10, new SplittableRandom(7));
        int[] b = ConnectionSelection.smallest(zeros, all, 10, new SplittableRandom(7));
        int[] c = ConnectionSelection.smallest(zeros, all, 10, new SplittableRandom(8));
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        assertTrue(Arrays.stream(a).max().getAsInt() > 10, "ties not resolved by position");
    }

    @Test
    void randomPicksDistinctCandidatesUniformly() {
        int[] candidates = IntStream.range(100, 200).toArray();
        int[] counts = new int[200];
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 2000; round++) {
            int[] chosen = ConnectionSelection.random(candidates, 10, random);
            assertEquals(10, set(chosen).size());
            for (int c : chosen) {
                assertTrue(c >= 100 && c < 200);
                counts[c]++;
            }
        }
        // each candidate is expected 200 times; a binomial(2000, 0.1) stays within 200 ± 60 with overwhelming odds
        for (int c = 100; c < 200; c++) {
            assertTrue(Math.abs(counts[c] - 200) < 60, "candidate " + c + " chosen " + counts[c] + " times");
        }
    }

    @Test
    void rejectsImpossibleCountsAndBadScores() {
        assertThrows(IllegalArgumentException.class, () -> ConnectionSelection.random(new int[]{1, 2}, 3, new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class, () -> ConnectionSelection.smallest(SCORES, new int[]{1}, -1, new SplittableRandom(1)));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> ConnectionSelection.largest(new double[]{Double.NaN, 1.0}, new int[]{0, 1}, 1, new SplittableRandom(1)));
        assertTrue(nan.getMessage().contains("NaN"));
    }

    private static Set<Integer> set(int[] values) {
        Set<Integer> s = new HashSet<>();
        for (int v : values) {
            s.add(v);
        }
        return s;
    }
}
