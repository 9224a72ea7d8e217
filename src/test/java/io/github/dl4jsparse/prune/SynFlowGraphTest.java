package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.FusedBatchNormalization;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Graphs;
import io.github.dl4jsparse.testutil.Layers;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynFlowGraphTest {

    private static final InputType INPUT = InputType.convolutional(6, 6, 2);

    @ParameterizedTest
    @ValueSource(strings = {"MLP", "CNN"})
    void aGraphGetsTheMasksItsMultiLayerTwinGets(String kind) {
        MultiLayerNetwork mln = SnipTest.dense(kind, 5);
        ComputationGraph typed = mln.toComputationGraph();
        InputType input = InputType.feedForward(SnipTest.N_IN); // the CNN's input is convolutionalFlat
        for (MaskBudget budget : List.of(MaskBudget.global(0.9), MaskBudget.layerwise(0.8))) {
            MultiLayerNetwork sparseMln = SynFlow.toSparse(mln, budget, 10);
            ComputationGraph sparseGraph = SynFlow.toSparse(typed, budget, 10, input);
            for (int i = 0; i < 2; i++) {
                String vertex = typed.getLayer(i).conf().getLayer().getLayerName();
                assertArrayEquals(flat(Layers.mask(sparseMln.getLayer(i))),
                        flat(Layers.mask(sparseGraph.getLayer(vertex))), budget + ", layer " + i);
            }
        }
    }

    /**
     * At initialisation (γ 1, β 0, running mean 0, variance 1) batch norm in evaluation mode scales every path through
     * it by the same 1 / sqrt(1 + ε): a chain with it ranks every connection as the chain without it. (In training
     * mode, on SynFlow's one all-ones example, it would output β and stop the flow.)
     */
    @Test
    void batchNormCountsInEvaluationModeAsTheFlowPaperScoresIt() {
        ComputationGraph with = chain(true);
        ComputationGraph without = chain(false);
        for (String name : List.of("conv1", "conv2", "fc", "out")) {
            without.getLayer(name).setParams(with.getLayer(name).params().dup());
        }
        ComputationGraph sparseWith = SynFlow.toSparse(with, MaskBudget.global(0.9), 20, INPUT);
        ComputationGraph sparseWithout = SynFlow.toSparse(without, MaskBudget.global(0.9), 20, INPUT);
        for (String name : List.of("conv1", "conv2", "fc")) {
            assertArrayEquals(flat(Layers.mask(sparseWithout.getLayer(name))), flat(Layers.mask(sparseWith.getLayer(name))),
                    name);
        }
        assertInstanceOf(FusedBatchNormalization.class, sparseWith.getLayer("bn").conf().getLayer());
        assertEquals(with.getLayer("bn").getParam("gamma"), sparseWith.getLayer("bn").getParam("gamma"));
    }

    /** A residual block with batch norm (the shape of DL4J's zoo ResNets): exact global count, no layer collapses. */
    @Test
    void aResidualGraphIsPrunedWithoutDataToAnExactGlobalCount() {
        ComputationGraph dense = Graphs.residualBlock(4, 6, PoolingType.MAX);
        INDArray before = dense.params().dup();
        ComputationGraph sparse = SynFlow.toSparse(dense, MaskBudget.global(0.95), 30, INPUT);
        assertEquals(before, dense.params(), "the dense graph is not changed");
        SparsityReport report = SparsityReport.of(sparse);
        assertEquals(3, report.layers().size());
        long total = report.layers().stream().mapToLong(LayerSparsity::connections).sum();
        assertEquals(Math.round(0.95 * total), total - report.activeConnections());
        assertTrue(report.layers().stream().allMatch(l -> l.activeConnections() > 0), "no layer collapses");
    }

    @Test
    void refusesInputTypesThatDoNotMatchTheGraphsInputs() {
        ComputationGraph graph = chain(false);
        for (InputType[] types : new InputType[][]{{}, {INPUT, INPUT}, null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SynFlow.toSparse(graph, MaskBudget.global(0.9), 3, types));
            assertTrue(e.getMessage().contains("1 input(s)") && e.getMessage().contains("setInputTypes"),
                    e.getMessage());
        }
    }

    private static ComputationGraph chain(boolean batchNorm) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(9)
                .dataType(DataType.DOUBLE).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build(), "in");
        String last = "conv1";
        if (batchNorm) {
            b.addLayer("bn", new BatchNormalization.Builder().build(), "conv1");
            last = "bn";
        }
        b.addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.RELU).build(), last)
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "conv2")
                .addLayer("fc", new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(INPUT);
        ComputationGraph net = new ComputationGraph(b.build());
        net.init();
        return net;
    }

    private static double[] flat(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }
}
