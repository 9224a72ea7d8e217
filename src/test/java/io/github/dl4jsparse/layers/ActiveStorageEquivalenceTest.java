package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link WeightStorage#ACTIVE} against {@link WeightStorage#DENSE} (itself tested against DenseLayer and the SameDiff
 * definition) in float networks, where the active storage takes each of its product routes (forced with
 * {@link ProductRoute}): dense products on a scattered working copy and sparse kernels. Same seed, so both storages start from the same {@code W ⊙ M}. Tolerances are for float32 sums in a
 * different order: 1e-5 on outputs and gradients, 2e-4 on weights after 25 Adam steps.
 */
class ActiveStorageEquivalenceTest {

    private static final int N_IN = 120;

    private static MultiLayerNetwork mlp(WeightStorage storage, double sparsity) {
        return mlp(storage, sparsity, DataType.FLOAT);
    }

    private static MultiLayerNetwork mlp(WeightStorage storage, double sparsity, DataType dataType) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(17).updater(new Adam(1e-2))
                .dataType(dataType).list()
                .layer(new SparseLinear.Builder().nOut(100).sparsity(sparsity).activation(Activation.RELU).storage(storage).build())
                .layer(new SparseLinear.Builder().nOut(80).sparsity(sparsity).activation(Activation.TANH).storage(storage).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(N_IN))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(ProductRoute.AUTO);
    }

    @ParameterizedTest(name = "sparsity {0}, route {1}")
    @CsvSource({"0.5, DENSE", "0.5, KERNELS", "0.9, DENSE", "0.9, KERNELS", "0.99, DENSE", "0.99, KERNELS", "0.985, AUTO"})
    void activeStorageComputesWhatDenseStorageComputes(double sparsity, ProductRoute route) {
        ProductRoute.setDefault(route);
        boolean sparseKernels = route != ProductRoute.DENSE;
        MultiLayerNetwork dense = mlp(WeightStorage.DENSE, sparsity);
        MultiLayerNetwork active = mlp(WeightStorage.ACTIVE, sparsity);
        for (int i = 0; i < 2; i++) {
            assertEquals(sparseKernels, ((SparseLinearLayer) active.getLayer(i)).usesSparseKernels(32, true), "route of layer " + i);
            assertEquals(Layers.mask(dense.getLayer(i)), Layers.mask(active.getLayer(i)), "same mask from the same seed");
            assertEquals(Layers.weights(dense.getLayer(i)), Layers.weights(active.getLayer(i)));
        }
        DataSet data = TestData.classification(32, N_IN, 5, 3, DataType.FLOAT);
        double outputDiff = TestData.maxAbsDiff(dense.output(data.getFeatures()), active.output(data.getFeatures()));
        assertEquals(0.0, outputDiff, 1e-5, "inference");
        double gradientDiff = 0;

        for (MultiLayerNetwork net : new MultiLayerNetwork[]{dense, active}) {
            net.setInput(data.getFeatures());
            net.setLabels(data.getLabels());
            net.computeGradientAndScore();
        }
        assertEquals(dense.score(), active.score(), 1e-5, "score");
        for (int i = 0; i < 2; i++) {
            INDArray denseGrad = dense.gradient().getGradientFor(i + "_" + SparseLinear.WEIGHT_KEY);
            INDArray activeGrad = active.gradient().getGradientFor(i + "_" + SparseLinear.ACTIVE_WEIGHT_KEY);
            INDArray index = active.getLayer(i).getParam(SparseLinear.ACTIVE_INDEX_KEY);
            double worst = 0;
            for (int k = 0; k < activeGrad.length(); k++) {
                long position = index.getLong(0, k); // i + j·nIn
                long nIn = denseGrad.size(0);
                double expected = denseGrad.getDouble(position % nIn, position / nIn);
                worst = Math.max(worst, Math.abs(expected - activeGrad.getDouble(k)));
            }
            assertEquals(0.0, worst, 1e-5, "dL/dW at the active connections, layer " + i);
            gradientDiff = Math.max(gradientDiff, worst);
            assertEquals(0.0, TestData.maxAbsDiff(dense.gradient().getGradientFor(i + "_b"),
                    active.gradient().getGradientFor(i + "_b")), 1e-5, "dL/db, layer " + i);
        }
        assertEquals(0.0, TestData.maxAbsDiff(dense.gradient().getGradientFor("2_W"), active.gradient().getGradientFor("2_W")),
                1e-5, "dL/dW of the output layer, through dL/dx of the sparse layers");

        for (int step = 0; step < 25; step++) {
            dense.fit(data);
            active.fit(data);
        }
        double weightDiff = 0;
        for (int i = 0; i < 2; i++) {
            assertEquals(Layers.mask(dense.getLayer(i)), Layers.mask(active.getLayer(i)), "mask of layer " + i);
            double moved = TestData.maxAbsDiff(Layers.weights(dense.getLayer(i)), Layers.weights(active.getLayer(i)));
            assertEquals(0.0, moved, 2e-4, "weights of layer " + i + " after 25 Adam steps");
            weightDiff = Math.max(weightDiff, moved);
        }
        System.out.printf("Active vs dense storage at sparsity %s (sparse kernels %s): max |Δ| output %.2g, dL/dW %.2g, "
                + "weights after 25 Adam steps %.2g%n", sparsity, sparseKernels, outputDiff, gradientDiff, weightDiff);
        assertEquals(SparsityReport.of(dense).layers(), SparsityReport.of(active).layers(), "same report");
        assertEquals(SparsityReport.of(dense).trainableParameters(), SparsityReport.of(active).trainableParameters());
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.9, 0.99})
    void computationGraphWithActiveStorageComputesWhatDenseStorageComputes(double sparsity) {
        ComputationGraph dense = graph(WeightStorage.DENSE, sparsity);
        ComputationGraph active = graph(WeightStorage.ACTIVE, sparsity);
        DataSet data = TestData.classification(16, N_IN, 5, 4, DataType.FLOAT);
        for (int step = 0; step < 10; step++) {
            dense.fit(data);
            active.fit(data);
        }
        assertEquals(0.0, TestData.maxAbsDiff(dense.outputSingle(data.getFeatures()), active.outputSingle(data.getFeatures())),
                1e-4);
        assertEquals(0, SparsityReport.of(active).leaks());
    }

    /**
     * The float sparse kernels' gradients against the double-precision gradient of the same network in dense
     * storage, same weights: agreement to float rounding, relative to the largest gradient entry.
     */
    @org.junit.jupiter.api.Test
    void sparseKernelGradientsMatchTheDoublePrecisionGradient() {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        MultiLayerNetwork kernels = mlp(WeightStorage.ACTIVE, 0.99);
        MultiLayerNetwork reference = mlp(WeightStorage.DENSE, 0.99, DataType.DOUBLE);
        for (int i = 0; i < 3; i++) {
            if (i < 2) {
                assertTrue(((SparseLinearLayer) kernels.getLayer(i)).usesSparseKernels(32, true));
                ((SparseLinearLayer) reference.getLayer(i)).setMaskedWeights(Layers.weights(kernels.getLayer(i)),
                        Layers.mask(kernels.getLayer(i)));
                reference.getLayer(i).getParam("b").assign(kernels.getLayer(i).getParam("b"));
            } else {
                TestData.copyParams(kernels.getLayer(i), reference.getLayer(i));
            }
        }
        DataSet data = TestData.classification(32, N_IN, 5, 8, DataType.FLOAT);
        kernels.setInput(data.getFeatures());
        kernels.setLabels(data.getLabels());
        kernels.computeGradientAndScore();
        reference.setInput(data.getFeatures().castTo(DataType.DOUBLE));
        reference.setLabels(data.getLabels().castTo(DataType.DOUBLE));
        reference.computeGradientAndScore();
        assertEquals(reference.score(), kernels.score(), 1e-6);
        for (int i = 0; i < 2; i++) {
            INDArray expected = reference.gradient().getGradientFor(i + "_" + SparseLinear.WEIGHT_KEY);
            INDArray actual = kernels.gradient().getGradientFor(i + "_" + SparseLinear.ACTIVE_WEIGHT_KEY);
            INDArray index = kernels.getLayer(i).getParam(SparseLinear.ACTIVE_INDEX_KEY);
            double scale = expected.amaxNumber().doubleValue();
            double worst = 0;
            for (int k = 0; k < actual.length(); k++) {
                long position = index.getLong(0, k);
                double e = expected.getDouble(position % expected.size(0), position / expected.size(0));
                worst = Math.max(worst, Math.abs(e - actual.getDouble(k)));
            }
            System.out.printf("Sparse kernels (float) vs double-precision gradient, layer %d: max |Δ| %.2g of max |g| %.2g%n",
                    i, worst, scale);
            assertTrue(scale > 0);
            assertEquals(0.0, worst / scale, 1e-5, "relative error of dL/dW, layer " + i);
        }
    }

    /**
     * Positions are compared with the cached index structure's on every pass: parameters copied in from another
     * network (different masks) through {@code setParams}, which DL4J does not report to the layers, are used at once,
     * on both routes.
     */
    @ParameterizedTest
    @CsvSource({"0.9, DENSE", "0.9, KERNELS", "0.99, AUTO"})
    void parametersSetFromOutsideAreUsedAtOnce(double sparsity, ProductRoute route) {
        ProductRoute.setDefault(route);
        MultiLayerNetwork a = mlp(WeightStorage.ACTIVE, sparsity);
        MultiLayerConfiguration otherSeed = mlp(WeightStorage.ACTIVE, sparsity).getLayerWiseConfigurations().clone();
        otherSeed.getConf(0).setSeed(99);
        otherSeed.getConf(1).setSeed(99);
        MultiLayerNetwork b = new MultiLayerNetwork(otherSeed);
        b.init();
        assertTrue(!Layers.mask(a.getLayer(0)).equals(Layers.mask(b.getLayer(0))), "different masks to begin with");
        DataSet data = TestData.classification(8, N_IN, 5, 6, DataType.FLOAT);
        a.fit(data); // a training pass, and an inference pass, before the parameters change under the layer
        a.output(data.getFeatures());
        a.setParams(b.params());
        assertEquals(b.output(data.getFeatures()), a.output(data.getFeatures()));
        assertEquals(Layers.mask(b.getLayer(1)), Layers.mask(a.getLayer(1)));
    }

    /** Without DL4J workspaces (arrays detached) the active storage computes what it computes with them. */
    @ParameterizedTest
    @ValueSource(doubles = {0.9, 0.99})
    void trainsTheSameWithoutWorkspaces(double sparsity) {
        MultiLayerNetwork with = mlp(WeightStorage.ACTIVE, sparsity);
        MultiLayerConfiguration conf = with.getLayerWiseConfigurations().clone();
        conf.setTrainingWorkspaceMode(org.deeplearning4j.nn.conf.WorkspaceMode.NONE);
        conf.setInferenceWorkspaceMode(org.deeplearning4j.nn.conf.WorkspaceMode.NONE);
        MultiLayerNetwork without = new MultiLayerNetwork(conf);
        without.init();
        DataSet data = TestData.classification(16, N_IN, 5, 7, DataType.FLOAT);
        for (int step = 0; step < 5; step++) {
            with.fit(data);
            without.fit(data);
        }
        assertEquals(with.params(), without.params());
        assertEquals(with.output(data.getFeatures()), without.output(data.getFeatures()));
    }

    /** Positions beyond 2^24 (exact float integers) take a second index row; still the dense storage's mask. */
    @org.junit.jupiter.api.Test
    void layersOfMoreThan2To24ConnectionsUseATwoRowIndex() {
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2];
        WeightStorage[] storages = {WeightStorage.DENSE, WeightStorage.ACTIVE};
        for (int s = 0; s < 2; s++) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).list()
                    .layer(new SparseLinear.Builder().nOut(4200).sparsity(0.9999).activation(Activation.RELU)
                            .storage(storages[s]).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.feedForward(4100))
                    .build();
            nets[s] = new MultiLayerNetwork(conf);
            nets[s].init();
        }
        INDArray index = nets[1].getLayer(0).getParam(SparseLinear.ACTIVE_INDEX_KEY);
        assertEquals(2, index.size(0));
        assertEquals(1722, index.size(1)); // 4100·4200 = 17,220,000 > 2^24 connections, 0.01% active
        assertTrue(index.getRow(1).maxNumber().doubleValue() > 0, "some positions are above 2^24");
        assertEquals(Layers.mask(nets[0].getLayer(0)), Layers.mask(nets[1].getLayer(0)));
        INDArray x = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 4, 4100);
        assertEquals(0.0, TestData.maxAbsDiff(nets[0].output(x), nets[1].output(x)), 1e-5);
    }

    /** Positions in [2^23, 2^24) are exact float integers but not exact after adding 0.5f: decoded exactly. */
    @org.junit.jupiter.api.Test
    void largeSingleRowPositionsDecodeExactly() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new SparseLinear.Builder().nIn(3000).nOut(3000).sparsity(0.9999).maskSeed(77)
                        .storage(WeightStorage.ACTIVE).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(3000).nOut(3).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertEquals(1, net.getLayer(0).getParam(SparseLinear.ACTIVE_INDEX_KEY).size(0));
        INDArray expected = io.github.dl4jsparse.mask.RandomMasks.fill(
                org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, new long[]{3000, 3000}, 'f'), 0.9999, 77);
        assertEquals(expected, Layers.mask(net.getLayer(0)), "the mask of maskSeed 77, read back from the positions");
    }

    private static ComputationGraph graph(WeightStorage storage, double sparsity) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).updater(new Adam(1e-2)).graphBuilder()
                .addInputs("in")
                .addLayer("a", new SparseLinear.Builder().nOut(100).sparsity(sparsity).activation(Activation.RELU).storage(storage).build(), "in")
                .addLayer("b", new SparseLinear.Builder().nOut(90).sparsity(sparsity).activation(Activation.RELU).storage(storage).build(), "in")
                .addLayer("c", new SparseLinear.Builder().nOut(40).sparsity(sparsity).activation(Activation.TANH).storage(storage).build(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(N_IN))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        assertTrue(graph.getLayer("a") instanceof SparseLinearLayer);
        return graph;
    }
}
