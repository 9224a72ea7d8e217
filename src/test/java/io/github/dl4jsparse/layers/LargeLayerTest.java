package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import io.github.dl4jsparse.layers.runtime.PositionIndex;
import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Active storage costs memory in proportion to the active connections: a 46000 x 46000 layer (2.1·10^9 connections,
 * 8.5 GB as a dense float array, more than this test JVM's 4 GB heap and ND4J's off-heap limit, which defaults to the
 * heap size) at sparsity 0.9999 initialises, trains under SET's prune-and-regrow and reports with its 211,600 active
 * connections.
 */
class LargeLayerTest {

    @Test
    void aLayerTooLargeForADenseArrayInitialisesAndTrains() {
        int width = 46_000;
        assertTrue((long) width * width * Float.BYTES > Runtime.getRuntime().maxMemory(),
                "the dense weights would not fit in this JVM");
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3)).list()
                .layer(new SparseLinear.Builder().nOut(width).sparsity(0.9999).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(width))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        long active = Math.round(0.0001 * width * (double) width);
        assertEquals(active, net.getLayer(0).getParam(SparseLinear.ACTIVE_WEIGHT_KEY).length());

        Nd4j.getRandom().setSeed(1);
        DataSet data = new DataSet(Nd4j.rand(DataType.FLOAT, 4, width), Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT));
        assertTrue(((SparseLinearLayer) net.getLayer(0)).usesSparseKernels(4, true));
        // SET's prune-and-regrow on the active positions: after each of the two steps, a tenth rewired
        PruneRegrowListener set = PruneRegrowListener.set().deltaT(1).endStep(10).alpha(0.1)
                .decay(PruneRegrowSchedule.Decay.CONSTANT).build();
        net.setListeners(set);
        net.fit(data);
        net.fit(data);
        assertTrue(Double.isFinite(net.score()));
        assertEquals(2, set.updates().size());
        assertEquals(Math.floor(0.1 * active), set.updates().get(1).layers().get(0).grown(), 1.0);
        SparsityReport report = SparsityReport.of(net);
        assertEquals(1.0 - active / ((double) width * width), report.layers().get(0).maskSparsity(), 1e-12);
        assertEquals(0, report.leaks());
    }

    /** 60,000 x 50,000: 3·10^9 possible connections, beyond Java ints, of which 30,000 are active. */
    private static MultiLayerNetwork beyondIntPositions() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2)).list()
                .layer(new SparseLinear.Builder().name("huge").nOut(50_000).sparsity(0.99999).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(60_000))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet beyondIntData() {
        Nd4j.getRandom().setSeed(2);
        return new DataSet(Nd4j.rand(DataType.FLOAT, 4, 60_000), Nd4j.eye(3).getRows(0, 1, 2, 0).castTo(DataType.FLOAT));
    }

    private static PruneRegrowListener set() {
        return PruneRegrowListener.set().deltaT(2).endStep(20).alpha(0.3).decay(PruneRegrowSchedule.Decay.CONSTANT)
                .seed(3L).build();
    }

    @Test
    void aLayerOfMoreThan2To31PositionsTrainsUnderSetAndResumesBitIdentically(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = beyondIntPositions();
        SparseLinearLayer layer = (SparseLinearLayer) net.getLayer(0);
        long connections = 60_000L * 50_000;
        assertTrue(connections > Integer.MAX_VALUE);
        long[] initial = layer.activePositions();
        assertEquals(30_000, initial.length);
        assertTrue(initial[initial.length - 1] > Integer.MAX_VALUE, "positions beyond 2^31 are drawn too");

        DataSet data = beyondIntData();
        PruneRegrowListener set = set();
        net.setListeners(set);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        File checkpoint = dir.resolve("huge.zip").toFile();
        ModelSerializer.writeModel(net, checkpoint, true);
        set.saveTo(checkpoint);
        for (int i = 0; i < 3; i++) {
            net.fit(data);
        }
        assertEquals(3, set.updates().size(), "updates after steps 2, 4 and 6");
        long[] after = layer.activePositions();
        assertEquals(30_000, after.length, "exact count");
        PositionIndex.requireValid("huge", "activeIndex", layer.getParam(SparseLinear.ACTIVE_INDEX_KEY), 60_000, 50_000);
        long moved = java.util.Arrays.stream(after).filter(p -> java.util.Arrays.binarySearch(initial, p) < 0).count();
        assertTrue(moved > 10_000, moved + " connections moved");
        SparsityReport report = SparsityReport.of(net);
        assertEquals(0, report.leaks());
        assertEquals(connections - 30_000, report.layers().get(0).maskZeros());

        MultiLayerNetwork resumed = io.github.dl4jsparse.io.ModelFiles.restoreMultiLayerNetwork(checkpoint, true);
        resumed.setListeners(PruneRegrowListener.restoreFrom(checkpoint));
        for (int i = 0; i < 3; i++) {
            resumed.fit(data);
        }
        assertEquals(net.params(), resumed.params(), "checkpoint-resume is bit-identical");
        assertTrue(java.util.Arrays.equals(after, ((SparseLinearLayer) resumed.getLayer(0)).activePositions()));
    }

    @Test
    void rigLIsRefusedBeforeTrainingForALayerBeyond2To31Connections() {
        MultiLayerNetwork net = beyondIntPositions();
        long[] before = ((SparseLinearLayer) net.getLayer(0)).activePositions();
        net.setListeners(PruneRegrowListener.rigl().deltaT(2).endStep(20).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(beyondIntData()));
        assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("3000000000")
                && e.getMessage().contains("PruneRegrowListener.set()"), e.getMessage());
        assertEquals(0, net.getIterationCount(), "refused before the first step");
        assertTrue(java.util.Arrays.equals(before, ((SparseLinearLayer) net.getLayer(0)).activePositions()));
    }
}
