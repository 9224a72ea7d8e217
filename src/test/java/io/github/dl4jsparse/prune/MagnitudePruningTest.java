package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.mask.BinaryMasks;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagnitudePruningTest {

    private static final DataSet DATA = TestData.classification(32, Nets.N_IN, Nets.CLASSES, 4, DataType.FLOAT);

    private static MultiLayerNetwork trainedDense() {
        MultiLayerNetwork dense = Nets.mlp(new NeuralNetConfiguration.Builder().seed(6).updater(new Adam(1e-2)), false, 0.0);
        for (int i = 0; i < 10; i++) {
            dense.fit(DATA);
        }
        return dense;
    }

    @Test
    void sparsityZeroGivesTheDenseNetworksOutputs() {
        MultiLayerNetwork dense = trainedDense();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, 0.0);
        assertInstanceOf(SparseLinear.class, sparse.getLayerWiseConfigurations().getConf(0).getLayer());
        assertInstanceOf(SparseLinear.class, sparse.getLayerWiseConfigurations().getConf(1).getLayer());
        assertEquals(0.0, TestData.maxAbsDiff(dense.output(DATA.getFeatures()), sparse.output(DATA.getFeatures())), 1e-6);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.3, 0.5, 0.9})
    void layerwiseKeepsExactlyTheLargestMagnitudes(double sparsity) {
        MultiLayerNetwork dense = trainedDense();
        INDArray before = dense.params().dup();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, sparsity);
        assertEquals(before, dense.params(), "the dense network is not changed");
        for (int i = 0; i < 2; i++) {
            INDArray w = dense.getLayer(i).getParam("W");
            INDArray mask = Layers.mask(sparse.getLayer(i));
            INDArray sw = Layers.weights(sparse.getLayer(i));
            assertEquals(Math.round(sparsity * w.length()), BinaryMasks.zeros(mask), "exact count, layer " + i);
            double largestPruned = 0;
            double smallestKept = Double.MAX_VALUE;
            for (long k = 0; k < w.length(); k++) {
                double m = Math.abs(w.getDouble(k));
                if (mask.getDouble(k) == 0.0) {
                    largestPruned = Math.max(largestPruned, m);
                    assertEquals(0.0, sw.getDouble(k), 0.0);
                } else {
                    smallestKept = Math.min(smallestKept, m);
                    assertEquals(w.getDouble(k), sw.getDouble(k), 0.0, "survivors keep their value");
                }
            }
            assertTrue(largestPruned <= smallestKept, "pruned " + largestPruned + " vs kept " + smallestKept);
            assertEquals(dense.getLayer(i).getParam("b").reshape(1, w.size(1)), sparse.getLayer(i).getParam(SparseLinear.BIAS_KEY));
        }
        assertEquals(dense.getLayer(2).getParam("W"), sparse.getLayer(2).getParam("W"), "other layers copied");
    }

    @Test
    void globalScopeRanksAllConvertedWeightsTogether() {
        MultiLayerNetwork dense = trainedDense();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, 0.6, PruneScope.GLOBAL);
        SparsityReport report = SparsityReport.of(sparse);
        long total = 5 * 8 + 8 * 6;
        assertEquals(Math.round(0.6 * total), report.connections() - report.activeConnections());
        double largestPruned = 0;
        double smallestKept = Double.MAX_VALUE;
        for (int i = 0; i < 2; i++) {
            INDArray w = dense.getLayer(i).getParam("W");
            INDArray mask = Layers.mask(sparse.getLayer(i));
            for (long k = 0; k < w.length(); k++) {
                double m = Math.abs(w.getDouble(k));
                if (mask.getDouble(k) == 0.0) {
                    largestPruned = Math.max(largestPruned, m);
                } else {
                    smallestKept = Math.min(smallestKept, m);
                }
            }
        }
        assertTrue(largestPruned <= smallestKept);
        for (LayerSparsity l : report.layers()) {
            assertEquals(((SparseLinear) sparse.getLayerWiseConfigurations().getConf(Integer.parseInt(l.name().substring(5)))
                    .getLayer()).getSparsity(), l.maskSparsity(), 1e-12, "the configured sparsity is the layer's");
        }
    }

    @Test
    void fineTuningKeepsTheMasks() {
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(trainedDense(), 0.7);
        INDArray mask = Layers.mask(sparse.getLayer(0)).dup();
        double before = sparse.score(DATA);
        for (int i = 0; i < 20; i++) {
            sparse.fit(DATA);
        }
        assertEquals(mask, Layers.mask(sparse.getLayer(0)));
        assertEquals(0, SparsityReport.of(sparse).leaks());
        assertTrue(sparse.score(DATA) < before, "fine-tuning lowers the loss");
    }

    @Test
    void rejectsBadInput() {
        MultiLayerNetwork dense = trainedDense();
        for (double bad : new double[]{-0.1, 1.0, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.toSparse(dense, bad));
            assertTrue(e.getMessage().contains("sparsity") && e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        MultiLayerNetwork noDense = Nets.mlp(new NeuralNetConfiguration.Builder().seed(1), true, 0.5);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.toSparse(noDense, 0.5))
                .getMessage().contains("no DenseLayer"));
    }

    @Test
    void magnitudeMasksBreakTiesByPosition() {
        double[] mask = MagnitudeMasks.keepLargest(new double[]{1, -1, 1, 0.5, 2}, 0.4);
        assertEquals(java.util.List.of(0.0, 1.0, 1.0, 0.0, 1.0),
                java.util.Arrays.stream(mask).boxed().toList(), "0.5 first, then the earlier of the tied 1s");
    }

    private static ComputationGraph trainedDenseGraph() {
        ComputationGraph dense = Nets.graph(new NeuralNetConfiguration.Builder().seed(6).updater(new Adam(1e-2)), false, 0.0);
        for (int i = 0; i < 10; i++) {
            dense.fit(DATA);
        }
        return dense;
    }

    @Test
    void convertsAComputationGraphKeepingTheLargestMagnitudesPerLayer() {
        ComputationGraph dense = trainedDenseGraph();
        INDArray before = dense.params().dup();
        ComputationGraph zero = MagnitudePruning.toSparse(dense, 0.0);
        assertEquals(0.0, TestData.maxAbsDiff(dense.outputSingle(DATA.getFeatures()), zero.outputSingle(DATA.getFeatures())), 1e-6);

        ComputationGraph sparse = MagnitudePruning.toSparse(dense, 0.7);
        assertEquals(before, dense.params(), "the dense graph is not changed");
        for (String name : new String[]{"h1", "h2"}) {
            assertInstanceOf(SparseLinear.class, sparse.getLayer(name).conf().getLayer());
            INDArray w = dense.getLayer(name).getParam("W");
            INDArray mask = Layers.mask(sparse.getLayer(name));
            assertEquals(Math.round(0.7 * w.length()), BinaryMasks.zeros(mask), name);
            INDArray absW = org.nd4j.linalg.ops.transforms.Transforms.abs(w, true);
            double maxPruned = absW.mul(mask.rsub(1.0)).maxNumber().doubleValue();
            double minKept = absW.add(mask.rsub(1.0).mul(1e9)).minNumber().doubleValue();
            assertTrue(maxPruned <= minKept, name + ": pruned up to " + maxPruned + ", kept from " + minKept);
            assertEquals(0.0, TestData.maxAbsDiff(Layers.weights(sparse.getLayer(name)), w.mul(mask)));
            assertEquals(0.0, TestData.maxAbsDiff(sparse.getLayer(name).getParam("b"), dense.getLayer(name).getParam("b")));
        }
        assertEquals(0.0, TestData.maxAbsDiff(sparse.getLayer("out").getParam("W"), dense.getLayer("out").getParam("W")));

        ComputationGraph global = MagnitudePruning.toSparse(dense, 0.7, PruneScope.GLOBAL);
        SparsityReport report = SparsityReport.of(global);
        assertEquals(Math.round(0.7 * report.connections()), report.connections() - report.activeConnections());

        for (int i = 0; i < 5; i++) {
            sparse.fit(DATA);
        }
        assertEquals(0, SparsityReport.of(sparse).leaks());
        assertEquals(0.7, SparsityReport.of(sparse).maskSparsity(), 0.01);
    }

    @Test
    void rejectsAGraphWithoutDenseLayers() {
        ComputationGraph sparseOnly = Nets.graph(new NeuralNetConfiguration.Builder().seed(1), true, 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.toSparse(sparseOnly, 0.5));
        assertEquals("MagnitudePruning: the graph has no DenseLayer, ConvolutionLayer or LSTM to convert", e.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> MagnitudePruning.toSparse(trainedDenseGraph(), Double.NaN));
        assertTrue(nan.getMessage().contains("sparsity must be in [0, 1), got NaN"), nan.getMessage());
    }

    @Test
    void convolutionLayersBecomeSparseConv2DKeepingTheLargestWeights() {
        MultiLayerNetwork dense = new MultiLayerNetwork(io.github.dl4jsparse.models.SparseLeNet5.uniform(
                io.github.dl4jsparse.models.SparseMlp.DENSE, 4, new Adam(1e-3)));
        dense.init();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, 0.8);
        for (String name : io.github.dl4jsparse.models.SparseLeNet5.LAYERS) {
            org.deeplearning4j.nn.api.Layer layer = sparse.getLayer(name);
            INDArray w = dense.getLayer(name).getParam("W");
            INDArray mask = Layers.mask(layer);
            assertEquals(java.util.Arrays.toString(w.shape()), java.util.Arrays.toString(mask.shape()), name);
            assertEquals(Math.round(0.8 * w.length()), w.length() - mask.sumNumber().longValue(), "exact count, " + name);
            // every kept weight is at least as large as every pruned one
            double keptMin = Double.MAX_VALUE;
            double prunedMax = 0;
            double[] abs = org.nd4j.linalg.ops.transforms.Transforms.abs(w).dup('c').data().asDouble();
            double[] m = mask.dup('c').data().asDouble();
            for (int i = 0; i < abs.length; i++) {
                if (m[i] == 1.0) {
                    keptMin = Math.min(keptMin, abs[i]);
                } else {
                    prunedMax = Math.max(prunedMax, abs[i]);
                }
            }
            assertTrue(keptMin >= prunedMax, name + ": kept " + keptMin + " < pruned " + prunedMax);
            assertEquals(0.0, TestData.maxAbsDiff(w.mul(mask), Layers.weights(layer)), name);
        }
        assertInstanceOf(io.github.dl4jsparse.layers.SparseConv2D.class, sparse.getLayer("conv1").conf().getLayer());
        assertInstanceOf(SparseLinear.class, sparse.getLayer("fc1").conf().getLayer());
        INDArray x = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 3, 784);
        MultiLayerNetwork same = MagnitudePruning.toSparse(dense, 0.0);
        assertTrue(TestData.maxAbsDiff(dense.output(x), same.output(x)) < 1e-6, "sparsity 0 computes the dense outputs");
    }

    @Test
    void batchNormalizationBecomesFusedWithItsParametersInBothNetworkKinds() {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in")
                .addLayer("conv", new org.deeplearning4j.nn.conf.layers.ConvolutionLayer.Builder(3, 3).nOut(4)
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "in")
                .addLayer("bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().eps(1e-4).build(),
                        "conv")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(6, 6, 2))
                .build();
        ComputationGraph dense = new ComputationGraph(conf);
        dense.init();
        DataSet data = io.github.dl4jsparse.testutil.Images.classification(8, 2, 6, 6,
                org.deeplearning4j.nn.conf.CNN2DFormat.NCHW, 3, 5, DataType.FLOAT);
        dense.fit(data); // running mean and variance away from their initial values
        ComputationGraph sparse = MagnitudePruning.toSparse(dense, 0.0);
        org.deeplearning4j.nn.api.Layer bn = sparse.getLayer("bn");
        assertInstanceOf(io.github.dl4jsparse.layers.FusedBatchNormalization.class, bn.conf().getLayer());
        assertEquals(1e-4, ((io.github.dl4jsparse.layers.FusedBatchNormalization) bn.conf().getLayer()).getEps());
        assertTrue(bn.getHelper() != null, "the fused path is in place");
        assertEquals(dense.getLayer("bn").getParam("mean"), bn.getParam("mean"));
        assertEquals(dense.getLayer("bn").getParam("var"), bn.getParam("var"));
        assertTrue(TestData.maxAbsDiff(dense.outputSingle(data.getFeatures()), sparse.outputSingle(data.getFeatures()))
                < 1e-6, "sparsity 0 with fused batch norm computes the dense outputs");

        MultiLayerNetwork denseMln = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(5).build())
                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(3).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(4)).build());
        denseMln.init();
        assertInstanceOf(io.github.dl4jsparse.layers.FusedBatchNormalization.class,
                MagnitudePruning.toSparse(denseMln, 0.5).getLayer(1).conf().getLayer());
    }

    @Test
    void aBudgetThatLeavesALayerNoConnectionIsRefusedNamingTheLayer() {
        MultiLayerNetwork dense = trainedDense();
        IllegalArgumentException layerwise = assertThrows(IllegalArgumentException.class,
                () -> MagnitudePruning.toSparse(dense, 0.999999));
        assertTrue(layerwise.getMessage().contains("no connection") && layerwise.getMessage().contains("layer '"),
                layerwise.getMessage());
        ComputationGraph graph = trainedDenseGraph();
        assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.toSparse(graph, 0.999999));
        // one global ranking: the output-side layer's weights all rank below the first's at a high sparsity
        IllegalArgumentException global = assertThrows(IllegalArgumentException.class,
                () -> MagnitudePruning.toSparse(dense, 0.999999, PruneScope.GLOBAL));
        assertTrue(global.getMessage().contains("layer-wise budget"), global.getMessage());
    }
}
