package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.models.SparseLeNet5;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Positions written in bulk ({@code setParams}, as parameter averaging across workers does) that are not integral,
 * out of range or out of order are refused by the next pass and by reports, naming the layer, the entry and the value;
 * they are never rounded.
 */
class CorruptPositionsTest {

    @ParameterizedTest
    @ValueSource(strings = {"conv2", "fc1"})
    void theNextPassAndTheReportRefuseCorruptPositions(String layerName) {
        MultiLayerNetwork net = new MultiLayerNetwork(SparseLeNet5.uniform(0.9, 1, new Adam(1e-3)));
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 784);
        INDArray before = net.output(x);
        INDArray index = net.getLayer(layerName).getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
        double original = index.getDouble(0, 3);

        // an averaged vector: entry 3 halfway between two positions
        INDArray params = net.params().dup();
        net.getLayer(layerName).getParam(SparseLayerConfig.ACTIVE_INDEX_KEY).putScalar(0, 3, original + 0.5);
        INDArray averaged = net.params().dup();
        net.setParams(params);
        net.setParams(averaged);
        IllegalStateException pass = assertThrows(IllegalStateException.class, () -> net.output(x));
        assertTrue(pass.getMessage().contains("Layer '" + layerName + "'") && pass.getMessage().contains("entry 3 is "
                + (original + 0.5)), pass.getMessage());
        IllegalStateException report = assertThrows(IllegalStateException.class, () -> SparsityReport.of(net));
        assertTrue(report.getMessage().contains("entry 3"), report.getMessage());

        // out of order
        net.getLayer(layerName).getParam(SparseLayerConfig.ACTIVE_INDEX_KEY).putScalar(0, 3, index.getDouble(0, 2));
        IllegalStateException order = assertThrows(IllegalStateException.class, () -> net.output(x));
        assertTrue(order.getMessage().contains("entry 3") && order.getMessage().contains("strictly increasing"),
                order.getMessage());

        // restored: the layer computes as before
        net.setParams(params);
        assertEquals(before, net.output(x));
    }
}
