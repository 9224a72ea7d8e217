package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynFlowTest {

    /**
     * One round of SynFlow on 12-40-30-4 (ReLU, softmax), computed here by hand: with |W|, |b| and an all-ones input
     * every unit is positive, ReLU is the identity, and for {@code R = Σ (h2 A3 + b3)}:
     * {@code ∂R/∂A2 = h1ᵀ (A3 1)ᵀ}, {@code ∂R/∂A1 = xᵀ (A2 A3 1)ᵀ}.
     */
    @Test
    void oneRoundKeepsTheLargestSynapticFlowComputedByHand() {
        MultiLayerNetwork dense = SnipTest.dense("MLP", 17);
        INDArray a1 = Transforms.abs(dense.getLayer(0).getParam("W"));
        INDArray a2 = Transforms.abs(dense.getLayer(1).getParam("W"));
        INDArray a3 = Transforms.abs(dense.getLayer(2).getParam("W"));
        INDArray b1 = Transforms.abs(dense.getLayer(0).getParam("b"));
        INDArray x = Nd4j.ones(DataType.DOUBLE, 1, SnipTest.N_IN);
        INDArray h1 = x.mmul(a1).add(b1);
        INDArray ones4 = Nd4j.ones(DataType.DOUBLE, 4, 1);
        INDArray a3ones = a3.mmul(ones4);                 // [30, 1]
        INDArray a2a3ones = a2.mmul(a3ones);              // [40, 1]
        INDArray g1 = x.transpose().mmul(a2a3ones.transpose());
        INDArray g2 = h1.transpose().mmul(a3ones.transpose());
        // the output layer is not converted (only DenseLayer and ConvolutionLayer are), but its |W| carries the flow
        List<double[]> scores = List.of(g1.mul(a1).dup('c').data().asDouble(), g2.mul(a2).dup('c').data().asDouble());
        long connections = scores.stream().mapToLong(s -> s.length).sum();
        long keep = connections - Math.round(0.9 * connections);
        List<double[]> expected = SnipTest.topK(scores, keep);

        MultiLayerNetwork sparse = SynFlow.toSparse(dense, MaskBudget.global(0.9), 1);
        List<double[]> actual = SnipTest.masks(sparse, List.of(0, 1));
        for (int t = 0; t < 2; t++) {
            assertArrayEquals(expected.get(t), actual.get(t), "layer " + t);
        }
    }

    @Test
    void iterativeRoundsGiveExactCountsAndKeepEveryLayerConnected() {
        MultiLayerNetwork dense = SnipTest.dense("MLP", 2);
        MultiLayerNetwork sparse = SynFlow.toSparse(dense, MaskBudget.global(0.98), 50);
        SparsityReport report = SparsityReport.of(sparse);
        assertEquals(report.connections() - Math.round(0.98 * report.connections()), report.activeConnections());
        for (LayerSparsity l : report.layers()) {
            assertTrue(l.maskZeros() < l.connections(), "layer " + l.name() + " keeps a connection");
        }
        MultiLayerNetwork again = SynFlow.toSparse(dense, MaskBudget.global(0.98), 50);
        assertEquals(0.0, TestData.maxAbsDiff(sparse.params(), again.params()), "data-free and deterministic");
        MultiLayerNetwork layerwise = SynFlow.toSparse(SnipTest.dense("CNN", 2), MaskBudget.layerwise(0.8), 10);
        for (LayerSparsity l : SparsityReport.of(layerwise).layers()) {
            assertEquals(Math.round(0.8 * l.connections()), l.maskZeros(), l.name());
        }
    }

    @Test
    void badInputIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SynFlow.toSparse(SnipTest.dense("MLP", 1), MaskBudget.global(0.9), 0));
        assertTrue(e.getMessage().contains("rounds must be > 0, got 0"), e.getMessage());
        assertTrue(Arrays.asList(SynFlow.DEFAULT_ROUNDS).contains(100));
    }

    @Test
    void anLstmIsRefusedNamingTheMethodsThatConvertIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SynFlow.toSparse(SnipLstmTest.dense(), MaskBudget.global(0.9), 10));
        assertTrue(e.getMessage().contains("layer 0 is a recurrent layer (LSTM)"), e.getMessage());
        assertTrue(e.getMessage().contains("Snip.toSparse"), e.getMessage());
    }
}
