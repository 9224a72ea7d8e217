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
    void takesEverythingBeforeTheBoundaryAndDrawsAmongTheTiesAtIt() {
        double[] scores = {2, 1, 3, 1, 2, 1, 2, 5};
        int[] all = IntStream.range(0, scores.length).toArray();
        Set<Integer> seen = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            Set<Integer> chosen = set(ConnectionSelection.smallest(scores, all, 4, new SplittableRandom(seed)));
            assertEquals(4, chosen.size());
            assertTrue(chosen.containsAll(Set.of(1, 3, 5)), "all three 1s: " + chosen);
            chosen.removeAll(Set.of(1, 3, 5));
            assertTrue(Set.of(0, 4, 6).containsAll(chosen), "one of the 2s: " + chosen);
            seen.addAll(chosen);
            Set<Integer> top = set(ConnectionSelection.largest(scores, all, 3, new SplittableRandom(seed)));
            assertTrue(top.containsAll(Set.of(7, 2)) && top.size() == 3, "5, 3 and one 2: " + top);
        }
        assertEquals(Set.of(0, 4, 6), seen, "every tied 2 gets drawn sometimes");
    }

    @Test
    void agreesWithSortingOnRandomScores() {
        java.util.Random r = new java.util.Random(11);
        for (int trial = 0; trial < 20; trial++) {
            double[] scores = r.doubles(500).toArray();
            int[] candidates = IntStream.range(0, 500).filter(i -> i % 3 != 0).toArray();
            int k = r.nextInt(candidates.length + 1);
            int[] sorted = Arrays.stream(candidates).boxed()
                    .sorted((a, b) -> Double.compare(scores[a], scores[b])).mapToInt(Integer::intValue).toArray();
            assertEquals(set(Arrays.copyOf(sorted, k)), set(ConnectionSelection.smallest(scores, candidates, k, new SplittableRandom(trial))));
            assertEquals(set(Arrays.copyOfRange(sorted, sorted.length - k, sorted.length)),
                    set(ConnectionSelection.largest(scores, candidates, k, new SplittableRandom(trial))));
        }
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
