package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** DL4J's transfer learning with SparseLinear layers: a frozen sparse feature extractor and a fine-tuned sparse layer. */
class TransferLearningTest {

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void frozenSparseLayersStayAsTheyAreAndTheRestTrains(WeightStorage storage) {
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(4).updater(new Adam(1e-2)), true, 0.6, storage);
        DataSet data = TestData.classification(16, Nets.N_IN, Nets.CLASSES, 2, DataType.FLOAT);
        net.fit(data);
        MultiLayerNetwork tuned = withFrozenFirstLayer(net);
        INDArray frozen = Layers.weights(net.getLayer(0));
        INDArray tunedBefore = Layers.weights(net.getLayer(1));
        INDArray mask1 = Layers.mask(net.getLayer(1));
        for (int i = 0; i < 10; i++) {
            tuned.fit(data);
        }
        assertEquals(frozen, Layers.weights(frozenInner(tuned)), "the frozen sparse layer does not change");
        assertNotEquals(tunedBefore, Layers.weights(tuned.getLayer(1)), "the next sparse layer trains");
        assertEquals(mask1, Layers.mask(tuned.getLayer(1)), "with its mask");
        assertEquals(0, SparsityReport.of(tuned).leaks());
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void pruneAndRegrowLeavesAFrozenSparseLayerAlone(WeightStorage storage) {
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(4).updater(new Adam(1e-2)), true, 0.6, storage);
        MultiLayerNetwork tuned = withFrozenFirstLayer(net);
        INDArray frozenMask = Layers.mask(net.getLayer(0));
        INDArray mask1 = Layers.mask(net.getLayer(1));
        io.github.dl4jsparse.dynamic.PruneRegrowListener rigl = io.github.dl4jsparse.dynamic.PruneRegrowListener.rigl()
                .deltaT(2).endStep(20).build();
        tuned.setListeners(rigl);
        DataSet data = TestData.classification(16, Nets.N_IN, Nets.CLASSES, 2, DataType.FLOAT);
        for (int i = 0; i < 10; i++) {
            tuned.fit(data);
        }
        assertEquals(5, rigl.updates().size());
        assertEquals(1, rigl.updates().get(0).layers().size(), "only the trainable sparse layer is rewired");
        assertEquals(frozenMask, Layers.mask(frozenInner(tuned)));
        assertNotEquals(mask1, Layers.mask(tuned.getLayer(1)));
    }

    private static MultiLayerNetwork withFrozenFirstLayer(MultiLayerNetwork net) {
        return new TransferLearning.Builder(net)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                .setFeatureExtractor(0)
                .build();
    }

    private static org.deeplearning4j.nn.api.Layer frozenInner(MultiLayerNetwork net) {
        org.deeplearning4j.nn.api.Layer l = net.getLayer(0);
        return l instanceof org.deeplearning4j.nn.layers.FrozenLayer ? ((org.deeplearning4j.nn.layers.FrozenLayer) l).getInsideLayer() : l;
    }
}
