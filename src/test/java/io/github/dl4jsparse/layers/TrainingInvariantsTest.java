package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.testutil.LayerKinds;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.AdaMax;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nadam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After real training, under every updater, regulariser, gradient normalisation and dropout: every mask is unchanged,
 * masked weights are exactly 0.0 (no leaks), and the active weights did train.
 */
class TrainingInvariantsTest {

    private static final int STEPS = 60;

    static Stream<Arguments> recipes() {
        List<IUpdater> updaters = List.of(new Adam(1e-2), new Nesterovs(0.05, 0.9), new RmsProp(1e-2), new Sgd(0.1),
                new AdaGrad(0.1), new AdaMax(1e-2), new Nadam(1e-2));
        List<Arguments> out = new ArrayList<>();
        for (LayerKinds.LayerKind kind : LayerKinds.all()) {
            for (WeightStorage storage : new WeightStorage[]{WeightStorage.DENSE, WeightStorage.ACTIVE}) {
                for (IUpdater u : updaters) {
                    for (String reg : new String[]{"none", "l1", "l2", "weightDecay"}) {
                        out.add(Arguments.of(storage, u, reg, GradientNormalization.None, 0.0, kind));
                    }
                }
                out.add(Arguments.of(storage, new Adam(1e-2), "l2", GradientNormalization.RenormalizeL2PerLayer, 0.0, kind));
                out.add(Arguments.of(storage, new Sgd(0.1), "none", GradientNormalization.RenormalizeL2PerParamType, 0.0, kind));
                out.add(Arguments.of(storage, new Nesterovs(0.05, 0.9), "none", GradientNormalization.ClipElementWiseAbsoluteValue, 0.0, kind));
                out.add(Arguments.of(storage, new Adam(1e-2), "weightDecay", GradientNormalization.ClipL2PerLayer, 0.0, kind));
                out.add(Arguments.of(storage, new Adam(1e-2), "none", GradientNormalization.None, 0.5, kind));
                out.add(Arguments.of(storage, new Sgd(0.1), "l1", GradientNormalization.None, 0.7, kind));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{5} first, {0} {1} {2} {3} dropout={4}")
    @MethodSource("recipes")
    void masksStayFixedAndMaskedWeightsStayZero(WeightStorage storage, IUpdater updater, String regularization,
                                                 GradientNormalization normalization, double dropoutRetain,
                                                 LayerKinds.LayerKind kind) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder().seed(3).updater(updater)
                .gradientNormalization(normalization).gradientNormalizationThreshold(0.5);
        switch (regularization) {
            case "l1": base.l1(1e-3).l1Bias(1e-3); break;
            case "l2": base.l2(1e-3).l2Bias(1e-3); break;
            case "weightDecay": base.weightDecay(1e-2).weightDecayBias(1e-2); break;
            default: break;
        }
        if (dropoutRetain > 0) {
            base.dropOut(dropoutRetain);
        }
        MultiLayerConfiguration conf = base.list()
                .layer(kind.layer().apply(storage, 0.7))
                .layer(new SparseLinear.Builder().nOut(12).sparsity(0.5).activation(Activation.TANH).storage(storage).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(kind.inputType())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        List<INDArray> masks0 = masks(net.getLayer(0));
        INDArray mask1 = Layers.mask(net.getLayer(1)).dup();
        List<INDArray> w0 = weights(net.getLayer(0));

        DataSet data = TestData.classification(32, LayerKinds.FEATURES, 4, 11, DataType.FLOAT);
        data.setFeatures(kind.input().apply(data.getFeatures()));
        for (int i = 0; i < STEPS; i++) {
            net.fit(data);
        }

        assertEquals(masks0, masks(net.getLayer(0)), "a mask of layer 0 changed");
        assertEquals(mask1, Layers.mask(net.getLayer(1)), "mask of layer 1 changed");
        SparsityReport report = SparsityReport.of(net);
        for (LayerSparsity layer : report.layers()) {
            assertEquals(0, layer.leaks(), "masked weights must stay exactly 0.0 in layer " + layer.name());
            assertTrue(layer.weightSparsity() >= layer.maskSparsity());
        }
        List<INDArray> w1 = weights(net.getLayer(0));
        for (int k = 0; k < w0.size(); k++) {
            double moved = TestData.maxAbsDiff(w0.get(k), w1.get(k));
            assertTrue(moved > 1e-4, "active weights of matrix " + k + " must train; moved " + moved);
        }
        assertTrue(Double.isFinite(net.score()), "score " + net.score());
    }

    /** The masks of every connection matrix of {@code layer}. */
    static List<INDArray> masks(org.deeplearning4j.nn.api.Layer layer) {
        return SparseMatrices.of(layer).stream().map(SparseLayer::weightMask).toList();
    }

    /** {@code W ⊙ M} of every connection matrix of {@code layer}. */
    static List<INDArray> weights(org.deeplearning4j.nn.api.Layer layer) {
        return SparseMatrices.of(layer).stream().map(SparseLayer::maskedWeights).toList();
    }
}
