package io.github.dl4jsparse.mask;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Positions}: validation when made, and the one-pass merges, subtractions and look-ups on sorted positions. */
class PositionsTest {

    private static Positions of(long... p) {
        return Positions.of("test", p, 100);
    }

    @Test
    void refusesPositionsOutOfOrderOrRangeNamingTheEntry() {
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> of(3, 7, 7));
        assertTrue(order.getMessage().contains("test 2 is at position 7"), order.getMessage());
        assertThrows(IllegalArgumentException.class, () -> of(5, 2));
        assertThrows(IllegalArgumentException.class, () -> of(-1));
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> of(0, 100));
        assertTrue(range.getMessage().contains("[0, 100)"), range.getMessage());
    }

    @Test
    void isImmutable() {
        long[] raw = {1, 2, 3};
        Positions p = Positions.of("p", raw, 10);
        raw[0] = 9;
        p.toArray()[1] = 9;
        assertArrayEquals(new long[]{1, 2, 3}, p.toArray());
    }

    @Test
    void withoutUnionAndLookUps() {
        Positions active = of(2, 5, 9, 40, 77);
        assertArrayEquals(new long[]{2, 40, 77}, active.without(of(5, 9, 50)).toArray());
        assertArrayEquals(new long[]{1, 2, 5, 9, 40, 41, 77, 99}, active.union(of(1, 5, 41, 99)).toArray());
        assertTrue(active.contains(40));
        assertFalse(active.contains(41));
        assertEquals(-1, active.firstMissing(of(5, 77)));
        assertEquals(6, active.firstMissing(of(5, 6, 77)));
        assertEquals(-1, active.firstShared(of(1, 3, 41)));
        assertEquals(9, active.firstShared(of(1, 9, 40)));
        assertArrayEquals(new int[]{1, 4}, active.slotsOf("layer", of(5, 77)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> active.slotsOf("layer", of(6)));
        assertTrue(e.getMessage().contains("position 6 is not active"), e.getMessage());
        assertArrayEquals(new int[]{-1, 1, -1, 3}, active.survivorSlots(of(3, 5, 6, 40)));
        assertEquals(of(2, 5), of(2, 5));
        assertEquals(5, active.count());
        assertEquals(100, active.size());
    }
}
