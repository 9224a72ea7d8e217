package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
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
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SparseLSTM} against DL4J's {@link LSTM}: bit for bit at sparsity 0 over 20 Adam steps; the invariants after
 * real training (masks unchanged, masked weights exactly 0, exact counts per matrix) in both storages; ModelSerializer
 * and JSON round trips; bad input refused at build time.
 */
class SparseLSTMTest {

    private static final int N_IN = 6;
    private static final int STEPS = 7;
    private static final int HIDDEN = 10;
    private static final int CLASSES = 4;

    private static DataSet sequences(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, N_IN, STEPS);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, r.nextInt(CLASSES), 1f);
        }
        return new DataSet(x, y);
    }

    private static MultiLayerNetwork net(Layer recurrent) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(0.01)).list()
                .layer(new LastTimeStep(recurrent))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, RNNFormat.NCW))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static List<SparseLayer> matrices(MultiLayerNetwork net) {
        return SparseMatrices.of(net.getLayer(0));
    }

    @Test
    void atSparsityZeroEqualsLstmBitForBitOver20AdamSteps() {
        MultiLayerNetwork dense = net(new LSTM.Builder().nOut(HIDDEN).activation(Activation.TANH).build());
        MultiLayerNetwork sparse = net(new SparseLSTM.Builder().nOut(HIDDEN).sparsity(0.0)
                .storage(WeightStorage.DENSE).activation(Activation.TANH).build());
        for (String key : new String[]{"W", "RW", "b"}) {
            sparse.getLayer(0).setParam(key, dense.getLayer(0).getParam(key));
        }
        sparse.getLayer(1).setParams(dense.getLayer(1).params().dup());
        INDArray before = dense.getLayer(0).getParam("W").dup();
        DataSet data = sequences(16, 1);
        for (int step = 0; step < 20; step++) {
            dense.fit(data);
            sparse.fit(data);
        }
        for (String key : new String[]{"W", "RW", "b"}) {
            assertEquals(dense.getLayer(0).getParam(key), sparse.getLayer(0).getParam(key), key + " after 20 steps");
        }
        assertEquals(dense.getLayer(1).params(), sparse.getLayer(1).params());
        assertEquals(dense.output(data.getFeatures()), sparse.output(data.getFeatures()));
        assertNotEquals(before, dense.getLayer(0).getParam("W"), "trained");
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void trainingKeepsMasksCountsAndZeros(WeightStorage storage) {
        MultiLayerNetwork net = net(new SparseLSTM.Builder().nOut(HIDDEN).inputSparsity(0.7).recurrentSparsity(0.9)
                .storage(storage).maskSeed(3).activation(Activation.TANH).build());
        List<SparseLayer> m = matrices(net);
        assertEquals(2, m.size());
        assertEquals("W", m.get(0).sparseConfig().matrixName());
        assertEquals("RW", m.get(1).sparseConfig().matrixName());
        long[] expectedActive = {
                N_IN * 4L * HIDDEN - Math.round(0.7 * N_IN * 4 * HIDDEN),
                HIDDEN * 4L * HIDDEN - Math.round(0.9 * HIDDEN * 4 * HIDDEN)};
        INDArray[] masksBefore = {m.get(0).weightMask(), m.get(1).weightMask()};
        INDArray[] weightsBefore = {m.get(0).maskedWeights(), m.get(1).maskedWeights()};
        DataSet data = sequences(32, 2);
        double scoreBefore = net.score(data);
        for (int epoch = 0; epoch < 30; epoch++) {
            net.fit(data);
        }
        assertTrue(net.score(data) < scoreBefore, "the sparse LSTM learns: " + scoreBefore + " -> " + net.score(data));
        for (int k = 0; k < 2; k++) {
            SparseLayer matrix = m.get(k);
            assertEquals(expectedActive[k], matrix.activePositions().length, "active count of " + k);
            assertEquals(masksBefore[k], matrix.weightMask(), "mask unchanged");
            assertNotEquals(weightsBefore[k], matrix.maskedWeights(), "weights trained");
            BinaryMasks.Counts counts = matrix.sparsityCounts();
            assertEquals(0, counts.leaks(), "masked weights exactly 0");
            INDArray w = matrix.maskedWeights();
            INDArray mask = matrix.weightMask();
            assertEquals(0.0, w.mul(mask.rsub(1.0)).amaxNumber().doubleValue(), 0.0);
        }
        assertArrayEquals(new long[]{N_IN, 4 * HIDDEN}, m.get(0).maskedWeights().shape());
        assertArrayEquals(new long[]{HIDDEN, 4 * HIDDEN}, m.get(1).maskedWeights().shape());
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void modelSerializerRoundTripKeepsMasksAndTrainsOnIdentically(WeightStorage storage, @TempDir File dir)
            throws Exception {
        MultiLayerNetwork net = net(new SparseLSTM.Builder().nOut(HIDDEN).sparsity(0.8).storage(storage)
                .activation(Activation.TANH).build());
        DataSet data = sequences(16, 3);
        net.fit(data);
        File file = new File(dir, "lstm.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        for (int k = 0; k < 2; k++) {
            assertEquals(matrices(net).get(k).weightMask(), matrices(restored).get(k).weightMask());
        }
        net.fit(data);
        restored.fit(data);
        assertEquals(net.params(), restored.params());
        assertEquals(net.output(data.getFeatures()), restored.output(data.getFeatures()));
    }

    @Test
    void jsonRoundTripKeepsEveryOption() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new SparseLSTM.Builder().nIn(3).nOut(5).inputSparsity(0.5).recurrentSparsity(0.75).maskSeed(9)
                        .storage(WeightStorage.ACTIVE).forgetGateBiasInit(2.5).gateActivationFunction(Activation.HARDSIGMOID)
                        .dataFormat(RNNFormat.NWC).activation(Activation.SOFTSIGN).name("lstm").build())
                .build();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        SparseLSTM layer = (SparseLSTM) back.getConf(0).getLayer();
        assertEquals(0.5, layer.getInputSparsity());
        assertEquals(0.75, layer.getRecurrentSparsity());
        assertEquals(2.5, layer.getForgetGateBiasInit());
        assertEquals(RNNFormat.NWC, layer.getRnnDataFormat());
        assertEquals("lstm", layer.getLayerName());
    }

    @Test
    void forgetGateBiasAsDl4jSetsIt() {
        MultiLayerNetwork net = net(new SparseLSTM.Builder().nOut(HIDDEN).sparsity(0.5).forgetGateBiasInit(3.0)
                .activation(Activation.TANH).build());
        INDArray b = net.getLayer(0).getParam("b");
        for (int j = 0; j < 4 * HIDDEN; j++) {
            assertEquals(j >= HIDDEN && j < 2 * HIDDEN ? 3.0 : 0.0, b.getDouble(j), 0.0, "bias " + j);
        }
    }

    @Test
    void badSparsityIsRefusedAtBuildNamingTheMatrix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SparseLSTM.Builder().nOut(4).inputSparsity(0.5).recurrentSparsity(1.5).build());
        assertTrue(e.getMessage().contains("recurrentSparsity") && e.getMessage().contains("1.5"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new SparseLSTM.Builder().nOut(4).build());
        assertTrue(missing.getMessage().contains("inputSparsity"), missing.getMessage());
    }
}
