package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.dynamic.PruneRegrowSchedule.Decay;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruneRegrowScheduleTest {

    @Test
    void cosineDecaysFromAlphaToZeroAtTheEnd() {
        PruneRegrowSchedule s = new PruneRegrowSchedule(0.3, 100, 0, 1000, Decay.COSINE);
        assertEquals(0.3, s.dropFraction(1), 1e-5); // just after begin: almost alpha
        assertEquals(0.15, s.dropFraction(500), 1e-12); // half way: alpha / 2
        assertEquals(0.15 * (1 + Math.cos(Math.PI * 0.1)), s.dropFraction(100), 1e-12);
        assertEquals(0.0, s.dropFraction(1000), 1e-12);
        assertEquals(0.0, s.dropFraction(1001));
        assertEquals(0.0, s.dropFraction(0));
    }

    @Test
    void cosineCountsFromTheBeginStep() {
        PruneRegrowSchedule s = new PruneRegrowSchedule(0.5, 10, 200, 400, Decay.COSINE);
        assertEquals(0.25, s.dropFraction(300), 1e-12);
        assertEquals(0.0, s.dropFraction(200));
    }

    @Test
    void constantKeepsAlpha() {
        PruneRegrowSchedule s = new PruneRegrowSchedule(0.3, 100, 0, 1000, Decay.CONSTANT);
        assertEquals(0.3, s.dropFraction(100));
        assertEquals(0.3, s.dropFraction(1000));
        assertEquals(0.0, s.dropFraction(1100));
    }

    @Test
    void updateStepsAreEveryDeltaTAfterBeginUpToEnd() {
        PruneRegrowSchedule s = new PruneRegrowSchedule(0.3, 100, 50, 450, Decay.COSINE);
        assertFalse(s.isUpdateStep(50));
        assertTrue(s.isUpdateStep(150));
        assertFalse(s.isUpdateStep(151));
        assertFalse(s.isUpdateStep(100));
        assertTrue(s.isUpdateStep(450));
        assertFalse(s.isUpdateStep(550));
        long count = java.util.stream.LongStream.rangeClosed(0, 2000).filter(s::isUpdateStep).count();
        assertEquals(4, count);
    }

    @Test
    void rejectsBadInputNamingParameterAndValue() {
        assertMessage("alpha (the initial drop fraction) must be in (0, 1], got 0.0", () -> new PruneRegrowSchedule(0.0, 1, 0, 10, Decay.COSINE));
        assertMessage("got 1.5", () -> new PruneRegrowSchedule(1.5, 1, 0, 10, Decay.COSINE));
        assertMessage("got NaN", () -> new PruneRegrowSchedule(Double.NaN, 1, 0, 10, Decay.COSINE));
        assertMessage("deltaT (steps between updates) must be > 0, got 0", () -> new PruneRegrowSchedule(0.3, 0, 0, 10, Decay.COSINE));
        assertMessage("got -5", () -> new PruneRegrowSchedule(0.3, -5, 0, 10, Decay.COSINE));
        assertMessage("end step (tEnd) must be after the begin step 100, got 50", () -> new PruneRegrowSchedule(0.3, 10, 100, 50, Decay.COSINE));
        assertMessage("got 100", () -> new PruneRegrowSchedule(0.3, 10, 100, 100, Decay.COSINE));
        assertMessage("begin step must be >= 0, got -1", () -> new PruneRegrowSchedule(0.3, 10, -1, 50, Decay.COSINE));
        assertMessage("decay must not be null", () -> new PruneRegrowSchedule(0.3, 10, 0, 50, null));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expected), () -> "message '" + ex.getMessage() + "' lacks '" + expected + "'");
    }
}
