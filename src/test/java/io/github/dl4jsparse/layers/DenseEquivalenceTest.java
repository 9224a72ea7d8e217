package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * At sparsity 0 the mask is all ones, so a network of {@link SparseLinear} layers must follow the training trajectory
 * of the same network built with {@code DenseLayer}, step for step, from the same weights. This catches wrong
 * gradients (DL4J 1.0.0-M2.1's SameDiff layers return 2x the gradient: SGD would diverge by ~0.1 here), a missing
 * L2 term, and a wrong bias gradient.
 */
class DenseEquivalenceTest {

    private static final int STEPS = 20;
    /** float32, 20 steps. The runtime does DenseLayer's own products, so the measured difference is 0.0. */
    private static final double TOLERANCE = 1e-5;

    static Stream<Arguments> recipes() {
        return Stream.of(
                Arguments.of("Sgd", new Sgd(0.1), 0.0),
                Arguments.of("Nesterovs", new Nesterovs(0.05, 0.9), 0.0),
                Arguments.of("Adam", new Adam(1e-2), 0.0),
                Arguments.of("Sgd+L2", new Sgd(0.1), 1e-2),
                Arguments.of("Adam+L2", new Adam(1e-2), 1e-2));
    }

    private static NeuralNetConfiguration.Builder base(IUpdater updater, double l2) {
        return new NeuralNetConfiguration.Builder().seed(42).updater(updater).l2(l2).dataType(DataType.FLOAT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    void multiLayerNetworkFollowsDenseLayerTrajectory(String name, IUpdater updater, double l2) {
        MultiLayerNetwork dense = Nets.mlp(base(updater, l2), false, 0.0);
        MultiLayerNetwork sparse = Nets.mlp(base(updater, l2), true, 0.0);
        copyAll(dense.getLayers(), sparse.getLayers());
        assertTrajectoriesEqual(name + " MultiLayerNetwork", dense, sparse, dense.getLayers(), sparse.getLayers());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    void computationGraphFollowsDenseLayerTrajectory(String name, IUpdater updater, double l2) {
        ComputationGraph dense = Nets.graph(base(updater, l2), false, 0.0);
        ComputationGraph sparse = Nets.graph(base(updater, l2), true, 0.0);
        for (String layer : new String[]{"h1", "h2", "out"}) {
            TestData.copyParams(dense.getLayer(layer), sparse.getLayer(layer));
        }
        assertTrajectoriesEqual(name + " ComputationGraph", dense, sparse,
                new Layer[]{dense.getLayer("h1"), dense.getLayer("h2"), dense.getLayer("out")},
                new Layer[]{sparse.getLayer("h1"), sparse.getLayer("h2"), sparse.getLayer("out")});
    }

    private static void copyAll(Layer[] from, Layer[] to) {
        for (int i = 0; i < from.length; i++) {
            TestData.copyParams(from[i], to[i]);
        }
    }

    private static void assertTrajectoriesEqual(String what, Model dense, Model sparse, Layer[] denseLayers, Layer[] sparseLayers) {
        DataSet data = TestData.classification(16, Nets.N_IN, Nets.CLASSES, 7, DataType.FLOAT);
        org.nd4j.linalg.api.ndarray.INDArray initial = sparse.params().dup();
        double worst = 0;
        for (int step = 0; step < STEPS; step++) {
            fit(dense, data);
            fit(sparse, data);
            assertEquals(dense.score(), sparse.score(), 1e-5, what + ": score at step " + step);
            for (int i = 0; i < denseLayers.length; i++) {
                for (String key : denseLayers[i].paramTable().keySet()) {
                    double diff = TestData.maxAbsDiff(denseLayers[i].getParam(key), sparseLayers[i].getParam(key));
                    worst = Math.max(worst, diff);
                    assertTrue(diff <= TOLERANCE, what + ": layer " + i + " param " + key + " differs by " + diff
                            + " after step " + step);
                }
            }
        }
        double moved = TestData.maxAbsDiff(initial, sparse.params());
        assertTrue(moved > 1e-3, what + ": training must move the parameters, moved " + moved);
        System.out.printf("DenseLayer equivalence, %s: max |dParam| over %d steps = %.3g%n", what, STEPS, worst);
    }

    private static void fit(Model model, DataSet data) {
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).fit(data);
        } else {
            ((ComputationGraph) model).fit(data);
        }
    }
}
