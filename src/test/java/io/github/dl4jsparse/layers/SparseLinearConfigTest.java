package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitUniform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseLinearConfigTest {

    private static SparseLinear.Builder valid() {
        return new SparseLinear.Builder().name("fc1").nIn(4).nOut(3).sparsity(0.5);
    }

    private static MultiLayerConfiguration richConfig() {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-3)).list()
                .layer(new SparseLinear.Builder().name("fc1").nOut(20).sparsity(0.8).activation(Activation.RELU)
                        .maskSeed(99).l1(1e-4).l2(1e-3).dropOut(0.8).biasUpdater(new Sgd(0.1)).biasInit(0.1)
                        .weightInit(WeightInit.RELU).build())
                .layer(new SparseLinear.Builder().name("fc2").nOut(10).sparsity(0.25).hasBias(false)
                        .storage(WeightStorage.ACTIVE).weightInit(new WeightInitUniform()).weightDecay(1e-2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(12))
                .build();
    }

    @Test
    void jsonRoundTripGivesEqualConfig() {
        MultiLayerConfiguration conf = richConfig();
        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restored);
        SparseLinear fc1 = (SparseLinear) restored.getConf(0).getLayer();
        assertEquals(12, fc1.getNIn());
        assertEquals(0.8, fc1.getSparsity());
        assertEquals(99L, fc1.getMaskSeed());
        assertEquals(0.1, fc1.getBiasInit());
        assertEquals(new ActivationReLU(), fc1.getActivationFn());
        assertTrue(((SparseLinear) restored.getConf(1).getLayer()).getParamWeightInit()
                .get(SparseLinear.WEIGHT_KEY) instanceof WeightInitUniform);
        assertEquals(conf.getConf(0).getLayer().hashCode(), fc1.hashCode());
        assertEquals(WeightStorage.AUTO, fc1.getStorage());
        assertEquals(WeightStorage.ACTIVE, ((SparseLinear) restored.getConf(1).getLayer()).getStorage());
    }

    @Test
    void autoStorageIsActiveFromHalfSparseUpAndDenseBelow() {
        assertEquals(WeightStorage.DENSE, valid().sparsity(0.49).build().resolvedStorage());
        assertEquals(WeightStorage.ACTIVE, valid().sparsity(SparseLinear.ACTIVE_STORAGE_MIN_SPARSITY).build().resolvedStorage());
        assertEquals(WeightStorage.DENSE, valid().sparsity(0.9).storage(WeightStorage.DENSE).build().resolvedStorage());
        assertEquals(WeightStorage.ACTIVE, valid().sparsity(0.0).storage(WeightStorage.ACTIVE).build().resolvedStorage());
        // 4x3 at 0.99 leaves no connection: AUTO stays dense
        assertEquals(0, valid().sparsity(0.99).build().activeConnections());
        assertEquals(WeightStorage.DENSE, valid().sparsity(0.99).build().resolvedStorage());
        assertEquals(6, valid().sparsity(0.5).build().activeConnections());
    }

    @Test
    void aSparsitySetOutsideTheBuilderFailsNamingTheLayer() {
        SparseLinear layer = valid().build();
        layer.setSparsity(Double.NaN);
        assertEquals(WeightStorage.DENSE, layer.resolvedStorage(), "resolving never throws");
        layer.setStorage(WeightStorage.ACTIVE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, layer::activeConnections);
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(WeightStorage.class)
    void aSparsityThatRoundsToNoConnectionFailsAtInitNamingTheLayerAndTheLimit(WeightStorage storage) {
        // 4 x 3 = 12 connections: 0.99 · 12 rounds to 12, no connection left, in any storage
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(valid().sparsity(0.99).storage(storage).build())
                .layer(Nets.output()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("0.99") && e.getMessage().contains("12")
                && e.getMessage().contains("no active connection") && e.getMessage().contains("0.958"), e.getMessage());
        assertEquals(1, valid().sparsity(0.95).storage(storage).build().activeConnections(), "below the limit");
    }

    @Test
    void activeStorageInAHalfPrecisionNetworkFailsAtInit() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(org.nd4j.linalg.api.buffer.DataType.HALF).list()
                .layer(valid().sparsity(0.9).storage(WeightStorage.ACTIVE).build())
                .layer(Nets.output()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("HALF"), e.getMessage());
    }

    @Test
    void identityWeightInitFailsAtInitNamingTheLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(valid().sparsity(0.5).weightInit(org.deeplearning4j.nn.weights.WeightInit.IDENTITY.getWeightInitFunction()).build())
                .layer(Nets.output()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiLayerNetwork(conf).init());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("IDENTITY"), e.getMessage());
    }

    @Test
    void yamlRoundTripGivesEqualConfig() {
        MultiLayerConfiguration conf = richConfig();
        assertEquals(conf, MultiLayerConfiguration.fromYaml(conf.toYaml()));
    }

    @Test
    void computationGraphConfigRoundTrips() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("h", new SparseLinear.Builder().nOut(6).sparsity(0.9).build(), "in")
                .addLayer("out", Nets.output(), "h")
                .setOutputs("out").setInputTypes(InputType.feedForward(5)).build();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertEquals(conf, ComputationGraphConfiguration.fromYaml(conf.toYaml()));
        assertEquals(5, ((SparseLinear) ((org.deeplearning4j.nn.conf.graph.LayerVertex) conf.getVertices().get("h"))
                .getLayerConf().getLayer()).getNIn());
    }

    @Test
    void configsThatDifferOnlyInOurFieldsAreNotEqual() {
        assertNotEquals(valid().build(), valid().sparsity(0.6).build());
        assertNotEquals(valid().build(), valid().maskSeed(1).build());
        assertNotEquals(valid().build(), valid().hasBias(false).build());
        assertNotEquals(valid().build(), valid().nOut(5).build());
        assertNotEquals(valid().build(), valid().storage(WeightStorage.DENSE).build());
        assertEquals(valid().build(), valid().build());
    }

    @Test
    void inputTypeInferenceFillsNIn() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new SparseLinear.Builder().nOut(7).sparsity(0.5).build())
                .layer(new SparseLinear.Builder().nOut(5).sparsity(0.5).build())
                .layer(Nets.output())
                .setInputType(InputType.feedForward(11)).build();
        assertEquals(11, ((SparseLinear) conf.getConf(0).getLayer()).getNIn());
        assertEquals(7, ((SparseLinear) conf.getConf(1).getLayer()).getNIn());
        assertEquals(5, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) conf.getConf(2).getLayer()).getNIn());
    }

    @Test
    void followsAConvolutionLayerThroughAPreprocessor() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new SparseLinear.Builder().nOut(5).sparsity(0.5).build())
                .layer(Nets.output())
                .setInputType(InputType.convolutionalFlat(6, 6, 1)).build();
        assertEquals(2 * 4 * 4, ((SparseLinear) conf.getConf(1).getLayer()).getNIn());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertEquals(3, net.output(Nd4j.rand(2, 36)).size(1));
    }

    @Test
    void takesNetworkDefaultsLikeDenseLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().activation(Activation.SIGMOID)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.3)).list()
                .layer(new SparseLinear.Builder().nIn(3).nOut(2).sparsity(0.5).storage(WeightStorage.DENSE).build())
                .layer(new SparseLinear.Builder().nIn(2).nOut(2).sparsity(0.5).build())
                .layer(Nets.output()).build();
        SparseLinear active = (SparseLinear) conf.getConf(1).getLayer();
        assertEquals(WeightStorage.ACTIVE, active.resolvedStorage());
        assertEquals(new Sgd(0.3), active.getUpdaterByParam(SparseLinear.ACTIVE_WEIGHT_KEY));
        assertInstanceOf(NoOp.class, active.getUpdaterByParam(SparseLinear.ACTIVE_INDEX_KEY));
        assertTrue(active.getRegularizationByParam(SparseLinear.ACTIVE_INDEX_KEY).isEmpty());
        SparseLinear layer = (SparseLinear) conf.getConf(0).getLayer();
        assertEquals(new ActivationSigmoid(), layer.getActivationFn());
        assertTrue(layer.weightInitFunction() instanceof WeightInitUniform);
        assertEquals(new Sgd(0.3), layer.getUpdaterByParam(SparseLinear.WEIGHT_KEY));
        assertInstanceOf(NoOp.class, layer.getUpdaterByParam(SparseLinear.WEIGHT_MASK_KEY));
        assertTrue(layer.getRegularizationByParam(SparseLinear.WEIGHT_MASK_KEY).isEmpty());
    }

    @Test
    void toStringShowsEveryHyperparameter() {
        String s = valid().maskSeed(5).build().toString();
        for (String part : new String[]{"fc1", "nIn=4", "nOut=3", "sparsity=0.5", "maskSeed=5", "hasBias=true"}) {
            assertTrue(s.contains(part), s);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {Double.NaN, -0.1, 1.0, 1.5, Double.NEGATIVE_INFINITY})
    void rejectsBadSparsityAtBuild(double sparsity) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid().sparsity(sparsity).build());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("sparsity")
                && e.getMessage().contains(Double.isNaN(sparsity) ? "NaN" : String.valueOf(sparsity)), e.getMessage());
    }

    @Test
    void sparsityHasNoDefault() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparseLinear.Builder().name("fc9").nIn(2).nOut(2).build());
        assertTrue(e.getMessage().contains("fc9") && e.getMessage().contains("sparsity"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -3})
    void rejectsNonPositiveNOutAtBuild(long nOut) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid().nOut(nOut).build());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("nOut") && e.getMessage().contains(String.valueOf(nOut)));
    }

    @Test
    void rejectsNegativeNInAtBuild() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid().nIn(-2).build());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("nIn") && e.getMessage().contains("-2"));
    }

    @Test
    void missingNInFailsAtInitNamingTheLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new SparseLinear.Builder().name("noInput").nOut(4).sparsity(0.5).build())
                .layer(Nets.output()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        RuntimeException e = assertThrows(RuntimeException.class, net::init);
        assertTrue(e.getMessage().contains("noInput") && e.getMessage().contains("nIn=0")
                && e.getMessage().contains(".setInputType(InputType.feedForward("), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(doubles = {90, 1.5, 50})
    void aPercentForASparsityIsNamedAsSuch(double percent) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> valid().sparsity(percent).build());
        assertTrue(e.getMessage().contains("fc1") && e.getMessage().contains("a fraction, not a percent")
                && e.getMessage().contains("use " + percent / 100), e.getMessage());
    }
}
