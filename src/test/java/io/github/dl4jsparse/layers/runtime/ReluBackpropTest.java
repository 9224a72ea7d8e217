package io.github.dl4jsparse.layers.runtime;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java ReLU backprop against ND4J's {@code ActivationReLU.backprop}, bit for bit, in every memory order. */
class ReluBackpropTest {

    @ParameterizedTest(name = "z {0}, epsilon {1}")
    @CsvSource({"c, c", "c, f", "f, c", "f, f"})
    void equalsNd4jReluBackprop(char zOrder, char epsOrder) {
        Nd4j.getRandom().setSeed(3);
        INDArray z = Nd4j.randn(DataType.FLOAT, 37, 53).dup(zOrder);
        // the edges of "z > 0": zeros of both signs, the smallest positive and negative subnormals, infinities
        float[] edges = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int k = 0; k < edges.length; k++) {
            z.putScalar(k, 3, edges[k]);
        }
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, 37, 53).dup(epsOrder);
        ActivationReLU relu = new ActivationReLU();
        assertTrue(ReluBackprop.applies(relu, z));
        INDArray expected = relu.backprop(z.dup(), epsilon).getFirst();
        INDArray actual = ReluBackprop.delta(z, epsilon, LayerWorkspaceMgr.noWorkspaces());
        float[] e = expected.dup('c').reshape(-1).toFloatVector();
        float[] a = actual.dup('c').reshape(-1).toFloatVector();
        for (int q = 0; q < e.length; q++) {
            assertEquals(Float.floatToRawIntBits(e[q]), Float.floatToRawIntBits(a[q]), "entry " + q + ": " + e[q] + " vs " + a[q]);
        }
    }

    @org.junit.jupiter.api.Test
    void appliesToThePlainFloatReluOnly() {
        INDArray z = Nd4j.zeros(DataType.FLOAT, 2, 3);
        assertFalse(ReluBackprop.applies(new ActivationReLU(6.0, null, null), z));
        assertFalse(ReluBackprop.applies(new ActivationReLU(null, 0.5, null), z));
        assertFalse(ReluBackprop.applies(new ActivationReLU(null, null, 0.1), z));
        assertFalse(ReluBackprop.applies(new org.nd4j.linalg.activations.impl.ActivationTanH(), z));
        assertFalse(ReluBackprop.applies(new ActivationReLU(), z.castTo(DataType.DOUBLE)));
    }
}
