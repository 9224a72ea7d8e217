package io.github.dl4jsparse.mask;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BinaryMasksTest {

    @Test
    void zerosAreExactNotWithinEpsilon() {
        INDArray w = Nd4j.createFromArray(new double[][]{{0.0, 1e-30}, {-0.0, 1e-7}});
        assertEquals(2, BinaryMasks.zeros(w), "0.0 and -0.0 are zeros; 1e-30 and 1e-7 are not");
    }

    @Test
    void leaksCountNonZeroWeightsUnderZeroMask() {
        INDArray w = Nd4j.createFromArray(new float[][]{{0f, 2f, 3f}, {1e-20f, 0f, 5f}});
        INDArray m = Nd4j.createFromArray(new float[][]{{0f, 0f, 1f}, {0f, 0f, 1f}});
        assertEquals(2, BinaryMasks.count("l", "W", w, "weightMask", m).leaks());
    }

    @Test
    void requireBinaryNamesLayerParameterAndValue() {
        INDArray m = Nd4j.createFromArray(new float[][]{{0f, 1f}, {0.5f, 1f}});
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BinaryMasks.requireBinary("fc1", "weightMask", m));
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("weightMask")
                && e.getMessage().contains("0.5"), e.getMessage());
        assertDoesNotThrow(() -> BinaryMasks.requireBinary("fc1", "weightMask", Nd4j.createFromArray(new float[]{0f, 1f})));
    }

    @Test
    void requireSameShapeNamesBothShapes() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BinaryMasks.requireSameShape(
                "fc2", "W", Nd4j.zeros(3, 4), "weightMask", Nd4j.zeros(4, 3)));
        assertTrue(e.getMessage().contains("fc2") && e.getMessage().contains("[4, 3]")
                && e.getMessage().contains("[3, 4]"), e.getMessage());
    }

    @Test
    void countAgreesWithTheSeparateCountsOnAView() {
        INDArray w = Nd4j.createFromArray(new float[][]{{0f, 2f, 3f}, {1e-20f, 0f, 5f}}).transpose(); // an 'f' view
        INDArray m = Nd4j.createFromArray(new float[][]{{0f, 0f, 1f}, {0f, 1f, 1f}}).transpose();
        BinaryMasks.Counts c = BinaryMasks.count("l", "W", w, "weightMask", m);
        assertEquals(BinaryMasks.zeros(m), c.maskZeros());
        assertEquals(BinaryMasks.zeros(w), c.weightZeros());
        assertEquals(new BinaryMasks.Counts(3, 2, 2), c);
        INDArray bad = m.dup();
        bad.putScalar(1, 1, 3.0);
        assertThrows(IllegalStateException.class, () -> BinaryMasks.count("l", "W", w, "weightMask", bad));
    }
}
