package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MagnitudePruning} converts DL4J's {@code LSTM} (here inside {@code LastTimeStep}) into a {@link SparseLSTM}:
 * each of W and RW keeps exactly its largest |w| (layer-wise) or the largest over all converted matrices (global),
 * with the surviving weights, the bias and every other layer copied.
 */
class MagnitudePruningLstmTest {

    private static final int N_IN = 4;
    private static final int STEPS = 5;
    private static final int HIDDEN = 6;

    private static DataSet data() {
        DataSet d = TestData.classification(16, N_IN * STEPS, 3, 2, DataType.DOUBLE);
        d.setFeatures(d.getFeatures().reshape('c', 16, N_IN, STEPS));
        return d;
    }

    private static MultiLayerNetwork trainedDense() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(8)
                .updater(new Adam(1e-2)).dataType(DataType.DOUBLE).list()
                .layer(new LastTimeStep(new LSTM.Builder().nOut(HIDDEN).activation(Activation.TANH)
                        .forgetGateBiasInit(2.0).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, RNNFormat.NCW))
                .build());
        net.init();
        DataSet d = data();
        for (int i = 0; i < 5; i++) {
            net.fit(d);
        }
        return net;
    }

    /** Asserts that {@code m} keeps exactly the {@code keep} largest |w| of {@code dense}, with their values. */
    private static void keepsLargest(INDArray dense, SparseLayer m, long keep) {
        INDArray mask = m.weightMask();
        assertEquals(keep, mask.sumNumber().longValue());
        double[] w = dense.dup('c').data().asDouble();
        double[] kept = m.maskedWeights().dup('c').data().asDouble();
        double[] mk = mask.dup('c').data().asDouble();
        double smallestKept = Double.MAX_VALUE;
        double largestDropped = 0;
        for (int i = 0; i < w.length; i++) {
            if (mk[i] == 1.0) {
                assertEquals(w[i], kept[i], 0.0, "surviving weight copied");
                smallestKept = Math.min(smallestKept, Math.abs(w[i]));
            } else {
                assertEquals(0.0, kept[i], 0.0);
                largestDropped = Math.max(largestDropped, Math.abs(w[i]));
            }
        }
        assertTrue(smallestKept >= largestDropped, smallestKept + " < " + largestDropped);
    }

    @Test
    void layerwiseKeepsTheLargestOfEachMatrixExactly() {
        MultiLayerNetwork dense = trainedDense();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, 0.75);
        LastTimeStep wrapper = (LastTimeStep) sparse.getLayerWiseConfigurations().getConf(0).getLayer();
        SparseLSTM conf = assertInstanceOf(SparseLSTM.class, wrapper.getUnderlying());
        assertEquals(2.0, conf.getForgetGateBiasInit());
        List<SparseLayer> m = SparseMatrices.of(sparse.getLayer(0));
        long w = (long) N_IN * 4 * HIDDEN;
        long rw = (long) HIDDEN * 4 * HIDDEN;
        keepsLargest(dense.getLayer(0).getParam("W"), m.get(0), w - Math.round(0.75 * w));
        keepsLargest(dense.getLayer(0).getParam("RW"), m.get(1), rw - Math.round(0.75 * rw));
        assertEquals(dense.getLayer(0).getParam("b"), sparse.getLayer(0).getParam("b"));
        assertEquals(dense.getLayer(1).params(), sparse.getLayer(1).params());
        sparse.fit(data()); // fine-tunes
        assertEquals(0, io.github.dl4jsparse.sparsity.SparsityReport.of(sparse).leaks());
    }

    @Test
    void atSparsityZeroTheOutputsAreTheDenseOnes() {
        MultiLayerNetwork dense = trainedDense();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, 0.0);
        INDArray x = data().getFeatures();
        assertEquals(0.0, TestData.maxAbsDiff(dense.output(x), sparse.output(x)), 1e-12);
    }

    @Test
    void globalRanksBothMatricesTogether() {
        MultiLayerNetwork dense = trainedDense();
        MultiLayerNetwork sparse = MagnitudePruning.toSparse(dense, 0.8, PruneScope.GLOBAL);
        List<SparseLayer> m = SparseMatrices.of(sparse.getLayer(0));
        double[] all = Nd4j.concat(0, dense.getLayer(0).getParam("W").reshape(-1),
                dense.getLayer(0).getParam("RW").reshape(-1)).data().asDouble();
        long total = all.length;
        long active = m.get(0).activePositions().length + m.get(1).activePositions().length;
        assertEquals(total - Math.round(0.8 * total), active);
        double[] abs = Arrays.stream(all).map(Math::abs).sorted().toArray();
        double threshold = abs[(int) (total - active)];
        for (SparseLayer matrix : m) {
            for (double v : matrix.activeValues()) {
                assertTrue(Math.abs(v) >= threshold);
            }
        }
    }

    @Test
    void aComputationGraphLstmIsConverted() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).graphBuilder().addInputs("in")
                .addLayer("lstm", new LSTM.Builder().nOut(HIDDEN).activation(Activation.TANH).build(), "in")
                .addLayer("last", new LastTimeStep(new LSTM.Builder().nOut(HIDDEN).build()), "lstm")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "last")
                .setOutputs("out").setInputTypes(InputType.recurrent(N_IN, STEPS)).build());
        graph.init();
        ComputationGraph sparse = MagnitudePruning.toSparse(graph, 0.5);
        assertEquals(2, SparseMatrices.of(sparse.getLayer("lstm")).size());
        assertEquals(2, SparseMatrices.of(sparse.getLayer("last")).size());
        INDArray x = data().getFeatures();
        assertTrue(Double.isFinite(sparse.outputSingle(x).sumNumber().doubleValue()));
    }
}
