package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drop criteria, grown-weight initialisers and declared signals as plug-ins; sparse momentum (SNFS) built from them.
 */
class SymmetricPlugInsTest {

    private static MultiLayerNetwork net(String kind, WeightStorage storage) {
        return kind.equals("CNN") ? PruneRegrowListenerTest.cnn(11, new Adam(1e-2), 0.8, storage)
                : PruneRegrowListenerTest.mlp(11, new Adam(1e-2), 0.8, storage);
    }

    private static List<SparseLayer> sparse(Model net) {
        return Layers.sparseLayers(net);
    }

    /** After every step: binary masks, 0 leaks, 0 updater state at inactive positions, the total count unchanged. */
    private static final class Invariants extends BaseTrainingListener {
        private final long total;
        private final long[] perLayer;
        private boolean countsMoved;
        private int steps;

        Invariants(Model net) {
            List<SparseLayer> layers = sparse(net);
            perLayer = new long[layers.size()];
            long t = 0;
            for (int i = 0; i < perLayer.length; i++) {
                perLayer[i] = layers.get(i).activePositions().length;
                t += perLayer[i];
            }
            total = t;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            long t = 0;
            List<SparseLayer> layers = sparse(model);
            for (int i = 0; i < layers.size(); i++) {
                Layer l = (Layer) layers.get(i);
                INDArray m = Layers.mask(l);
                long ones = m.sumNumber().longValue();
                assertEquals(m.length(), m.eq(0.0).castTo(DataType.INT32).sumNumber().longValue() + ones, "mask not binary");
                assertEquals(ones, layers.get(i).activePositions().length);
                assertEquals(0.0, Layers.weights(l).mul(m.rsub(1.0)).amaxNumber().doubleValue(), "leak in layer " + i);
                INDArray inactive = Layers.maskByPosition(l).rsub(1.0);
                for (INDArray state : PruneRegrowListenerTest.denseStates(model, l)) {
                    assertEquals(0.0, state.mul(inactive).amaxNumber().doubleValue(), "stale updater state, layer " + i);
                }
                countsMoved |= ones != perLayer[i];
                t += ones;
            }
            assertEquals(total, t, "total active connections after iteration " + iteration);
            assertEquals(0, SparsityReport.of(model).leaks());
            steps++;
        }
    }

    private static void fit(MultiLayerNetwork net, List<DataSet> data) {
        data.forEach(net::fit);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"MLP", "CNN"})
    void sparseMomentumMovesConnectionsBetweenLayersWithExactTotals(String kind) {
        MultiLayerNetwork net = net(kind, WeightStorage.DENSE);
        PruneRegrowListener snfs = PruneRegrowListener.snfs().deltaT(5).plannedIterations(60).alpha(0.5).build();
        Invariants invariants = new Invariants(net);
        net.setListeners(snfs, invariants);
        fit(net, PruneRegrowListenerTest.batches(60, 1));
        assertEquals(60, invariants.steps);
        assertEquals(9, snfs.updates().size()); // steps 5..45 = 75% of 60
        assertTrue(invariants.countsMoved, "redistribution moved no connection between layers");
        for (MaskUpdate u : snfs.updates()) {
            assertEquals(u.dropped(), u.grown(), "as many grown as dropped over all layers");
        }
        assertTrue(snfs.toString().contains("SNFS with MOMENTUM redistribution"), snfs.toString());
    }

    @ParameterizedTest(name = "{0}, {1} storage")
    @CsvSource({"MLP, ACTIVE", "MLP, DENSE", "CNN, ACTIVE", "CNN, DENSE"})
    void sparseMomentumGrowsWhereTheMomentumOfInactiveConnectionsIsLargest(String kind, WeightStorage storage) {
        MultiLayerNetwork net = net(kind, storage);
        java.util.Map<String, double[]> momentumSeen = new java.util.HashMap<>();
        java.util.Map<String, long[]> activeSeen = new java.util.HashMap<>();
        GrowthCriterion recording = new GrowthCriterion() {
            @Override
            public Set<Signal> signals() {
                return Set.of(Signal.GRADIENT_MOMENTUM);
            }

            @Override
            public long[] grow(GrowthRequest request) {
                momentumSeen.put(request.layerName(), request.signals().gradientMomentum().clone());
                activeSeen.put(request.layerName(), request.active().clone());
                return new MomentumGrowth().grow(request);
            }
        };
        PruneRegrowListener pr = PruneRegrowListener.builder(recording).deltaT(4).plannedIterations(8).build();
        Invariants invariants = new Invariants(net);
        net.setListeners(pr, invariants);
        fit(net, PruneRegrowListenerTest.batches(5, 2));
        assertEquals(1, pr.updates().size());
        assertFalse(invariants.countsMoved, "without redistribution every layer keeps its count");
        List<SparseLayer> layers = sparse(net);
        assertFalse(momentumSeen.isEmpty());
        for (int i = 0; i < layers.size(); i++) {
            String name = ((Layer) layers.get(i)).conf().getLayer().getLayerName();
            if (!momentumSeen.containsKey(name)) {
                continue; // its drop fraction rounded to no connection
            }
            double[] m = momentumSeen.get(name);
            long[] before = activeSeen.get(name);
            long[] after = layers.get(i).activePositions();
            double smallestGrown = Double.MAX_VALUE;
            double largestNotGrown = 0;
            for (int p = 0; p < m.length; p++) {
                boolean wasActive = Arrays.binarySearch(before, p) >= 0;
                if (wasActive) {
                    continue;
                }
                if (Arrays.binarySearch(after, p) >= 0) {
                    smallestGrown = Math.min(smallestGrown, Math.abs(m[p]));
                } else {
                    largestNotGrown = Math.max(largestNotGrown, Math.abs(m[p]));
                }
            }
            assertTrue(smallestGrown >= largestNotGrown, "layer " + i + ": grown " + smallestGrown + " < " + largestNotGrown);
            assertTrue(largestNotGrown > 0, "momentum gathered at inactive positions");
        }
    }

    @Test
    void redistributionIsRefusedOnActiveStorageNamingTheFix() {
        MultiLayerNetwork net = net("MLP", WeightStorage.ACTIVE);
        net.setListeners(PruneRegrowListener.snfs().deltaT(2).plannedIterations(10).build());
        long[] before = sparse(net).get(0).activePositions();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fit(net, PruneRegrowListenerTest.batches(1, 3)));
        assertTrue(e.getMessage().contains(".storage(WeightStorage.DENSE)") && e.getMessage().contains("fc1"), e.getMessage());
        assertArrayEquals(before, sparse(net).get(0).activePositions());
    }

    @Test
    void momentumCannotBeReadByATrainerThatCallsTheListenerOncePerUpdate() {
        MultiLayerNetwork net = net("MLP", WeightStorage.DENSE);
        PruneRegrowListener snfs = PruneRegrowListener.snfs().deltaT(2).plannedIterations(10).build().takenOverByTrainer();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> snfs.updateNow(net, 1, PruneRegrowListenerTest.batches(1, 3).get(0)));
        assertTrue(e.getMessage().contains("PruneRegrowListener.rigl()"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}, split {1}")
    @CsvSource({"MLP, 9", "MLP, 12", "CNN, 12"})
    void sparseMomentumResumesBitIdenticallyFromACheckpoint(String kind, int split, @TempDir File dir) throws Exception {
        Supplier<PruneRegrowListener> listener = () -> PruneRegrowListener.snfs().deltaT(5).plannedIterations(30).build();
        List<DataSet> data = PruneRegrowListenerTest.batches(30, 40);
        MultiLayerNetwork uninterrupted = net(kind, WeightStorage.DENSE);
        uninterrupted.setListeners(listener.get());
        fit(uninterrupted, data);

        MultiLayerNetwork first = net(kind, WeightStorage.DENSE);
        PruneRegrowListener firstListener = listener.get();
        first.setListeners(firstListener);
        fit(first, data.subList(0, split));
        File file = new File(dir, "snfs.zip");
        ModelSerializer.writeModel(first, file, true);
        firstListener.saveTo(file);

        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(file, true);
        PruneRegrowListener resumedListener = PruneRegrowListener.restoreFrom(file);
        assertEquals(Redistribution.MOMENTUM, resumedListener.redistribution());
        resumed.setListeners(resumedListener);
        fit(resumed, data.subList(split, data.size()));
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.params(), resumed.params()));
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.getUpdater().getStateViewArray(),
                resumed.getUpdater().getStateViewArray()));
    }

    // ------------------------------------------------------------------------------------------------------------
    // A user's drop criterion, growth criterion and grown-weight initialiser

    /** Drops the active connections of largest |W| (the opposite of magnitude pruning): a choice the test can see. */
    static final class DropLargest implements DropCriterion {
        private static final long serialVersionUID = 1L;

        @Override
        public Set<Signal> signals() {
            return Set.of(Signal.UPDATER_STATE);
        }

        @Override
        public long[] drop(DropRequest request) {
            if (request.signals().updaterState().isEmpty()
                    || request.signals().updaterState().values().iterator().next().length != request.active().length) {
                throw new AssertionError("updater state at the active positions not delivered");
            }
            Integer[] slots = new Integer[request.active().length];
            for (int s = 0; s < slots.length; s++) {
                slots[s] = s;
            }
            double[] w = request.activeValues();
            Arrays.sort(slots, (a, b) -> a.equals(b) ? 0 : Math.abs(w[b]) != Math.abs(w[a])
                    ? Double.compare(Math.abs(w[b]), Math.abs(w[a])) : Integer.compare(a, b));
            long[] out = new long[request.count()];
            for (int t = 0; t < out.length; t++) {
                out[t] = request.active()[slots[t]];
            }
            Arrays.sort(out);
            return out;
        }

        @Override
        public String displayName() {
            return "largest-first";
        }
    }

    /** Grows the inactive connections of highest position. */
    static final class HighestInactive implements GrowthCriterion {
        private static final long serialVersionUID = 1L;

        @Override
        public long[] grow(GrowthRequest request) {
            long[] out = new long[request.count()];
            int n = out.length;
            for (long p = request.connections() - 1; p >= 0 && n > 0; p--) {
                if (Arrays.binarySearch(request.active(), p) < 0) {
                    out[--n] = p;
                }
            }
            return out;
        }
    }

    /** Grown connections start at 0.01 · (1 + position % 3). */
    static final class SmallPositive implements GrownWeights {
        private static final long serialVersionUID = 1L;

        @Override
        public double[] initialWeights(GrowthRequest request, long[] grown) {
            double[] v = new double[grown.length];
            for (int t = 0; t < v.length; t++) {
                v[t] = 0.01 * (1 + grown[t] % 3);
            }
            return v;
        }
    }

    private static PruneRegrowListener userListener() {
        return PruneRegrowListener.builder(new HighestInactive()).drop(new DropLargest())
                .grownWeights(new SmallPositive()).deltaT(5).plannedIterations(30).build();
    }

    @ParameterizedTest(name = "{0}, {1} storage")
    @CsvSource({"MLP, DENSE", "MLP, ACTIVE", "CNN, DENSE", "CNN, ACTIVE"})
    void userDropGrowthAndInitialWeightsPlugIn(String kind, WeightStorage storage) {
        MultiLayerNetwork net = net(kind, storage);
        PruneRegrowListener pr = userListener();
        List<long[]> before = new ArrayList<>();
        List<double[]> valuesBefore = new ArrayList<>();
        Invariants invariants = new Invariants(net);
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (iteration == 4) { // the update after iteration 4 comes next, in the listener after this one
                    sparse(model).forEach(l -> {
                        before.add(l.activePositions());
                        valuesBefore.add(l.activeValues());
                    });
                }
            }
        }, pr, invariants);
        fit(net, PruneRegrowListenerTest.batches(5, 4));
        assertEquals(1, pr.updates().size());
        assertFalse(invariants.countsMoved);
        List<SparseLayer> layers = sparse(net);
        for (int i = 0; i < layers.size(); i++) {
            LayerUpdate lu = pr.updates().get(0).layers().get(i);
            long[] after = layers.get(i).activePositions();
            double[] afterValues = layers.get(i).activeValues();
            assertTrue(lu.dropped() > 0);
            // the highest inactive positions grew, starting at SmallPositive's values
            long[] highest = new HighestInactive().grow(new GrowthRequest("x", layers.get(i).sparseConfig(),
                    before.get(i), null, (int) lu.grown(), null, null, 0));
            for (long p : highest) {
                int slot = Arrays.binarySearch(after, p);
                assertTrue(slot >= 0, "grown " + p);
                assertEquals(0.01 * (1 + p % 3), afterValues[slot], 0.0, "starting weight of " + p);
            }
            // the dropped are exactly the largest |W| that DropLargest picks from the weights it was given
            long[] expectedDropped = new DropLargest().drop(new DropRequest("x", layers.get(i).sparseConfig(),
                    before.get(i), valuesBefore.get(i), (int) lu.dropped(),
                    new LayerSignals(null, null, java.util.Map.of("M", new double[before.get(i).length])), null, 0));
            List<Long> dropped = new ArrayList<>();
            for (long p : before.get(i)) {
                if (Arrays.binarySearch(after, p) < 0) {
                    dropped.add(p);
                }
            }
            assertArrayEquals(expectedDropped, dropped.stream().mapToLong(Long::longValue).toArray(), "layer " + i);
        }
    }

    @Test
    void userCriteriaAreSavedAndResumeBitIdentically(@TempDir File dir) throws Exception {
        List<DataSet> data = PruneRegrowListenerTest.batches(30, 50);
        MultiLayerNetwork uninterrupted = net("MLP", WeightStorage.ACTIVE);
        uninterrupted.setListeners(userListener());
        fit(uninterrupted, data);

        MultiLayerNetwork first = net("MLP", WeightStorage.ACTIVE);
        PruneRegrowListener firstListener = userListener();
        first.setListeners(firstListener);
        fit(first, data.subList(0, 13));
        File file = new File(dir, "user.zip");
        ModelSerializer.writeModel(first, file, true);
        firstListener.saveTo(file);
        PruneRegrowListener restored = PruneRegrowListener.restoreFrom(file);
        assertTrue(restored.criterion() instanceof HighestInactive);
        assertTrue(restored.dropCriterion() instanceof DropLargest);
        assertTrue(restored.grownWeights() instanceof SmallPositive);
        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(file, true);
        resumed.setListeners(restored);
        fit(resumed, data.subList(13, data.size()));
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.params(), resumed.params()));
        assertNotEquals(0, restored.updates().size());
    }

    @Test
    void aDropCriterionThatDropsAnInactiveConnectionIsRefusedBeforeAnyLayerChanges() {
        MultiLayerNetwork net = net("MLP", WeightStorage.ACTIVE);
        DropCriterion wrong = request -> {
            long[] out = new long[request.count()];
            for (int t = 0, p = 0; t < out.length; p++) { // the lowest inactive positions
                if (Arrays.binarySearch(request.active(), p) < 0) {
                    out[t++] = p;
                }
            }
            return out;
        };
        net.setListeners(PruneRegrowListener.set().drop(wrong).deltaT(2).plannedIterations(10).build());
        long[] before = sparse(net).get(0).activePositions();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fit(net, PruneRegrowListenerTest.batches(2, 3)));
        assertTrue(e.getMessage().contains("layer fc1") && e.getMessage().contains("is not active"), e.getMessage());
        assertArrayEquals(before, sparse(net).get(0).activePositions());
    }

    @Test
    void nonFiniteGrownWeightsAreRefused() {
        MultiLayerNetwork net = net("MLP", WeightStorage.ACTIVE);
        net.setListeners(PruneRegrowListener.set().grownWeights((request, grown) -> {
            double[] v = new double[grown.length];
            v[0] = Double.NaN;
            return v;
        }).deltaT(2).plannedIterations(10).build());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> fit(net, PruneRegrowListenerTest.batches(2, 3)));
        assertTrue(e.getMessage().contains("must be finite"), e.getMessage());
    }

    @Test
    void builderRejectsNullPlugIns() {
        assertThrows(IllegalArgumentException.class, () -> PruneRegrowListener.set().drop(null));
        assertThrows(IllegalArgumentException.class, () -> PruneRegrowListener.set().grownWeights(null));
        assertThrows(IllegalArgumentException.class, () -> PruneRegrowListener.set().redistribution(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PruneRegrowListener.set().momentum(1.0));
        assertTrue(e.getMessage().contains("momentum (beta) must be in (0, 1), got 1.0"), e.getMessage());
    }

    @Test
    void builtInsDeclareTheirSignals() {
        assertEquals(Set.of(), RegrowCriterion.RANDOM.signals());
        assertEquals(Set.of(Signal.DENSE_GRADIENT), RegrowCriterion.GRADIENT.signals());
        assertEquals(Set.of(Signal.GRADIENT_MOMENTUM), new MomentumGrowth().signals());
        assertEquals(Set.of(), DropCriterion.MAGNITUDE.signals());
    }

    // ------------------------------------------------------------------------------------------------------------

    @Test
    void redistributionSplitsInProportionWithExactTotals() {
        assertArrayEquals(new int[]{30, 10}, MomentumRedistribution.growCounts(List.of(3.0, 1.0), new long[]{100, 100}, 40));
        // the first layer can take only 5: the rest goes to the others, in proportion
        assertArrayEquals(new int[]{5, 21, 14}, MomentumRedistribution.growCounts(List.of(10.0, 3.0, 2.0),
                new long[]{5, 100, 100}, 40));
        // equal shares when no layer has momentum; largest remainders go to the earlier layer
        assertArrayEquals(new int[]{4, 3, 3}, MomentumRedistribution.growCounts(List.of(0.0, 0.0, 0.0),
                new long[]{10, 10, 10}, 10));
        int[] counts = MomentumRedistribution.growCounts(List.of(0.7, 0.2, 0.1), new long[]{3, 4, 1000}, 77);
        assertEquals(77, Arrays.stream(counts).sum());
        assertTrue(counts[0] <= 3 && counts[1] <= 4);
        assertThrows(IllegalArgumentException.class, () -> MomentumRedistribution.growCounts(List.of(1.0), new long[]{3}, 4));
        assertThrows(IllegalArgumentException.class, () -> MomentumRedistribution.growCounts(List.of(Double.NaN), new long[]{3}, 1));
    }
}
