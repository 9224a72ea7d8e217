package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.SparsityStaticInfo;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SparseLSTM} with the rest of the library: ERK over both matrices, the UI's static record, a frozen SparseLSTM
 * under TransferLearning, RigL in a ComputationGraph, and an {@code RnnOutputLayer} after it.
 */
class SparseLSTMIntegrationTest {

    private static final int N_IN = 3;
    private static final int STEPS = 4;

    private static DataSet sequences(int n, long seed, boolean perStep) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, N_IN, STEPS);
        INDArray y = perStep ? Nd4j.zeros(DataType.FLOAT, n, 2, STEPS) : Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            if (perStep) {
                for (int t = 0; t < STEPS; t++) {
                    y.putScalar(i, (i + t) % 2, t, 1f);
                }
            } else {
                y.putScalar(i, i % 2, 1f);
            }
        }
        return new DataSet(x, y);
    }

    private static MultiLayerConfiguration lastStep(int hidden, double sparsity) {
        return new NeuralNetConfiguration.Builder().seed(4).updater(new Adam(1e-2)).list()
                .layer(new LastTimeStep(new SparseLSTM.Builder().name("lstm").nOut(hidden).sparsity(sparsity)
                        .activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS))
                .build();
    }

    @Test
    void erkGivesTheTwoMatricesTheirOwnSparsityWithinTheBudget() {
        MultiLayerConfiguration conf = SparsityDistribution.erk(0.8).build().applyTo(lastStep(32, 0.5));
        SparseLSTM lstm = (SparseLSTM) ((LastTimeStep) conf.getConf(0).getLayer()).getUnderlying();
        // ERK: density ∝ (rows + columns) / (rows · columns): W (3 rows) denser than RW (32 rows)
        assertTrue(lstm.getInputSparsity() < lstm.getRecurrentSparsity(),
                lstm.getInputSparsity() + " vs " + lstm.getRecurrentSparsity());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        long total = 0;
        long active = 0;
        for (SparseLayer m : SparseMatrices.of(net.getLayer(0))) {
            total += m.sparseConfig().connections();
            active += m.activePositions().length;
        }
        assertEquals(0.2, (double) active / total, 0.01, "ERK keeps the global density over both matrices");
    }

    @Test
    void gradualPruningPrunesBothMatricesAndMovesThemToActiveStorage() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                .updater(new Adam(1e-2)).dataType(DataType.DOUBLE).list()
                .layer(new LastTimeStep(new SparseLSTM.Builder().name("lstm").nOut(6).sparsity(0.0)
                        .storage(WeightStorage.DENSE).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS))
                .build());
        net.init();
        io.github.dl4jsparse.dynamic.GradualMagnitudePruning gmp = io.github.dl4jsparse.dynamic.GradualMagnitudePruning
                .builder(io.github.dl4jsparse.dynamic.PolynomialDecay.cubic(0.0, 0.8, 0, 6, 2)).build();
        net.setListeners(gmp);
        for (int i = 0; i < 8; i++) {
            DataSet d = sequences(8, 20 + i, false);
            net.fit(new DataSet(d.getFeatures().castTo(DataType.DOUBLE), d.getLabels().castTo(DataType.DOUBLE)));
        }
        List<SparseLayer> m = SparseMatrices.of(net.getLayer(0));
        assertEquals(Math.round(0.2 * 72), m.get(0).activePositions().length, "W at 0.8");
        assertEquals(Math.round(0.2 * 144), m.get(1).activePositions().length, "RW at 0.8");
        MultiLayerNetwork active = io.github.dl4jsparse.dynamic.GradualMagnitudePruning.toActiveStorage(net);
        List<SparseLayer> a = SparseMatrices.of(active.getLayer(0));
        assertEquals(WeightStorage.ACTIVE, a.get(1).sparseConfig().resolvedStorage());
        assertArrayEquals(m.get(1).activePositions(), a.get(1).activePositions());
        INDArray x = sequences(4, 3, false).getFeatures().castTo(DataType.DOUBLE);
        assertEquals(0.0, io.github.dl4jsparse.testutil.TestData.maxAbsDiff(net.output(x), active.output(x)), 1e-12);
    }

    @Test
    void theUiRecordAndTheReportNameBothMatrices() {
        MultiLayerNetwork net = new MultiLayerNetwork(lastStep(6, 0.75));
        net.init();
        SparsityStaticInfo info = SparsityStaticInfo.describe(net, "s", "w", 0L);
        assertEquals(List.of("lstm/W", "lstm/RW"), info.layers().stream().map(SparsityStaticInfo.Layer::name).toList());
        assertEquals(N_IN, info.layers().get(0).nIn());
        assertEquals(6, info.layers().get(1).nIn());
        assertEquals(24, info.layers().get(1).nOut());
        SparsityReport report = SparsityReport.of(net);
        assertEquals(2, report.layers().size());
        assertEquals(0.75, report.layers().get(1).maskSparsity(), 1e-9);
    }

    @Test
    void aFrozenSparseLstmKeepsItsWeightsUnderTransferLearningAndARewiringListenerIsRefused() {
        // DL4J's TransferLearning casts every layer to BaseLayer, so the wrapper LastTimeStep is left out here
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                .updater(new Adam(1e-2)).list()
                .layer(new SparseLSTM.Builder().name("lstm").nOut(6).sparsity(0.6).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS))
                .build());
        net.init();
        net.fit(sequences(8, 1, true));
        MultiLayerNetwork transferred = new TransferLearning.Builder(net)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                .setFeatureExtractor(0)
                .removeOutputLayer()
                .addLayer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        List<SparseLayer> before = SparseMatrices.of(net.getLayer(0));
        List<SparseLayer> frozen = SparseMatrices.of(transferred.getLayer(0));
        assertEquals(2, frozen.size());
        INDArray w = frozen.get(0).maskedWeights();
        INDArray rw = frozen.get(1).maskedWeights();
        assertEquals(before.get(1).weightMask(), frozen.get(1).weightMask());
        // a listener with only a frozen layer to rewire would do nothing: refused, as for a network without one
        transferred.setListeners(PruneRegrowListener.set().deltaT(1).plannedIterations(4).build());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> transferred.fit(sequences(8, 2, true)));
        assertTrue(e.getMessage().contains("only frozen sparse layers"), e.getMessage());
        transferred.setListeners();
        for (int i = 0; i < 4; i++) {
            transferred.fit(sequences(8, 2 + i, true));
        }
        assertEquals(w, frozen.get(0).maskedWeights(), "frozen W unchanged");
        assertEquals(rw, frozen.get(1).maskedWeights(), "frozen RW unchanged");
        assertEquals(before.get(1).weightMask(), frozen.get(1).weightMask(), "frozen mask unchanged");
    }

    @Test
    void riglRewiresASparseLstmInAComputationGraphWithAnRnnOutputLayer() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(6).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in")
                .addLayer("lstm", new SparseLSTM.Builder().nOut(8).sparsity(0.7).activation(Activation.TANH).build(),
                        "in")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "lstm")
                .setOutputs("out").setInputTypes(InputType.recurrent(N_IN, STEPS)).build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        List<SparseLayer> m = SparseMatrices.of(graph.getLayer("lstm"));
        long[] w0 = m.get(0).activePositions();
        long[] rw0 = m.get(1).activePositions();
        PruneRegrowListener rigl = PruneRegrowListener.rigl().deltaT(2).plannedIterations(8).build();
        graph.setListeners(rigl);
        for (int i = 0; i < 8; i++) {
            graph.fit(sequences(8, 10 + i, true));
        }
        assertEquals(w0.length, m.get(0).activePositions().length);
        assertEquals(rw0.length, m.get(1).activePositions().length);
        assertNotEquals(java.util.Arrays.toString(w0), java.util.Arrays.toString(m.get(0).activePositions()));
        assertNotEquals(java.util.Arrays.toString(rw0), java.util.Arrays.toString(m.get(1).activePositions()));
        assertEquals(List.of("lstm/W", "lstm/RW"),
                rigl.updates().get(0).layers().stream().map(io.github.dl4jsparse.dynamic.LayerUpdate::layer).toList());
        assertEquals(0, SparsityReport.of(graph).leaks());
        assertArrayEquals(new long[]{8, 2, STEPS}, graph.outputSingle(sequences(8, 1, true).getFeatures()).shape());
    }
}
