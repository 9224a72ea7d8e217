package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.layers.FusedBatchNormalization;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Graphs;
import io.github.dl4jsparse.testutil.Images;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnipGraphTest {

    /** The same chain as a ComputationGraph, with the network's parameters: SNIP must choose the same masks. */
    @ParameterizedTest
    @ValueSource(strings = {"MLP", "CNN"})
    void aGraphGetsTheMasksItsMultiLayerTwinGets(String kind) {
        MultiLayerNetwork mln = SnipTest.dense(kind, 3);
        ComputationGraph graph = mln.toComputationGraph(); // DL4J's own conversion: same layers and parameters
        assertEquals(mln.params(), graph.params());
        DataSet batch = TestData.classification(32, SnipTest.N_IN, 4, 9, DataType.DOUBLE);
        for (MaskBudget budget : List.of(MaskBudget.global(0.8), MaskBudget.layerwise(0.7),
                MaskBudget.perLayer(SparsityDistribution.erk(0.75).build()))) {
            MultiLayerNetwork sparseMln = Snip.toSparse(mln, batch, budget);
            ComputationGraph sparseGraph = Snip.toSparse(graph, batch, budget);
            for (int i = 0; i < 2; i++) {
                String vertex = graph.getLayer(i).conf().getLayer().getLayerName();
                assertArrayEquals(flat(Layers.mask(sparseMln.getLayer(i))), flat(Layers.mask(sparseGraph.getLayer(vertex))),
                        budget + ", layer " + i);
                assertArrayEquals(flat(Layers.weights(sparseMln.getLayer(i))),
                        flat(Layers.weights(sparseGraph.getLayer(vertex))), "kept weights, layer " + i);
            }
        }
    }

    /** A residual network with batch norm (the shape of DL4J's zoo ResNets): exact global count, and it trains. */
    @Test
    void aResidualGraphWithBatchNormIsPrunedOnOneMinibatchAndTrains() {
        ComputationGraph dense = Graphs.residualBlock(5, 8, PoolingType.AVG);
        INDArray before = dense.params().dup();
        DataSet batch = Images.classification(16, 2, 8, 8, CNN2DFormat.NCHW, 3, 4, DataType.FLOAT);
        ComputationGraph sparse = Snip.toSparse(dense, batch, MaskBudget.global(0.9));
        assertEquals(before, dense.params(), "the dense graph is not changed");
        assertInstanceOf(SparseConv2D.class, sparse.getLayer("conv").conf().getLayer());
        assertInstanceOf(FusedBatchNormalization.class, sparse.getLayer("bn").conf().getLayer());
        SparsityReport report = SparsityReport.of(sparse);
        assertEquals(3, report.layers().size());
        long total = report.layers().stream().mapToLong(LayerSparsity::connections).sum();
        assertEquals(Math.round(0.9 * total), total - report.activeConnections(), "exact global count");
        double score = sparse.score(batch);
        for (int i = 0; i < 20; i++) {
            sparse.fit(batch);
        }
        assertTrue(sparse.score(batch) < score);
        assertEquals(0, SparsityReport.of(sparse).leaks());
    }

    @Test
    void refusesANonFiniteOrMissingMinibatchNamingIt() {
        ComputationGraph graph = SnipTest.dense("MLP", 1).toComputationGraph();
        DataSet batch = TestData.classification(8, SnipTest.N_IN, 4, 2, DataType.DOUBLE);
        batch.getFeatures().putScalar(3, 2, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Snip.toSparse(graph, batch, MaskBudget.global(0.9)));
        assertTrue(e.getMessage().contains("features") && e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Snip.toSparse(graph, (DataSet) null, MaskBudget.global(0.9)));
        assertTrue(e.getMessage().contains("minibatch"), e.getMessage());
    }

    private static double[] flat(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }
}
