package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Snip} on a network with DL4J's {@code LSTM} (inside {@code LastTimeStep}) followed by a
 * {@code DenseLayer}: the LSTM's {@code W} and {@code RW} are scored as two matrices by {@code |∂L/∂w · w|} straight
 * from DL4J's gradient, and the LSTM becomes a {@link SparseLSTM} that trains.
 */
class SnipLstmTest {

    private static final int N_IN = 4;
    private static final int STEPS = 5;
    private static final int HIDDEN = 6;
    private static final int FC = 5;

    private static DataSet batch() {
        DataSet d = TestData.classification(16, N_IN * STEPS, 3, 4, DataType.DOUBLE);
        d.setFeatures(d.getFeatures().reshape('c', 16, N_IN, STEPS));
        return d;
    }

    static MultiLayerNetwork dense() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(12)
                .updater(new Adam(1e-2)).dataType(DataType.DOUBLE).list()
                .layer(new LastTimeStep(new LSTM.Builder().nOut(HIDDEN).activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nOut(FC).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, RNNFormat.NCW))
                .build());
        net.init();
        return net;
    }

    /** The masks of the converted matrices: LSTM W, LSTM RW, the DenseLayer's W; each flattened in 'c' order. */
    private static List<double[]> masks(MultiLayerNetwork sparse) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (SparseLayer m : SparseMatrices.of(sparse.getLayer(i))) {
                out.add(m.weightMask().dup('c').castTo(DataType.DOUBLE).data().asDouble());
            }
        }
        return out;
    }

    @Test
    void eachMatrixIsScoredByGradientTimesWeightComputedDensely() {
        MultiLayerNetwork dense = dense();
        DataSet batch = batch();
        INDArray before = dense.params().dup();
        MultiLayerNetwork sparse = Snip.toSparse(dense, batch, MaskBudget.global(0.8));
        assertEquals(0.0, TestData.maxAbsDiff(before, dense.params()), "the dense network is not changed");
        LastTimeStep wrapper = (LastTimeStep) sparse.getLayerWiseConfigurations().getConf(0).getLayer();
        assertInstanceOf(SparseLSTM.class, wrapper.getUnderlying());

        MultiLayerNetwork probe = dense.clone();
        probe.setInput(batch.getFeatures());
        probe.setLabels(batch.getLabels());
        probe.computeGradientAndScore();
        List<double[]> scores = new ArrayList<>();
        for (String key : List.of("0_W", "0_RW", "1_W")) {
            INDArray w = dense.getLayer(key.charAt(0) - '0').getParam(key.substring(2));
            INDArray s = probe.gradient().getGradientFor(key).mul(w).dup('c');
            scores.add(Arrays.stream(s.data().asDouble()).map(Math::abs).toArray());
        }
        long connections = scores.stream().mapToLong(s -> s.length).sum();
        long keep = connections - Math.round(0.8 * connections);
        List<double[]> expected = SnipTest.topK(scores, keep);
        List<double[]> actual = masks(sparse);
        for (int t = 0; t < expected.size(); t++) {
            assertArrayEquals(expected.get(t), actual.get(t), "matrix " + t);
        }
        List<SparseLayer> lstm = SparseMatrices.of(sparse.getLayer(0));
        assertEquals(0.0, TestData.maxAbsDiff(dense.getLayer(0).getParam("W").mul(lstm.get(0).weightMask()),
                lstm.get(0).maskedWeights()), "initial W kept at the chosen connections");
        assertEquals(0.0, TestData.maxAbsDiff(dense.getLayer(0).getParam("RW").mul(lstm.get(1).weightMask()),
                lstm.get(1).maskedWeights()), "initial RW kept at the chosen connections");
        assertEquals(dense.getLayer(0).getParam("b"), sparse.getLayer(0).getParam("b"));
        assertEquals(keep, SparsityReport.of(sparse).activeConnections());

        for (int i = 0; i < 5; i++) {
            sparse.fit(batch);
        }
        assertEquals(0, SparsityReport.of(sparse).leaks());
        assertArrayEquals(expected.get(1), masks(sparse).get(1), "the mask stays as chosen");
    }

    @Test
    void layerwiseAndErkBudgetsCountEachLstmMatrixOnItsOwn() {
        MultiLayerNetwork dense = dense();
        long[] connections = {(long) N_IN * 4 * HIDDEN, (long) HIDDEN * 4 * HIDDEN, (long) HIDDEN * FC};

        List<double[]> layerwise = masks(Snip.toSparse(dense, batch(), MaskBudget.layerwise(0.7)));
        for (int t = 0; t < 3; t++) {
            assertEquals(Math.round(0.7 * connections[t]), zeros(layerwise.get(t)), "layer-wise matrix " + t);
        }

        SparsityDistribution erk = SparsityDistribution.erk(0.7).build();
        Map<String, Double> expected = erk.sparsities(List.of(
                new SparsityDistribution.LayerShape("0/W", N_IN, 4 * HIDDEN),
                new SparsityDistribution.LayerShape("0/RW", HIDDEN, 4 * HIDDEN),
                new SparsityDistribution.LayerShape("1", HIDDEN, FC)));
        List<double[]> erkMasks = masks(Snip.toSparse(dense, batch(), MaskBudget.perLayer(erk)));
        String[] names = {"0/W", "0/RW", "1"};
        for (int t = 0; t < 3; t++) {
            assertEquals(Math.round(expected.get(names[t]) * connections[t]), zeros(erkMasks.get(t)),
                    "ERK " + names[t]);
        }
        assertTrue(expected.get("0/W") < expected.get("0/RW"), "ERK keeps the 4-row W denser than the 6-row RW");
    }

    private static long zeros(double[] mask) {
        return Arrays.stream(mask).filter(v -> v == 0.0).count();
    }
}
