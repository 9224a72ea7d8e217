package io.github.dl4jsparse.distribution;

import io.github.dl4jsparse.distribution.SparsityDistribution.LayerShape;
import io.github.dl4jsparse.layers.FusedBatchNormalization;
import io.github.dl4jsparse.layers.SparseCounterparts;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Images;
import io.github.dl4jsparse.testutil.Layers;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.VGG16;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseTwinTest {

    /** A small residual network: a stem, one basic block with batch norm, a strided 1×1 projection, a dense head. */
    private static ComputationGraphConfiguration residualNet() {
        return new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2))
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.IDENTITY).build(),
                        "in")
                .addLayer("stem_bn", new BatchNormalization.Builder().build(), "stem")
                .addLayer("stem_relu", new ActivationLayer(Activation.RELU), "stem_bn")
                .addLayer("block_conv", new ConvolutionLayer.Builder(3, 3).nOut(8).activation(Activation.IDENTITY)
                        .build(), "stem_relu")
                .addLayer("block_bn", new BatchNormalization.Builder().build(), "block_conv")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "block_bn", "stem_relu")
                .addLayer("proj", new ConvolutionLayer.Builder(1, 1).stride(2, 2).nOut(16)
                        .activation(Activation.RELU).build(), "add")
                .addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), "proj")
                .addLayer("fc", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("out").setInputTypes(InputType.convolutional(8, 8, 2)).build();
    }

    @Test
    void aGraphsTwinHasTheDistributionsSparsitiesAndTrainsWithItsMasksFixed() {
        ComputationGraphConfiguration dense = residualNet();
        String denseJson = dense.toJson();
        SparsityDistribution erk = SparsityDistribution.erk(0.8).override("fc", 0.5).build();
        ComputationGraphConfiguration twin = SparseTwin.of(dense, erk);

        assertEquals(denseJson, dense.toJson(), "the dense configuration is not changed");
        assertInstanceOf(ConvolutionLayer.class, layer(dense, "stem"));
        List<LayerShape> shapes = List.of(new LayerShape("stem", 2, 8, new long[]{3, 3}),
                new LayerShape("block_conv", 8, 8, new long[]{3, 3}), new LayerShape("proj", 8, 16, new long[]{1, 1}),
                new LayerShape("fc", 16, 32));
        Map<String, Double> expected = erk.sparsities(shapes);
        for (String conv : List.of("stem", "block_conv", "proj")) {
            SparseConv2D s = assertInstanceOf(SparseConv2D.class, layer(twin, conv), conv);
            assertEquals(expected.get(conv), s.getSparsity(), 0.0, conv);
        }
        assertEquals(2, ((SparseConv2D) layer(twin, "proj")).getStride()[0], "geometry kept");
        assertEquals(ConvolutionMode.Same, ((SparseConv2D) layer(twin, "block_conv")).getConvolutionMode());
        assertEquals(0.5, assertInstanceOf(SparseLinear.class, layer(twin, "fc")).getSparsity(), 0.0, "override");
        assertInstanceOf(FusedBatchNormalization.class, layer(twin, "stem_bn"));
        assertInstanceOf(FusedBatchNormalization.class, layer(twin, "block_bn"));
        assertInstanceOf(OutputLayer.class, layer(twin, "out"), "output layers keep their dense weights");
        assertEquals(twin, ComputationGraphConfiguration.fromJson(twin.toJson()), "the twin is plain JSON");

        ComputationGraph net = new ComputationGraph(twin);
        net.init();
        SparsityReport report = SparsityReport.of(net);
        for (LayerSparsity l : report.layers()) {
            double configured = l.name().equals("fc") ? 0.5 : expected.get(l.name());
            assertEquals(Math.round(configured * l.connections()), l.maskZeros(), "exact count, " + l.name());
        }
        List<INDArray> masks = new ArrayList<>();
        Layers.sparseLayers(net).forEach(m -> masks.add(m.weightMask().dup()));
        DataSet data = Images.classification(16, 2, 8, 8, CNN2DFormat.NCHW, 3, 7, DataType.FLOAT);
        double before = net.score(data);
        for (int i = 0; i < 30; i++) {
            net.fit(data);
        }
        assertTrue(net.score(data) < before, "trains: " + before + " -> " + net.score(data));
        List<SparseLayer> after = Layers.sparseLayers(net);
        for (int k = 0; k < masks.size(); k++) {
            assertEquals(masks.get(k), after.get(k).weightMask(), "mask unchanged by training");
        }
        assertEquals(0, SparsityReport.of(net).leaks(), "masked weights stay exactly zero");
    }

    @Test
    void aMultiLayerTwinKeepsEverySettingOfTheDenseLayers() {
        MultiLayerConfiguration dense = new NeuralNetConfiguration.Builder().seed(2).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().name("hidden").nOut(40).activation(Activation.TANH).l2(1e-3)
                        .dropOut(0.8).updater(new Adam(3e-3)).build())
                .layer(new DenseLayer.Builder().nOut(30).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder().nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(20)).build();
        MultiLayerConfiguration twin = SparseTwin.of(dense, SparsityDistribution.uniform(0.75).build());

        SparseLinear hidden = assertInstanceOf(SparseLinear.class, twin.getConf(0).getLayer());
        assertEquals("hidden", hidden.getLayerName());
        assertEquals(20, hidden.getNIn());
        assertEquals(40, hidden.getNOut());
        assertEquals(0.75, hidden.getSparsity(), 0.0);
        assertEquals(Activation.TANH.getActivationFunction(), hidden.getActivationFn());
        assertEquals(new Adam(3e-3), hidden.getUpdater());
        assertEquals(((DenseLayer) dense.getConf(0).getLayer()).getRegularization(), hidden.getRegularization());
        assertEquals(((DenseLayer) dense.getConf(0).getLayer()).getIDropout(), hidden.getIDropout());
        SparseLinear second = assertInstanceOf(SparseLinear.class, twin.getConf(1).getLayer());
        assertEquals(0.75, second.getSparsity(), 0.0);
        assertEquals(twin, MultiLayerConfiguration.fromJson(twin.toJson()));

        MultiLayerNetwork net = new MultiLayerNetwork(twin);
        net.init();
        INDArray out = net.output(Nd4j.rand(DataType.FLOAT, 5, 20));
        assertEquals(5, out.size(0));
        assertEquals(Math.round(0.25 * 20 * 40) + Math.round(0.25 * 40 * 30),
                SparsityReport.of(net).activeConnections());
    }

    @Test
    void anLstmInsideLastTimeStepBecomesASparseLstmWithItsTwoMatricesNamed() {
        MultiLayerConfiguration dense = new NeuralNetConfiguration.Builder().seed(4).list()
                .layer(new LastTimeStep(new LSTM.Builder().name("lstm").nOut(12).forgetGateBiasInit(2.0).build()))
                .layer(new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(6)).build();
        MultiLayerConfiguration twin = SparseTwin.of(dense,
                SparsityDistribution.uniform(0.6).override("lstm/RW", 0.3).build());
        SparseLSTM lstm = assertInstanceOf(SparseLSTM.class, ((LastTimeStep) twin.getConf(0).getLayer())
                .getUnderlying());
        assertEquals(2.0, lstm.getForgetGateBiasInit(), 0.0);
        assertEquals(0.6, lstm.inputMatrix().getSparsity(), 0.0);
        assertEquals(0.3, lstm.recurrentMatrix().getSparsity(), 0.0);
        MultiLayerNetwork net = new MultiLayerNetwork(twin);
        net.init();
        assertEquals(2, net.output(Nd4j.rand(DataType.FLOAT, 2, 6, 5)).rank());
    }

    @Test
    void refusesWhatItCannotConvertNamingTheLayerAndTheFix() {
        MultiLayerConfiguration noInputType = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().name("first").nOut(10).build())
                .layer(new OutputLayer.Builder().nIn(10).nOut(2).build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparseTwin.of(noInputType, SparsityDistribution.uniform(0.9).build()));
        assertTrue(e.getMessage().contains("first") && e.getMessage().contains("setInputType"), e.getMessage());

        MultiLayerConfiguration onlyOutput = new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder().nIn(10).nOut(2).build()).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> SparseTwin.of(onlyOutput, SparsityDistribution.uniform(0.9).build()));
        assertTrue(e.getMessage().contains("no DenseLayer, ConvolutionLayer or LSTM"), e.getMessage());

        ComputationGraphConfiguration graph = residualNet();
        e = assertThrows(IllegalArgumentException.class,
                () -> SparseTwin.of(graph, SparsityDistribution.uniform(0.9).override("fc2", 0.5).build()));
        assertTrue(e.getMessage().contains("fc2"), e.getMessage());
        assertInstanceOf(DenseLayer.class, layer(graph, "fc"), "nothing changed");

        MultiLayerConfiguration rnnOut = new NeuralNetConfiguration.Builder().list()
                .layer(new RnnOutputLayer.Builder().nIn(3).nOut(2).build()).build();
        assertThrows(IllegalArgumentException.class,
                () -> SparseTwin.of(rnnOut, SparsityDistribution.uniform(0.9).build()));
    }

    /** DL4J's zoo TextGenerationLSTM is built of GravesLSTM layers: the refusal names them and the fix. */
    @Test
    void layersWithWeightsButNoCounterpartAreNamedWithTheFix() {
        MultiLayerConfiguration graves = org.deeplearning4j.zoo.model.TextGenerationLSTM.builder()
                .inputShape(new int[]{40, 47}).build().conf();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparseTwin.of(graves, SparsityDistribution.uniform(0.9).build()));
        assertTrue(e.getMessage().contains("0 (GravesLSTM: no sparse counterpart; DL4J deprecates GravesLSTM")
                && e.getMessage().contains("use LSTM"), e.getMessage());

        assertNull(SparseCounterparts.keptDense(new DenseLayer.Builder().nIn(3).nOut(2).build()), "converted");
        assertNull(SparseCounterparts.keptDense(new OutputLayer.Builder().nIn(3).nOut(2).build()), "by design");
        assertNull(SparseCounterparts.keptDense(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder()
                .nIn(3).nOut(3).build()), "no weight matrix");
        assertTrue(SparseCounterparts.keptDense(new org.deeplearning4j.nn.conf.layers.EmbeddingLayer.Builder()
                .nIn(30).nOut(4).build()).startsWith("EmbeddingLayer: no sparse counterpart; only DenseLayer"));
    }

    /**
     * DL4J's own zoo models: the twin builds without the dense weights (its parameters a fraction of the dense model's)
     * and runs a training step.
     */
    @Test
    void zooResNet50AndVgg16TwinsBuildFromTheirConfigurationsAndTrain() {
        ComputationGraphConfiguration resnet = ResNet50.builder().numClasses(4).seed(1).inputShape(new int[]{3, 96, 96})
                .updater(new Adam(1e-3)).build().graphBuilder().build();
        ComputationGraphConfiguration vgg = VGG16.builder().numClasses(4).seed(1).inputShape(new int[]{3, 32, 32})
                .updater(new Adam(1e-3)).build().conf();
        long[] convertible = {53, 15}; // ResNet-50's 53 convolutions; VGG16's 13 and 2 dense layers
        int[] size = {96, 32}; // ResNet-50's final 3×3 average pooling needs a 3×3 map: 96 / 32
        for (int m = 0; m < 2; m++) {
            ComputationGraphConfiguration dense = m == 0 ? resnet : vgg;
            ComputationGraph net = new ComputationGraph(SparseTwin.of(dense, SparsityDistribution.uniform(0.9).build()));
            net.init();
            SparsityReport report = SparsityReport.of(net);
            assertEquals(convertible[m], report.layers().size());
            assertEquals(0.9, report.maskSparsity(), 1e-4);
            long denseCount = 0;
            for (LayerSparsity l : report.layers()) {
                denseCount += l.connections();
            }
            assertTrue(net.numParams() < 0.3 * denseCount, net.numParams() + " parameters for " + denseCount
                    + " dense weights");
            DataSet batch = Images.classification(2, 3, size[m], size[m], CNN2DFormat.NCHW, 4, 3, DataType.FLOAT);
            net.fit(batch);
            assertTrue(Double.isFinite(net.score()));
            assertEquals(0, SparsityReport.of(net).leaks());
        }
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layer(ComputationGraphConfiguration conf, String name) {
        return ((org.deeplearning4j.nn.conf.graph.LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }
}
