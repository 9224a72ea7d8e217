package io.github.dl4jsparse.models;

import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reference article's experiment: SparseMLP(100, 256, 10, sparsity 0.8), 2048 random examples, 20 epochs of Adam. */
class SparseMlpTest {

    @Test
    void seedExperimentStaysAtSparsity08AndLearns() {
        MultiLayerNetwork net = new MultiLayerNetwork(SparseMlp.sparse(100, 256, 10, 0.8, 42, new Adam(1e-3)));
        net.init();
        DataSet data = TestData.classification(2048, 100, 10, 42, DataType.FLOAT);
        double initialLoss = net.score(data);
        for (int epoch = 0; epoch < 20; epoch++) {
            net.fit(data);
        }
        double finalLoss = net.score(data);
        SparsityReport report = SparsityReport.of(net);
        System.out.printf("Seed experiment: loss %.4f -> %.4f, model sparsity %.4f%n", initialLoss, finalLoss, report.maskSparsity());
        assertEquals(0.8, report.maskSparsity(), 0.001);
        assertEquals(0, report.leaks());
        assertTrue(finalLoss < initialLoss, "loss " + initialLoss + " -> " + finalLoss);
        assertEquals(3, report.layers().size());
    }

    @Test
    void denseBaselineHasTheSameShapeAndParameterCountWithoutMasks() {
        MultiLayerNetwork dense = new MultiLayerNetwork(SparseMlp.dense(100, 256, 10, 1, new Adam(1e-3)));
        dense.init();
        MultiLayerNetwork sparse = new MultiLayerNetwork(SparseMlp.sparse(100, 256, 10, 0.5, 1, new Adam(1e-3)));
        sparse.init();
        assertEquals(dense.numParams(), SparsityReport.of(sparse).trainableParameters());
        assertEquals(100 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10, dense.numParams());
    }
}
