package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
