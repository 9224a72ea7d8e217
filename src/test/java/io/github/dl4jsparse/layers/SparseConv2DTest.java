package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseConv2DLayer;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Images;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.weightnoise.DropConnect;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SparseConv2D}: exact masks, training invariants, configuration round trips, serialisation, bad input. */
class SparseConv2DTest {

    @TempDir
    Path dir;

    private static MultiLayerConfiguration lenetLike(WeightStorage storage, CNN2DFormat format) {
        return new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)).list()
                .layer(new SparseConv2D.Builder(3, 3).name("conv1").nOut(6).sparsity(0.8).storage(storage)
                        .dataFormat(format).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).dataFormat(format).build())
                .layer(new SparseConv2D.Builder(3, 3).name("conv2").nOut(8).sparsity(0.9).storage(storage)
                        .dataFormat(format).convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().name("fc").nOut(16).sparsity(0.9).storage(storage).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(12, 12, 2, format))
                .build();
    }

    private static DataSet data(CNN2DFormat format) {
        return Images.classification(16, 2, 12, 12, format, 4, 11, DataType.FLOAT);
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void masksHaveExactCountsAndTrainingKeepsThem(WeightStorage storage) {
        MultiLayerNetwork net = new MultiLayerNetwork(lenetLike(storage, CNN2DFormat.NCHW));
        net.init();
        SparseConv2DLayer conv1 = (SparseConv2DLayer) net.getLayer(0);
        assertEquals(6 * 2 * 9, conv1.sparseConfig().connections());
        assertEquals(storage, conv1.sparseConfig().resolvedStorage());
        INDArray maskBefore = conv1.weightMask();
        assertEquals(Math.round(0.8 * 108), 108 - maskBefore.sumNumber().longValue(), "zeros of the first mask");
        double lossBefore = net.score(data(CNN2DFormat.NCHW));
        for (int i = 0; i < 30; i++) {
            net.fit(data(CNN2DFormat.NCHW));
        }
        assertTrue(net.score(data(CNN2DFormat.NCHW)) < lossBefore, "loss falls");
        assertEquals(maskBefore, conv1.weightMask(), "mask unchanged by training");
        INDArray w = conv1.maskedWeights();
        assertEquals(0.0, w.mul(maskBefore.rsub(1.0)).amaxNumber().doubleValue(), 0.0, "masked weights exactly 0");
        SparsityReport report = SparsityReport.of(net);
        assertEquals(3, report.layers().size());
        LayerSparsity c2 = report.layers().get(1);
        assertEquals("conv2", c2.name());
        assertEquals(6 * 9, c2.nIn(), "inputs per output channel");
        assertEquals(8, c2.nOut());
        assertEquals(Math.round(0.9 * 6 * 8 * 9), c2.maskZeros());
        assertEquals(0, report.leaks());
        if (storage == WeightStorage.ACTIVE) {
            long active = 108 - Math.round(0.8 * 108);
            assertEquals(active, conv1.getParam(SparseLayerConfig.ACTIVE_WEIGHT_KEY).length(), "only active weights stored");
            assertTrue(net.getUpdater().getStateViewArray().length() < 2 * net.numParams(), "updater state shrinks too");
        }
    }

    @Test
    void bothStoragesComputeTheSameFromOneSeed() {
        MultiLayerNetwork dense = new MultiLayerNetwork(lenetLike(WeightStorage.DENSE, CNN2DFormat.NHWC));
        dense.init();
        MultiLayerNetwork active = new MultiLayerNetwork(lenetLike(WeightStorage.ACTIVE, CNN2DFormat.NHWC));
        active.init();
        INDArray x = data(CNN2DFormat.NHWC).getFeatures();
        assertEquals(((SparseConv2DLayer) dense.getLayer(2)).maskedWeights(), ((SparseConv2DLayer) active.getLayer(2)).maskedWeights());
        double diff = dense.output(x).sub(active.output(x)).amaxNumber().doubleValue();
        assertTrue(diff < 1e-6, "outputs differ by " + diff);
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void modelSerializerAndCloneRestoreExactly(WeightStorage storage) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(lenetLike(storage, CNN2DFormat.NCHW));
        net.init();
        for (int i = 0; i < 3; i++) {
            net.fit(data(CNN2DFormat.NCHW));
        }
        File file = dir.resolve("conv.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(((SparseConv2DLayer) net.getLayer(0)).weightMask(), ((SparseConv2DLayer) restored.getLayer(0)).weightMask());
        INDArray x = data(CNN2DFormat.NCHW).getFeatures();
        assertEquals(net.output(x), restored.output(x));
        net.fit(data(CNN2DFormat.NCHW));
        restored.fit(data(CNN2DFormat.NCHW));
        assertEquals(net.params(), restored.params(), "training continues exactly");
        MultiLayerNetwork clone = net.clone();
        assertEquals(net.output(x), clone.output(x));
    }

    @Test
    void configurationRoundTripsThroughJsonAndYaml() {
        MultiLayerConfiguration conf = lenetLike(WeightStorage.ACTIVE, CNN2DFormat.NHWC);
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(conf.toJson());
        MultiLayerConfiguration fromYaml = MultiLayerConfiguration.fromYaml(conf.toYaml());
        assertEquals(conf, fromJson);
        assertEquals(conf, fromYaml);
        SparseConv2D c = (SparseConv2D) fromJson.getConf(2).getLayer();
        assertEquals(0.9, c.getSparsity());
        assertEquals(WeightStorage.ACTIVE, c.getStorage());
        assertEquals(CNN2DFormat.NHWC, c.getCnn2dDataFormat());
        assertEquals(ConvolutionMode.Same, c.getConvolutionMode());
        SparseConv2D other = c.clone();
        assertEquals(c, other);
        other.setSparsity(0.5);
        assertNotEquals(c, other);
        assertEquals(0.9, c.getSparsity(), "clone is independent");
    }

    @Test
    void computationGraphTrainsAndReports() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("c", new SparseConv2D.Builder(3, 3).nOut(4).sparsity(0.75).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out").setInputTypes(InputType.convolutionalFlat(12, 12, 2)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        DataSet d = data(CNN2DFormat.NCHW);
        DataSet flat = new DataSet(d.getFeatures().reshape(16, 2 * 12 * 12), d.getLabels());
        double before = graph.score(flat);
        for (int i = 0; i < 20; i++) {
            graph.fit(flat);
        }
        assertTrue(graph.score(flat) < before);
        SparsityReport report = SparsityReport.of(graph);
        assertEquals(Math.round(0.75 * 4 * 18), report.layers().get(0).maskZeros());
    }

    @Test
    void badInputIsRefusedWithTheLayerParameterAndValue() {
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(4).sparsity(1.5).build(), "SparseConv2D layer 'c'", "sparsity", "1.5");
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(4).sparsity(Double.NaN).build(), "sparsity", "NaN");
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(4).build(), "sparsity", "NaN");
        assertMessage(() -> new SparseConv2D.Builder(0, 3).name("c").nOut(4).sparsity(0.5).build(), "'c'", "kernelSize", "[0, 3]");
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(4).sparsity(0.5).stride(-1, 1).build(), "stride", "[-1, 1]");
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(4).sparsity(0.5).dilation(0, 1).build(), "dilation", "[0, 1]");
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(0).sparsity(0.5).build(), "nOut", "0");
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class, () -> new NeuralNetConfiguration.Builder().list()
                .layer(new SparseConv2D.Builder(9, 3).name("big").nOut(4).sparsity(0.5).padding(1, 1).build())
                .setInputType(InputType.convolutional(6, 6, 1)).build());
        assertTrue(tooLarge.getMessage().contains("SparseConv2D layer 'big'") && tooLarge.getMessage().contains("kernel size 9")
                && tooLarge.getMessage().contains("6 + 2·1"), tooLarge.getMessage());
        IllegalArgumentException noise = assertThrows(IllegalArgumentException.class, () -> {
            MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                    .layer(new SparseConv2D.Builder(3, 3).name("n").nOut(4).sparsity(0.5).weightNoise(new DropConnect(0.5)).build())
                    .layer(new OutputLayer.Builder().nOut(2).build())
                    .setInputType(InputType.convolutional(6, 6, 1)).build());
            n.init();
        });
        assertTrue(noise.getMessage().contains("weight noise"), noise.getMessage());
        assertMessage(() -> new SparseConv2D.Builder(3, 3).name("c").nOut(4).sparsity(95).build(),
                "'c'", "a fraction, not a percent (for 95% use 0.95)");
        IllegalStateException noInputType = assertThrows(IllegalStateException.class, () -> new MultiLayerNetwork(
                new NeuralNetConfiguration.Builder().list()
                        .layer(new SparseConv2D.Builder(3, 3).name("noInput").nOut(4).sparsity(0.5).build())
                        .layer(new OutputLayer.Builder().nIn(4).nOut(2).build()).build()).init());
        assertTrue(noInputType.getMessage().contains("'noInput'") && noInputType.getMessage().contains("nIn=0")
                && noInputType.getMessage().contains("setInputType(InputType.convolutionalFlat("), noInputType.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void restoringCorruptConnectionsFailsClearly(WeightStorage storage) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(lenetLike(storage, CNN2DFormat.NCHW));
        net.init();
        String key = storage == WeightStorage.ACTIVE ? SparseLayerConfig.ACTIVE_INDEX_KEY : SparseLayerConfig.WEIGHT_MASK_KEY;
        INDArray structure = net.getLayer(0).getParam(key);
        structure.putScalar(1, storage == WeightStorage.ACTIVE ? 3.5 : 0.5);
        File file = dir.resolve("corrupt.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ModelSerializer.restoreMultiLayerNetwork(file));
        assertTrue(e.getMessage().contains("conv1") && e.getMessage().contains(key), e.getMessage());
        Nd4j.getRandom().setSeed(1);
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().contains(p), "'" + p + "' missing from: " + ex.getMessage());
        }
    }
}
