package io.github.dl4jsparse.sparsity;

import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationSparsityTest {

    @Test
    void fractionsEqualADirectCountOfTheActivations() {
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(2), true, 0.5);
        INDArray x = TestData.classification(64, Nets.N_IN, Nets.CLASSES, 1, DataType.FLOAT).getFeatures();
        double[] fractions = ActivationSparsity.of(net, x);
        List<INDArray> acts = net.feedForward(x, false);
        assertEquals(3, fractions.length);
        for (int i = 0; i < 3; i++) {
            INDArray a = acts.get(i + 1);
            long zeros = 0;
            for (long k = 0; k < a.length(); k++) {
                if (a.getDouble(k) == 0.0) {
                    zeros++;
                }
            }
            assertEquals((double) zeros / a.length(), fractions[i], 1e-15);
        }
        assertTrue(fractions[1] > 0.1, "the ReLU layer has zeros: " + fractions[1]);
        assertEquals(0.0, fractions[0], 0.0, "tanh outputs are never exactly 0 here");
    }
}
