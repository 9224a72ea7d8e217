package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.mask.RandomMasks;
import io.github.dl4jsparse.prune.PruneScope;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradualMagnitudePruningTest {

    /** A dense MLP (DenseLayer) or CNN (ConvolutionLayer) on the 12 inputs of the prune-and-regrow tests. */
    static MultiLayerNetwork dense(String kind, long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-2))
                .dataType(DataType.DOUBLE).list();
        if (kind.equals("CNN")) {
            b.layer(new ConvolutionLayer.Builder(2, 2).name("conv1").nOut(16).activation(Activation.TANH)
                    .convolutionMode(ConvolutionMode.Same).build());
            b.layer(new ConvolutionLayer.Builder(2, 3).name("conv2").nOut(20).activation(Activation.RELU).build());
        } else {
            b.layer(new DenseLayer.Builder().name("fc1").nOut(40).activation(Activation.TANH).build());
        }
        b.layer(new DenseLayer.Builder().name("fc2").nOut(30).activation(Activation.RELU).build());
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4)
                .activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = b.setInputType(kind.equals("CNN") ? InputType.convolutionalFlat(2, 6, 1)
                : InputType.feedForward(12)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static List<SparseLayer> sparse(Model net) {
        return Layers.sparseLayers(net);
    }

    /** After every step: exact counts of the schedule, binary masks, 0 leaks, 0 updater state at pruned positions. */
    private static final class Invariants extends BaseTrainingListener {
        private final PruningSchedule schedule;
        private final PruneScope scope;
        private List<long[]> previous;
        private double sparsity;
        private int pruningSteps;

        Invariants(PruningSchedule schedule, PruneScope scope, Model net) {
            this.schedule = schedule;
            this.scope = scope;
            previous = sparse(net).stream().map(SparseLayer::activePositions).toList();
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            long step = iteration + 1L;
            if (schedule.isPruningStep(step)) {
                sparsity = schedule.sparsity(step);
                pruningSteps++;
            }
            List<SparseLayer> layers = sparse(model);
            long connections = 0;
            long active = 0;
            for (int i = 0; i < layers.size(); i++) {
                SparseLayer s = layers.get(i);
                Layer l = (Layer) s;
                long n = s.sparseConfig().connections();
                long ones = s.activePositions().length;
                connections += n;
                active += ones;
                if (scope == PruneScope.LAYERWISE && pruningSteps > 0) {
                    assertEquals(n - RandomMasks.zeroCount(n, sparsity), ones, "layer " + i + " after iteration " + iteration);
                }
                // pruned connections never come back
                for (long p : s.activePositions()) {
                    assertTrue(java.util.Arrays.binarySearch(previous.get(i), p) >= 0, "position " + p + " regrew");
                }
                INDArray m = Layers.mask(l);
                assertEquals(m.length(), m.eq(0.0).castTo(DataType.INT32).sumNumber().longValue() + ones, "binary");
                assertEquals(0.0, Layers.weights(l).mul(m.rsub(1.0)).amaxNumber().doubleValue(), "leak");
                INDArray inactive = Layers.maskByPosition(l).rsub(1.0);
                for (INDArray state : PruneRegrowListenerTest.denseStates(model, l)) {
                    assertEquals(0.0, state.mul(inactive).amaxNumber().doubleValue(), "stale updater state, layer " + i);
                }
            }
            if (scope == PruneScope.GLOBAL && pruningSteps > 0) {
                assertEquals(connections - RandomMasks.zeroCount(connections, sparsity), active, "total after " + iteration);
            }
            assertEquals(0, SparsityReport.of(model).leaks());
            previous = layers.stream().map(SparseLayer::activePositions).toList();
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"MLP, LAYERWISE", "MLP, GLOBAL", "CNN, LAYERWISE", "CNN, GLOBAL"})
    void prunesToTheCubicScheduleWithExactCounts(String kind, PruneScope scope) {
        MultiLayerNetwork net = GradualMagnitudePruning.prepare(dense(kind, 3));
        assertEquals(0.0, SparsityReport.of(net).maskSparsity(), "prepared at sparsity 0");
        PolynomialDecay schedule = PolynomialDecay.cubic(0.0, 0.9, 4, 40, 6);
        GradualMagnitudePruning gmp = GradualMagnitudePruning.builder(schedule).scope(scope).build();
        Invariants invariants = new Invariants(schedule, scope, net);
        net.setListeners(gmp, invariants);
        PruneRegrowListenerTest.batches(50, 5).forEach(net::fit);
        assertEquals(7, gmp.steps().size()); // 4, 10, ..., 40
        assertEquals(7, invariants.pruningSteps);
        assertEquals(0.9, SparsityReport.of(net).maskSparsity(), 1e-3);
        double previous = 0;
        for (GradualMagnitudePruning.PruningStep step : gmp.steps()) {
            assertTrue(step.sparsity() >= previous);
            previous = step.sparsity();
        }
        assertEquals(0.9, previous, 0.0);
    }

    @Test
    void aScheduleAlreadyOverSaysSoAtTheFirstStep() {
        MultiLayerNetwork net = GradualMagnitudePruning.prepare(dense("MLP", 8));
        net.getLayerWiseConfigurations().setIterationCount(50);
        net.setListeners(GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.0, 0.8, 2, 12, 2)).build());
        DataSet batch = PruneRegrowListenerTest.batches(1, 2).get(0);
        String log = io.github.dl4jsparse.testutil.CapturedOutput.stderr(() -> net.fit(batch));
        assertTrue(log.contains("will never prune") && log.contains("iteration 50"), log);
    }

    @Test
    void attachedTwiceOrPruningALayerToNothingIsRefusedBeforeAnythingChanges() {
        MultiLayerNetwork net = GradualMagnitudePruning.prepare(dense("MLP", 8));
        GradualMagnitudePruning gmp = GradualMagnitudePruning.builder(new ConstantSparsity(0.75, 0, 100, 1)).build();
        net.setListeners(gmp);
        net.addListeners(gmp);
        List<DataSet> data = PruneRegrowListenerTest.batches(2, 2);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> net.fit(data.get(0)));
        assertTrue(twice.getMessage().contains("attached 2 times"), twice.getMessage());

        MultiLayerNetwork fresh = GradualMagnitudePruning.prepare(dense("MLP", 8));
        fresh.setListeners(GradualMagnitudePruning.builder(new ConstantSparsity(0.9999999, 0, 100, 1)).build());
        IllegalStateException empty = assertThrows(IllegalStateException.class, () -> fresh.fit(data.get(0)));
        assertTrue(empty.getMessage().contains("no connection") && empty.getMessage().contains("nothing was pruned"),
                empty.getMessage());
        for (SparseLayer layer : sparse(fresh)) {
            assertEquals(layer.sparseConfig().connections(), layer.activePositions().length, "nothing was pruned");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"MLP", "CNN"})
    void aPrunedNetworkMovesToActiveStorageWithTheSameOutputs(String kind) {
        MultiLayerNetwork net = GradualMagnitudePruning.prepare(dense(kind, 8));
        net.setListeners(GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.0, 0.8, 2, 12, 2)).build());
        List<DataSet> data = PruneRegrowListenerTest.batches(15, 2);
        data.forEach(net::fit);
        MultiLayerNetwork compact = GradualMagnitudePruning.toActiveStorage(net);
        List<SparseLayer> before = sparse(net);
        List<SparseLayer> after = sparse(compact);
        for (int i = 0; i < before.size(); i++) {
            assertEquals(WeightStorage.ACTIVE, after.get(i).sparseConfig().resolvedStorage());
            assertArrayEquals(before.get(i).activePositions(), after.get(i).activePositions());
        }
        assertTrue(compact.numParams() < net.numParams() / 2, compact.numParams() + " of " + net.numParams());
        INDArray x = data.get(0).getFeatures();
        assertEquals(0.0, TestData.maxAbsDiff(net.output(x), compact.output(x)), 1e-12);
        compact.fit(data.get(1));
        assertEquals(0, SparsityReport.of(compact).leaks());
    }

    @Test
    void keepsTheLargestMagnitudes() {
        MultiLayerNetwork net = GradualMagnitudePruning.prepare(dense("MLP", 4));
        SparseLayer fc1 = sparse(net).get(0);
        double[] w = fc1.activeValues();
        GradualMagnitudePruning gmp = GradualMagnitudePruning.builder(new ConstantSparsity(0.75, 0, 100, 1)).build();
        gmp.prune(net, 0, 0.75);
        double smallestKept = java.util.Arrays.stream(fc1.activeValues()).map(Math::abs).min().orElseThrow();
        long below = java.util.Arrays.stream(w).filter(v -> Math.abs(v) < smallestKept).count();
        assertEquals(RandomMasks.zeroCount(w.length, 0.75), below);
    }

    @ParameterizedTest(name = "{0}, split {1}")
    @CsvSource({"MLP, 10", "MLP, 17", "CNN, 16"})
    void resumesMidScheduleBitIdentically(String kind, int split, @TempDir File dir) throws Exception {
        List<DataSet> data = PruneRegrowListenerTest.batches(40, 9);
        java.util.function.Supplier<GradualMagnitudePruning> listener = () -> GradualMagnitudePruning.builder(
                PolynomialDecay.cubic(0.1, 0.8, 2, 30, 4)).build();
        MultiLayerNetwork uninterrupted = GradualMagnitudePruning.prepare(dense(kind, 6));
        uninterrupted.setListeners(listener.get());
        data.forEach(uninterrupted::fit);

        MultiLayerNetwork first = GradualMagnitudePruning.prepare(dense(kind, 6));
        GradualMagnitudePruning firstListener = listener.get();
        first.setListeners(firstListener);
        data.subList(0, split).forEach(first::fit);
        File file = new File(dir, "gmp.zip");
        ModelSerializer.writeModel(first, file, true);
        firstListener.saveTo(file);
        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(file, true);
        GradualMagnitudePruning restored = GradualMagnitudePruning.restoreFrom(file);
        assertEquals(firstListener.schedule(), restored.schedule());
        resumed.setListeners(restored);
        data.subList(split, data.size()).forEach(resumed::fit);
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.params(), resumed.params()));
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.getUpdater().getStateViewArray(),
                resumed.getUpdater().getStateViewArray()));
    }

    @Test
    void activeStorageIsRefusedNamingTheFix() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(1, new Adam(1e-2), 0.6, WeightStorage.ACTIVE);
        net.setListeners(GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.6, 0.9, 1, 10, 1)).build());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PruneRegrowListenerTest.batches(1, 1).forEach(net::fit));
        assertTrue(e.getMessage().contains("GradualMagnitudePruning.prepare") && e.getMessage().contains("fc1"), e.getMessage());
    }

    @Test
    void schedulesFollowTheirFormulasAndRejectBadInput() {
        PolynomialDecay cubic = PolynomialDecay.cubic(0.0, 0.9, 100, 1100, 100);
        assertEquals(0.0, cubic.sparsity(100), 0.0);
        assertEquals(0.9 + (0.0 - 0.9) * Math.pow(0.5, 3), cubic.sparsity(600), 1e-15);
        assertEquals(0.9, cubic.sparsity(1100), 0.0);
        assertEquals(0.9, cubic.sparsity(5000), 0.0);
        assertTrue(cubic.isPruningStep(100) && cubic.isPruningStep(200) && !cubic.isPruningStep(150));
        assertTrue(!cubic.isPruningStep(1200));
        assertTrue(PolynomialDecay.cubic(0, 0.5, 0, 25, 10).isPruningStep(25), "the end step prunes");
        ConstantSparsity constant = new ConstantSparsity(0.8, 10, Long.MAX_VALUE, 5);
        assertEquals(0.8, constant.sparsity(0), 0.0);
        assertTrue(constant.isPruningStep(10) && constant.isPruningStep(1_000_000) && !constant.isPruningStep(12));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PolynomialDecay.cubic(0.0, 90, 0, 10, 1));
        assertTrue(e.getMessage().contains("for 90% use 0.9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolynomialDecay.cubic(0.5, 0.4, 0, 10, 1));
        assertTrue(e.getMessage().contains("initial sparsity 0.5 is above the target 0.4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolynomialDecay.cubic(0.0, 0.9, 10, 10, 1));
        assertTrue(e.getMessage().contains("end step must be after the begin step 10"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ConstantSparsity(0.9, 0, 10, 0));
        assertTrue(e.getMessage().contains("frequency must be > 0, got 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradualMagnitudePruning.builder(null));
    }
}
