package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prune-and-regrow during real {@code fit()}: invariants after many updates, which connections are dropped and grown,
 * updater state, determinism, ComputationGraph support, checkpoint-resume equality and bad input.
 */
class PruneRegrowListenerTest {

    private static final int N_IN = 12;
    private static final int CLASSES = 4;

    static MultiLayerNetwork mlp(long seed, IUpdater updater, double sparsity) {
        return mlp(seed, updater, sparsity, WeightStorage.AUTO);
    }

    static MultiLayerNetwork mlp(long seed, IUpdater updater, double sparsity, WeightStorage storage) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .dataType(DataType.DOUBLE).list()
                .layer(new SparseLinear.Builder().name("fc1").nOut(40).sparsity(sparsity).activation(Activation.TANH)
                        .storage(storage).build())
                .layer(new SparseLinear.Builder().name("fc2").nOut(30).sparsity(sparsity).activation(Activation.RELU)
                        .storage(storage).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(N_IN))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static List<DataSet> batches(int count, long seed) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(TestData.classification(16, N_IN, CLASSES, seed + i, DataType.DOUBLE));
        }
        return out;
    }

    private static void fit(Model net, List<DataSet> data) {
        for (DataSet ds : data) {
            if (net instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) net).fit(ds);
            } else {
                ((ComputationGraph) net).fit(ds);
            }
        }
    }

    private static List<Layer> sparseLayers(Model net) {
        Layer[] all = net instanceof MultiLayerNetwork ? ((MultiLayerNetwork) net).getLayers() : ((ComputationGraph) net).getLayers();
        List<Layer> out = new ArrayList<>();
        for (Layer l : all) {
            if (l.conf().getLayer() instanceof io.github.dl4jsparse.layers.SparseLayerConfig) {
                out.add(l);
            }
        }
        return out;
    }

    private static INDArray mask(Layer l) {
        return Layers.mask(l);
    }

    private static INDArray weights(Layer l) {
        return Layers.weights(l);
    }

    /**
     * The updater state arrays of a layer's trained weights, each as a flat 'f'-order vector over the {@code nIn·nOut}
     * positions: the state itself under dense storage; under active storage scattered from the slots to the positions
     * the index parameter gives them (0 at inactive positions by construction), after checking the index is valid.
     */
    static List<INDArray> denseStates(Model model, Layer l) {
        io.github.dl4jsparse.layers.runtime.SparseLayer layer = (io.github.dl4jsparse.layers.runtime.SparseLayer) l;
        io.github.dl4jsparse.layers.SparseLayerConfig conf = layer.sparseConfig();
        List<INDArray> states = UpdaterStates.of(model, l, layer.trainableWeightKey());
        INDArray index = l.getParam(SparseLinear.ACTIVE_INDEX_KEY);
        if (index == null) {
            return states;
        }
        io.github.dl4jsparse.layers.runtime.PositionIndex.requireValid("test", "activeIndex", index, conf.connectionRows(),
                conf.connectionColumns());
        List<INDArray> out = new ArrayList<>();
        for (INDArray state : states) {
            double[] dense = new double[(int) conf.connections()];
            for (int k = 0; k < state.length(); k++) {
                dense[(int) index.getDouble(0, k)] = state.getDouble(k); // positions i + j·nIn
            }
            out.add(Nd4j.create(dense, new long[]{dense.length}, 'c'));
        }
        return out;
    }

    /** Checks every invariant at every update, from a listener that runs right after the prune-and-regrow one. */
    private static final class InvariantChecker extends BaseTrainingListener {
        private final PruneRegrowListener pruneRegrow;
        private final long[] activeCounts;
        private List<INDArray> masksBefore;
        private int checkedUpdates;
        private long changedConnections;

        InvariantChecker(PruneRegrowListener pruneRegrow, Model net) {
            this.pruneRegrow = pruneRegrow;
            List<Layer> layers = sparseLayers(net);
            activeCounts = new long[layers.size()];
            for (int i = 0; i < layers.size(); i++) {
                activeCounts[i] = mask(layers.get(i)).sumNumber().longValue();
            }
            masksBefore = snapshot(net);
        }

        private static List<INDArray> snapshot(Model net) {
            List<INDArray> out = new ArrayList<>();
            sparseLayers(net).forEach(l -> out.add(mask(l).dup()));
            return out;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            List<Layer> layers = sparseLayers(model);
            boolean updated = pruneRegrow.schedule().isUpdateStep(iteration + 1L);
            MaskUpdate update = updated ? pruneRegrow.updates().get(pruneRegrow.updates().size() - 1) : null;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                INDArray m = mask(l);
                INDArray before = masksBefore.get(i);
                long ones = m.sumNumber().longValue();
                assertEquals(activeCounts[i], ones, "active count of layer " + i + " after iteration " + iteration);
                assertEquals(m.length(), m.eq(0.0).castTo(DataType.INT32).sumNumber().longValue() + ones, "mask not binary");
                // masked weights exactly 0
                assertEquals(0.0, weights(l).mul(m.rsub(1.0)).amaxNumber().doubleValue(), "leak in layer " + i);
                // updater state exactly 0 wherever the mask is 0
                for (INDArray state : denseStates(model, l)) {
                    INDArray inactive = Layers.maskByPosition(l).rsub(1.0);
                    assertEquals(0.0, state.mul(inactive).amaxNumber().doubleValue(), "stale updater state in layer " + i);
                }
                long dropped = before.sub(m).eq(1.0).castTo(DataType.INT32).sumNumber().longValue();
                long grown = m.sub(before).eq(1.0).castTo(DataType.INT32).sumNumber().longValue();
                if (updated) {
                    LayerUpdate lu = update.layers().get(i);
                    assertEquals(lu.dropped(), dropped, "dropped count of layer " + i);
                    assertEquals(lu.grown(), grown, "grown count of layer " + i);
                    assertEquals(dropped, grown);
                    changedConnections += dropped + grown;
                } else {
                    assertEquals(0, dropped + grown, "mask changed outside an update step");
                }
            }
            if (updated) {
                checkedUpdates++;
            }
            masksBefore = snapshot(model);
        }
    }

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(ProductRoute.AUTO);
    }

    /** Two SparseConv2D layers and a SparseLinear one on 12 inputs seen as a 2x6 image. */
    static MultiLayerNetwork cnn(long seed, IUpdater updater, double sparsity, WeightStorage storage) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .dataType(DataType.DOUBLE).list()
                .layer(new io.github.dl4jsparse.layers.SparseConv2D.Builder(2, 2).name("conv1").nOut(16)
                        .sparsity(sparsity).activation(Activation.TANH).storage(storage)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).build())
                .layer(new io.github.dl4jsparse.layers.SparseConv2D.Builder(2, 3).name("conv2").nOut(20)
                        .sparsity(sparsity).activation(Activation.RELU).storage(storage).build())
                .layer(new SparseLinear.Builder().name("fc").nOut(30).sparsity(sparsity).activation(Activation.RELU)
                        .storage(storage).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(2, 6, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest(name = "{0}, {1} storage, {2} products, {3}")
    @CsvSource({"RANDOM, DENSE, AUTO, MLP", "RANDOM, ACTIVE, DENSE, MLP", "RANDOM, ACTIVE, KERNELS, MLP",
            "GRADIENT, DENSE, AUTO, MLP", "GRADIENT, ACTIVE, DENSE, MLP", "GRADIENT, ACTIVE, KERNELS, MLP",
            "RANDOM, DENSE, AUTO, CNN", "RANDOM, ACTIVE, DENSE, CNN", "RANDOM, ACTIVE, KERNELS, CNN",
            "GRADIENT, DENSE, AUTO, CNN", "GRADIENT, ACTIVE, DENSE, CNN", "GRADIENT, ACTIVE, KERNELS, CNN"})
    void invariantsHoldAfterManyUpdates(RegrowCriterion criterion, WeightStorage storage, ProductRoute route, String kind) {
        ProductRoute.setDefault(route);
        for (IUpdater updater : new IUpdater[]{new Adam(1e-2), new Nesterovs(0.05, 0.9)}) {
            MultiLayerNetwork net = kind.equals("CNN") ? cnn(42, updater, 0.8, storage) : mlp(42, updater, 0.8, storage);
            PruneRegrowListener pr = PruneRegrowListener.builder(criterion).deltaT(5).plannedIterations(200)
                    .alpha(0.5).build();
            InvariantChecker checker = new InvariantChecker(pr, net);
            net.setListeners(pr, checker);
            fit(net, batches(200, 1));
            assertEquals(30, pr.updates().size()); // steps 5, 10, ..., 150 = 75% of 200
            assertEquals(30, checker.checkedUpdates);
            assertTrue(checker.changedConnections > 500, "masks hardly changed: " + checker.changedConnections);
            SparsityReport report = SparsityReport.of(net);
            assertEquals(0, report.leaks());
            for (LayerSparsity l : report.layers()) {
                assertEquals(Math.round(0.8 * l.connections()), l.maskZeros(), "exact count of " + l.name());
            }
            assertEquals(pr.updates().get(29).after().activeConnections(), report.activeConnections());
        }
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void dropsTheSmallestActiveWeightsAndGrowsWhereTheDenseGradientIsLargest(WeightStorage storage) {
        MultiLayerNetwork net = mlp(7, new Adam(1e-2), 0.7, storage);
        fit(net, batches(30, 100));
        DataSet batch = TestData.classification(16, N_IN, CLASSES, 999, DataType.DOUBLE);
        long step = net.getIterationCount() + 1;

        // the dense gradient dL/d(W ⊙ M) from an independent network: the same function with all-ones masks
        MultiLayerNetwork reference = mlp(7, new Adam(1e-2), 0.0);
        for (int i = 0; i < 3; i++) {
            Layer from = net.getLayer(i);
            Layer to = reference.getLayer(i);
            if (to instanceof SparseLinearLayer) {
                ((SparseLinearLayer) to).setMaskedWeights(weights(from), weights(from).like().assign(1.0));
                to.getParam(SparseLinear.BIAS_KEY).assign(from.getParam(SparseLinear.BIAS_KEY));
            } else {
                TestData.copyParams(from, to);
            }
        }
        reference.setInput(batch.getFeatures());
        reference.setLabels(batch.getLabels());
        reference.computeGradientAndScore();
        List<INDArray> denseGradients = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            denseGradients.add(reference.gradient().getGradientFor(i + "_" + SparseLinear.WEIGHT_KEY).dup());
        }

        List<INDArray> masksBefore = new ArrayList<>();
        sparseLayers(net).forEach(l -> masksBefore.add(mask(l).dup()));
        PruneRegrowListener pr = PruneRegrowListener.rigl().beginStep(step - 1).deltaT(1).endStep(step).alpha(0.3)
                .decay(PruneRegrowSchedule.Decay.CONSTANT).build();
        List<INDArray> weightsBeforeUpdate = new ArrayList<>();
        // record W after the step's parameter update, just before prune-and-regrow
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                sparseLayers(model).forEach(l -> weightsBeforeUpdate.add(weights(l).dup()));
            }
        }, pr);
        net.fit(batch);
        assertEquals(1, pr.updates().size());

        List<Layer> layers = sparseLayers(net);
        for (int i = 0; i < layers.size(); i++) {
            INDArray before = masksBefore.get(i);
            INDArray after = mask(layers.get(i));
            INDArray w = weightsBeforeUpdate.get(i);
            INDArray g = denseGradients.get(i);
            INDArray droppedSet = before.sub(after).eq(1.0).castTo(DataType.DOUBLE);
            INDArray grownSet = after.sub(before).eq(1.0).castTo(DataType.DOUBLE);
            INDArray keptSet = before.mul(after);
            INDArray stillInactive = before.rsub(1.0).sub(grownSet);
            long k = (long) Math.floor(0.3 * before.sumNumber().doubleValue());
            assertEquals(k, droppedSet.sumNumber().longValue(), "layer " + i);
            assertEquals(k, grownSet.sumNumber().longValue(), "layer " + i);
            // every dropped |w| <= every kept |w|
            double maxDropped = abs(w).mul(droppedSet).maxNumber().doubleValue();
            double minKept = minWhere(abs(w), keptSet);
            assertTrue(maxDropped <= minKept, "layer " + i + ": dropped |w| up to " + maxDropped + ", kept from " + minKept);
            // every grown |g| >= every |g| left inactive
            double minGrown = minWhere(abs(g), grownSet);
            double maxLeft = abs(g).mul(stillInactive).maxNumber().doubleValue();
            assertTrue(minGrown >= maxLeft * (1 + 1e-6), "layer " + i + ": grown |g| from " + minGrown + ", left " + maxLeft);
            assertTrue(minGrown > 0.0);
            // grown and dropped weights start at exactly 0
            assertEquals(0.0, weights(layers.get(i)).mul(grownSet).amaxNumber().doubleValue());
            assertEquals(0.0, weights(layers.get(i)).mul(droppedSet).amaxNumber().doubleValue());
            // their updater state too, while kept connections keep theirs
            for (INDArray state : denseStates(net, layers.get(i))) {
                INDArray changed = droppedSet.add(grownSet).dup('f').reshape('f', new long[]{droppedSet.length()});
                assertEquals(0.0, state.mul(changed).amaxNumber().doubleValue());
                assertTrue(state.amaxNumber().doubleValue() > 0.0);
            }
        }
        assertNull(((io.github.dl4jsparse.layers.runtime.SparseLinearLayer) layers.get(0)).takeDenseWeightGradient(),
                "the dense gradient must be released after the update");
    }

    private static INDArray abs(INDArray a) {
        return Transforms.abs(a, true);
    }

    private static double minWhere(INDArray values, INDArray where) {
        double min = Double.POSITIVE_INFINITY;
        double[] v = values.dup('c').data().asDouble();
        double[] w = where.dup('c').data().asDouble();
        for (int i = 0; i < v.length; i++) {
            if (w[i] != 0.0) {
                min = Math.min(min, v[i]);
            }
        }
        return min;
    }

    /**
     * Prune-and-regrow on active storage (slots reassigned, values and updater state moved with their connections)
     * against dense storage (mask and state multiplied in place), same seed and data: the same masks at the end,
     * the same weights, updater state and outputs.
     */
    @ParameterizedTest
    @EnumSource(RegrowCriterion.class)
    void activeStorageTrainsLikeDenseStorage(RegrowCriterion criterion) {
        MultiLayerNetwork dense = mlp(21, new Adam(1e-2), 0.8, WeightStorage.DENSE);
        MultiLayerNetwork active = mlp(21, new Adam(1e-2), 0.8, WeightStorage.ACTIVE);
        PruneRegrowListener onDense = PruneRegrowListener.builder(criterion).deltaT(5).plannedIterations(80).alpha(0.5).build();
        PruneRegrowListener onActive = PruneRegrowListener.builder(criterion).deltaT(5).plannedIterations(80).alpha(0.5).build();
        dense.setListeners(onDense);
        active.setListeners(onActive);
        List<DataSet> data = batches(80, 17);
        fit(dense, data);
        fit(active, data);
        assertEquals(12, onActive.updates().size()); // steps 5, 10, ..., 60 = 75% of 80
        for (int i = 0; i < 2; i++) {
            Layer d = dense.getLayer(i);
            Layer a = active.getLayer(i);
            assertEquals(mask(d), mask(a), "mask of layer " + i);
            assertEquals(0.0, TestData.maxAbsDiff(weights(d), weights(a)), 1e-12, "weights of layer " + i);
            System.out.printf("%s on active vs dense storage, layer %d after 12 updates: same mask, max |Δweight| %.2g%n",
                    criterion, i, TestData.maxAbsDiff(weights(d), weights(a)));
            List<INDArray> ds = denseStates(dense, d);
            List<INDArray> as = denseStates(active, a);
            assertEquals(2, as.size());
            for (int s = 0; s < ds.size(); s++) {
                assertEquals(0.0, TestData.maxAbsDiff(ds.get(s), as.get(s)), 1e-12, "updater state " + s + " of layer " + i);
            }
        }
        assertEquals(onDense.updates().get(11).after(), onActive.updates().get(11).after());
        INDArray x = data.get(0).getFeatures();
        assertEquals(0.0, TestData.maxAbsDiff(dense.output(x), active.output(x)), 1e-12);
    }

    @Test
    void theDenseGradientIsKeptOnlyOnUpdateSteps() {
        MultiLayerNetwork net = mlp(3, new Adam(1e-2), 0.5);
        List<Boolean> armed = new ArrayList<>();
        PruneRegrowListener pr = PruneRegrowListener.rigl().deltaT(4).endStep(100).build();
        net.setListeners(pr, new BaseTrainingListener() {
            @Override
            public void onGradientCalculation(Model model) {
                // RigL takes the gradient in iterationDone; peek without taking it by looking at update steps only
                armed.add(pr.schedule().isUpdateStep(((MultiLayerNetwork) model).getIterationCount() + 1L));
            }
        });
        fit(net, batches(12, 5));
        assertEquals(List.of(false, false, false, true, false, false, false, true, false, false, false, true), armed);
        assertEquals(3, pr.updates().size());
        // without an armed pass there is nothing to take
        assertNull(((io.github.dl4jsparse.layers.runtime.SparseLinearLayer) sparseLayers(net).get(0)).takeDenseWeightGradient());
    }

    @ParameterizedTest
    @EnumSource(RegrowCriterion.class)
    void reproducibleFromTheNetworkSeed(RegrowCriterion criterion) {
        INDArray a = train(11, criterion, null);
        INDArray b = train(11, criterion, null);
        assertEquals(0.0, TestData.maxAbsDiff(a, b));
        INDArray otherSeed = train(11, criterion, 5L);
        if (criterion == RegrowCriterion.RANDOM) {
            assertNotEquals(0.0, TestData.maxAbsDiff(a, otherSeed), "SET's growth must depend on the seed");
        } else {
            // RigL's choices are deterministic; its seed only breaks exact ties, which real-valued data do not have
            assertEquals(0.0, TestData.maxAbsDiff(a, otherSeed));
        }
    }

    private static INDArray train(long seed, RegrowCriterion criterion, Long listenerSeed) {
        MultiLayerNetwork net = mlp(seed, new Adam(1e-2), 0.8);
        PruneRegrowListener.Builder b = PruneRegrowListener.builder(criterion).deltaT(5).plannedIterations(60);
        if (listenerSeed != null) {
            b.seed(listenerSeed);
        }
        net.setListeners(b.build());
        fit(net, batches(60, 77));
        return net.params().dup();
    }

    @ParameterizedTest
    @EnumSource(RegrowCriterion.class)
    void worksInAComputationGraph(RegrowCriterion criterion) {
        ComputationGraph graph = io.github.dl4jsparse.testutil.Nets.graph(new NeuralNetConfiguration.Builder().seed(5)
                .updater(new Adam(1e-2)).dataType(DataType.DOUBLE), true, 0.6);
        PruneRegrowListener pr = PruneRegrowListener.builder(criterion).deltaT(3).plannedIterations(40).build();
        InvariantChecker checker = new InvariantChecker(pr, graph);
        graph.setListeners(pr, checker);
        List<DataSet> data = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            data.add(TestData.classification(8, io.github.dl4jsparse.testutil.Nets.N_IN,
                    io.github.dl4jsparse.testutil.Nets.CLASSES, i, DataType.DOUBLE));
        }
        fit(graph, data);
        assertEquals(10, pr.updates().size());
        assertEquals(10, checker.checkedUpdates);
        assertTrue(checker.changedConnections > 0);
        assertEquals(List.of("h1", "h2"), pr.updates().get(0).layers().stream().map(LayerUpdate::layer).toList());
    }

    @ParameterizedTest
    @CsvSource({"RANDOM, MLP, AUTO", "GRADIENT, MLP, AUTO", "RANDOM, CNN, DENSE", "GRADIENT, CNN, DENSE",
            "RANDOM, CNN, KERNELS", "GRADIENT, CNN, KERNELS"})
    void checkpointResumeContinuesExactlyLikeAnUninterruptedRun(RegrowCriterion criterion, String kind,
                                                                ProductRoute route, @TempDir File dir)
            throws Exception {
        ProductRoute.setDefault(route);
        java.util.function.Supplier<MultiLayerNetwork> net = () -> kind.equals("CNN")
                ? cnn(9, new Adam(1e-2), 0.75, WeightStorage.AUTO) : mlp(9, new Adam(1e-2), 0.75);
        List<DataSet> data = batches(50, 300);
        // steps 10, 20, 30, 40 update; the split after 19 steps makes the resumed run start on an update step
        for (int split : new int[]{19, 23}) {
            MultiLayerNetwork uninterrupted = net.get();
            uninterrupted.setListeners(listener(criterion));
            fit(uninterrupted, data);

            MultiLayerNetwork first = net.get();
            PruneRegrowListener firstListener = listener(criterion);
            first.setListeners(firstListener);
            fit(first, data.subList(0, split));
            File file = new File(dir, criterion + "-" + split + ".zip");
            ModelSerializer.writeModel(first, file, true);
            firstListener.saveTo(file);

            MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(file, true);
            PruneRegrowListener resumedListener = PruneRegrowListener.restoreFrom(file);
            assertEquals(firstListener.schedule(), resumedListener.schedule());
            assertEquals(firstListener.criterion(), resumedListener.criterion());
            resumed.setListeners(resumedListener);
            fit(resumed, data.subList(split, data.size()));

            assertEquals(uninterrupted.getIterationCount(), resumed.getIterationCount());
            assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.params(), resumed.params()), "params, split " + split);
            assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.getUpdater().getStateViewArray(),
                    resumed.getUpdater().getStateViewArray()), "updater state, split " + split);
            assertFalse(resumedListener.updates().isEmpty());
        }
    }

    private static PruneRegrowListener listener(RegrowCriterion criterion) {
        return PruneRegrowListener.builder(criterion).deltaT(10).plannedIterations(60).build();
    }

    @Test
    void aSecondSaveToTheSameFileAndAnUpdateWithoutProbeAreRefusedNamingTheFix(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = mlp(1, new Adam(1e-2), 0.5);
        PruneRegrowListener rigl = PruneRegrowListener.rigl().deltaT(5).plannedIterations(100).build();
        File file = new File(dir, "twice.zip");
        ModelSerializer.writeModel(net, file, true);
        rigl.saveTo(file);
        long size = file.length();
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> rigl.saveTo(file));
        assertTrue(twice.getMessage().contains("already holds") && twice.getMessage().contains("writeModel"),
                twice.getMessage());
        assertEquals(size, file.length(), "the file is unchanged");
        assertEquals(rigl.schedule(), PruneRegrowListener.restoreFrom(file).schedule());

        IllegalArgumentException noProbe = assertThrows(IllegalArgumentException.class,
                () -> rigl.updateNow(net, 10, null));
        assertTrue(noProbe.getMessage().contains("probe minibatch") && noProbe.getMessage().contains("got null"),
                noProbe.getMessage());
    }

    @Test
    void restoreFromAFileWithoutConfigurationSaysSo(@TempDir File dir) throws Exception {
        File file = new File(dir, "plain.zip");
        ModelSerializer.writeModel(mlp(1, new Adam(1e-2), 0.5), file, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PruneRegrowListener.restoreFrom(file));
        assertTrue(e.getMessage().contains("holds no prune-and-regrow configuration"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SET", "RigL"})
    void aListenerAttachedTwiceIsRefusedBeforeAnythingChanges(String method) {
        MultiLayerNetwork net = mlp(3, new Adam(1e-2), 0.8);
        PruneRegrowListener listener = (method.equals("SET") ? PruneRegrowListener.set() : PruneRegrowListener.rigl())
                .deltaT(1).plannedIterations(10).build();
        net.setListeners(listener);
        net.addListeners(listener);
        INDArray params = net.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(batches(1, 4).get(0)));
        assertTrue(e.getMessage().contains("attached 2 times") && e.getMessage().contains("Attach it once"),
                e.getMessage());
        assertEquals(params, net.params(), "no update and no rewiring");
        net.setListeners(listener);
        net.fit(batches(1, 4).get(0)); // attached once: trains
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SET", "RigL"})
    void aNetworkWithNothingToRewireIsRefusedAtTheFirstStep(String method) {
        MultiLayerNetwork dense = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .dataType(DataType.DOUBLE).list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(10).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(N_IN)).build());
        dense.init();
        PruneRegrowListener listener = (method.equals("SET") ? PruneRegrowListener.set() : PruneRegrowListener.rigl())
                .deltaT(1).plannedIterations(10).build();
        dense.setListeners(listener);
        INDArray params = dense.params().dup();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> dense.fit(batches(1, 4).get(0)));
        assertTrue(e.getMessage().contains("no sparse layer") && e.getMessage().contains("SparseTwin.of"),
                e.getMessage());
        assertEquals(params, dense.params(), "no update");
        assertEquals(0, listener.updates().size());

        MultiLayerNetwork frozen = new org.deeplearning4j.nn.transferlearning.TransferLearning.Builder(
                mlp(3, new Adam(1e-2), 0.8)).setFeatureExtractor(1).build();
        frozen.setListeners((method.equals("SET") ? PruneRegrowListener.set() : PruneRegrowListener.rigl())
                .deltaT(1).plannedIterations(10).build());
        IllegalStateException f = assertThrows(IllegalStateException.class, () -> frozen.fit(batches(1, 4).get(0)));
        assertTrue(f.getMessage().contains("only frozen sparse layers"), f.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"SET", "RigL"})
    void divergenceIsReportedAsDivergenceNamingTheLayerBeforeAnyMaskChanges(String method) {
        MultiLayerNetwork net = mlp(4, new org.nd4j.linalg.learning.config.Sgd(1e200), 0.8);
        net.setListeners((method.equals("SET") ? PruneRegrowListener.set() : PruneRegrowListener.rigl())
                .deltaT(2).plannedIterations(40).build());
        List<DataSet> data = batches(40, 9);
        IllegalStateException e = null;
        List<long[]> positionsBefore = null;
        double[] paramsBefore = null;
        for (int i = 0; i < data.size() && e == null; i++) {
            positionsBefore = io.github.dl4jsparse.layers.runtime.SparseMatrices.inNetwork(net).stream()
                    .map(m -> m.matrix().activePositions()).toList();
            paramsBefore = net.params().toDoubleVector();
            try {
                net.fit(data.get(i));
            } catch (IllegalStateException thrown) {
                e = thrown;
            }
        }
        assertNotNull(e, "a learning rate of 1e200 diverges");
        assertTrue(e.getMessage().contains("training has diverged") && e.getMessage().contains("of layer ")
                && e.getMessage().contains("no mask was changed"), e.getMessage());
        assertArrayEquals(paramsBefore, net.params().toDoubleVector(), "the diverging update was not applied");
        List<long[]> positionsAfter = io.github.dl4jsparse.layers.runtime.SparseMatrices.inNetwork(net).stream()
                .map(m -> m.matrix().activePositions()).toList();
        for (int l = 0; l < positionsAfter.size(); l++) {
            assertArrayEquals(positionsBefore.get(l), positionsAfter.get(l), "masks unchanged by the failed update");
        }
    }

    @Test
    void builderRejectsBadInput() {
        PruneRegrowScheduleTest.assertMessage("state the plan", () -> PruneRegrowListener.set().build());
        PruneRegrowScheduleTest.assertMessage("alpha (the initial drop fraction) must be in (0, 1], got 1.2",
                () -> PruneRegrowListener.set().alpha(1.2).plannedIterations(100).build());
        PruneRegrowScheduleTest.assertMessage("deltaT (steps between updates) must be > 0, got 0",
                () -> PruneRegrowListener.rigl().deltaT(0).plannedIterations(100).build());
        PruneRegrowScheduleTest.assertMessage("end step (tEnd) must be after the begin step 500, got 75",
                () -> PruneRegrowListener.rigl().beginStep(500).plannedIterations(100).build());
        PruneRegrowScheduleTest.assertMessage("plannedIterations must be > 0, got 0", () -> PruneRegrowListener.rigl().plannedIterations(0));
        PruneRegrowScheduleTest.assertMessage("plannedEpochs must be > 0, got -1", () -> PruneRegrowListener.rigl().plannedEpochs(-1, 10));
        PruneRegrowScheduleTest.assertMessage("endFraction must be in (0, 1], got 0.0", () -> PruneRegrowListener.rigl().endFraction(0.0));
        assertThrows(IllegalArgumentException.class, () -> PruneRegrowListener.builder(null));
        // the default deltaT of 100 never comes within 16 iterations (RigL ends at 75% of them: step 12)
        PruneRegrowScheduleTest.assertMessage("the schedule never rewires: its first update would come at step 100 "
                + "(begin 0 + deltaT 100), after its end step (tEnd) 12; use deltaT <= 12",
                () -> PruneRegrowListener.rigl().plannedEpochs(1, 16).build());
        PruneRegrowScheduleTest.assertMessage("the schedule never rewires",
                () -> PruneRegrowListener.set().plannedIterations(20).build());
    }

    @Test
    void defaultsAreRigLs() {
        PruneRegrowListener pr = PruneRegrowListener.rigl().plannedEpochs(10, 400).build();
        assertEquals(new PruneRegrowSchedule(0.3, 100, 0, 3000, PruneRegrowSchedule.Decay.COSINE), pr.schedule());
        assertNull(pr.seed());
        assertNotNull(pr.toString());
        assertTrue(pr.toString().contains("RigL"), pr.toString());
    }

    /** A user-supplied criterion: grows the inactive connections of lowest position (deterministic, no randomness). */
    static final class LowestInactive implements GrowthCriterion {
        int calls;

        @Override
        public long[] grow(GrowthRequest request) {
            calls++;
            long[] out = new long[request.count()];
            int n = 0;
            int c = 0;
            for (long p = 0; n < out.length; p++) {
                while (c < request.active().length && request.active()[c] < p) {
                    c++;
                }
                if (c < request.active().length && request.active()[c] == p) {
                    continue;
                }
                out[n++] = p;
            }
            return out;
        }

        @Override
        public String displayName() {
            return "lowest-inactive";
        }
    }

    @Test
    void aUserSuppliedGrowthCriterionPlugsIn(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = cnn(5, new Adam(1e-2), 0.8, WeightStorage.ACTIVE);
        LowestInactive criterion = new LowestInactive();
        PruneRegrowListener pr = PruneRegrowListener.builder(criterion).deltaT(5).plannedIterations(20).build();
        List<Layer> layers = sparseLayers(net);
        List<long[]> before = new ArrayList<>();
        net.setListeners(pr, new BaseTrainingListener() {
            @Override
            public void onGradientCalculation(Model model) {
                if (pr.schedule().isUpdateStep(((MultiLayerNetwork) model).getIterationCount() + 1L)) {
                    before.clear();
                    layers.forEach(l -> before.add(((io.github.dl4jsparse.layers.runtime.SparseLayer) l).activePositions()));
                }
            }
        });
        fit(net, batches(5, 77));
        assertEquals(1, pr.updates().size());
        assertEquals(3, criterion.calls, "called once per sparse layer (two SparseConv2D, one SparseLinear)");
        for (int i = 0; i < layers.size(); i++) {
            long[] after = ((io.github.dl4jsparse.layers.runtime.SparseLayer) layers.get(i)).activePositions();
            java.util.Set<Long> old = new java.util.HashSet<>();
            for (long p : before.get(i)) {
                old.add(p);
            }
            int grown = 0;
            int lowestNotGrown = Integer.MAX_VALUE;
            for (long p : after) {
                if (!old.contains(p)) {
                    grown++;
                }
            }
            // the grown ones are the lowest inactive positions: every inactive position below the largest grown one was grown
            int expectedGrown = (int) pr.updates().get(0).layers().get(i).grown();
            assertEquals(expectedGrown, grown, "layer " + i);
            long[] expected = criterion.grow(new GrowthRequest("x", null, before.get(i), null, expectedGrown, null, null, 0));
            for (long p : expected) {
                assertTrue(java.util.Arrays.binarySearch(after, p) >= 0, "position " + p + " grown in layer " + i);
            }
        }
        assertEquals(0, SparsityReport.of(net).leaks());
        assertTrue(pr.toString().contains("lowest-inactive"), pr.toString());

        File file = new File(dir, "custom.zip");
        ModelSerializer.writeModel(net, file, true);
        pr.saveTo(file);
        assertTrue(PruneRegrowListener.restoreFrom(file).criterion() instanceof LowestInactive);
    }

    @Test
    void aCriterionThatGrowsActiveConnectionsIsRefusedBeforeAnyLayerChanges() {
        MultiLayerNetwork net = mlp(5, new Adam(1e-2), 0.8);
        // fine for fc1, wrong for fc2: fc1 must not have been rewired either
        GrowthCriterion regrowTheActive = request -> request.layerName().equals("fc1")
                ? RegrowCriterion.RANDOM.grow(request) : java.util.Arrays.copyOf(request.active(), request.count());
        net.setListeners(PruneRegrowListener.builder(regrowTheActive).deltaT(2).plannedIterations(10).build());
        long[] fc1Before = ((io.github.dl4jsparse.layers.runtime.SparseLayer) net.getLayer(0)).activePositions();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> fit(net, batches(2, 3)));
        assertTrue(e.getMessage().contains("layer fc2") && e.getMessage().contains("already active"), e.getMessage());
        assertTrue(java.util.Arrays.equals(fc1Before,
                ((io.github.dl4jsparse.layers.runtime.SparseLayer) net.getLayer(0)).activePositions()), "fc1 unchanged");
        assertEquals(0, SparsityReport.of(net).leaks());
    }

    /** A scheduled update whose drop fraction rounds to no connection in every layer is logged as such, not counted. */
    @Test
    void anUpdateThatMovesNothingIsLoggedAsSuchAndNotCounted() {
        MultiLayerNetwork net = mlp(8, new Adam(1e-2), 0.9); // 48 and 120 active: 0.005 of either is 0 connections
        PruneRegrowListener pr = PruneRegrowListener.set().alpha(0.005).deltaT(2).plannedIterations(20).build();
        net.setListeners(pr);
        fit(net, batches(6, 3));
        assertEquals(3, pr.updates().size(), "one per update step (after iterations 1, 3, 5): " + pr.updates());
        assertTrue(pr.updates().stream().allMatch(MaskUpdate::movedNothing), pr.updates().toString());
        assertEquals(0, pr.updatesThatMoved());
        String logged = pr.updates().get(0).toString(); // the listener logs each update as its toString
        assertTrue(logged.matches("prune-and-regrow after iteration 1: nothing moved \\(drop fraction 0\\.00\\d\\d "
                + "rounds to no connection in any layer\\)"), logged);

        MultiLayerNetwork moving = mlp(8, new Adam(1e-2), 0.9);
        PruneRegrowListener pr2 = PruneRegrowListener.set().alpha(0.3).deltaT(2).plannedIterations(20).build();
        moving.setListeners(pr2);
        fit(moving, batches(6, 3));
        assertEquals(3, pr2.updatesThatMoved());
        assertTrue(pr2.updates().stream().noneMatch(MaskUpdate::movedNothing));
    }

    /** Explored = every connection seen active after some step, counted from the active positions themselves. */
    @Test
    void exploredCountsEveryDistinctConnectionEverActive() {
        for (PruneRegrowListener.Builder builder : List.of(PruneRegrowListener.set(), PruneRegrowListener.rigl())) {
            MultiLayerNetwork net = mlp(8, new Adam(1e-2), 0.9);
            PruneRegrowListener pr = builder.deltaT(2).plannedIterations(40).build();
            net.setListeners(pr);
            List<java.util.Set<Long>> seen = new ArrayList<>();
            for (Layer l : sparseLayers(net)) {
                java.util.Set<Long> s = new java.util.HashSet<>();
                for (long p : ((io.github.dl4jsparse.layers.runtime.SparseLayer) l).activePositions()) {
                    s.add(p);
                }
                seen.add(s);
            }
            long lastExplored = 0;
            for (DataSet ds : batches(40, 9)) {
                net.fit(ds); // one step: the positions change only at update steps, after the step
                for (int i = 0; i < seen.size(); i++) {
                    for (long p : ((io.github.dl4jsparse.layers.runtime.SparseLayer) sparseLayers(net).get(i)).activePositions()) {
                        seen.get(i).add(p);
                    }
                }
                if (!pr.updates().isEmpty()) {
                    MaskUpdate last = pr.updates().get(pr.updates().size() - 1);
                    if (last.iteration() == net.getIterationCount() - 1) {
                        for (int i = 0; i < seen.size(); i++) {
                            LayerUpdate u = last.layers().get(i);
                            assertEquals(seen.get(i).size(), u.explored(), pr.criterion().displayName() + " " + u);
                            assertTrue(u.explored() >= u.activeConnections());
                            assertEquals(((io.github.dl4jsparse.layers.runtime.SparseLayer) sparseLayers(net).get(i))
                                    .sparseConfig().connections(), u.connections());
                        }
                        assertTrue(last.layers().get(0).explored() >= lastExplored, "explored never falls");
                        lastExplored = last.layers().get(0).explored();
                    }
                }
            }
            assertEquals(15, pr.updates().size(), "updates at steps 2, 4, ..., 30 (75% of 40)");
            MaskUpdate last = pr.updates().get(pr.updates().size() - 1);
            assertTrue(last.layers().get(0).explored() > last.layers().get(0).activeConnections() * 3 / 2,
                    pr.criterion().displayName() + " explored more than half as many again as are active: " + last);
        }
    }
}
