package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.MatrixParamKeys;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fault injection: a NaN, +Inf or −Inf put into the minibatch's features or labels, an active weight, a masked weight
 * (dense storage) or the updater's state, at a random step of SET, RigL, sparse momentum (SNFS) and gradual magnitude
 * pruning training, on both storages where the method takes them (SNFS's redistribution and GMP change counts, which
 * only dense storage allows). Each fault must end in one of two ways, never silently:
 * <ul>
 *     <li><b>refused</b>: the {@code fit} of that step throws an exception that says NaN or infinite, before any
 *     state changes: the parameters and every mask are those from just before that {@code fit};</li>
 *     <li><b>harmless</b>: training ends with the parameters of the fault-free run, equal as numbers (a masked weight,
 *     which computes as 0 whatever is stored, and is stored as 0 by the next training pass; where the fault-free run
 *     holds −0.0 there, the repaired one holds +0.0).</li>
 * </ul>
 * Three random steps per combination: 252 faults.
 */
class FaultInjectionTest {

    private static final int STEPS = 8;
    private static final double[] VALUES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    private static final AtomicInteger REFUSED = new AtomicInteger();
    private static final AtomicInteger HARMLESS = new AtomicInteger();

    enum Method { SET, RIGL, SNFS, GMP }

    enum Site { FEATURES, LABELS, ACTIVE_WEIGHT, MASKED_WEIGHT, UPDATER_STATE }

    private static TrainingListener listener(Method method) {
        return switch (method) {
            case SET -> PruneRegrowListener.set().deltaT(2).plannedIterations(12).build();
            case RIGL -> PruneRegrowListener.rigl().deltaT(2).plannedIterations(12).build();
            case SNFS -> PruneRegrowListener.snfs().deltaT(2).plannedIterations(12).build();
            case GMP -> GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.0, 0.8, 1, STEPS, 1)).build();
        };
    }

    private static MultiLayerNetwork net(Method method, WeightStorage storage) {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(21, new Adam(1e-2), method == Method.GMP ? 0.0 : 0.7,
                storage);
        net.setListeners(listener(method));
        return net;
    }

    @TestFactory
    Stream<DynamicTest> everyInjectedFaultIsRefusedOrHarmless() {
        List<DynamicTest> tests = new ArrayList<>();
        Random random = new Random(2026);
        for (Method method : Method.values()) {
            for (WeightStorage storage : new WeightStorage[]{WeightStorage.DENSE, WeightStorage.ACTIVE}) {
                if (storage == WeightStorage.ACTIVE && (method == Method.SNFS || method == Method.GMP)) {
                    continue; // both change layers' counts: refused on active storage at the first step, by design
                }
                for (Site site : Site.values()) {
                    if (site == Site.MASKED_WEIGHT && storage == WeightStorage.ACTIVE) {
                        continue; // active storage keeps no masked positions
                    }
                    for (double value : VALUES) {
                        for (int k = 0; k < 3; k++) {
                            int step = site == Site.UPDATER_STATE ? 2 + random.nextInt(STEPS - 2) : random.nextInt(STEPS);
                            long seed = random.nextLong();
                            tests.add(DynamicTest.dynamicTest(method + " " + storage + " " + site + " " + value
                                    + " at step " + step, () -> inject(method, storage, site, value, step, seed)));
                        }
                    }
                }
            }
        }
        assertEquals(252, tests.size(), "faults injected");
        return tests.stream();
    }

    @AfterAll
    static void summary() {
        System.out.printf("Fault injection: %d faults, %d refused before any state changed, %d harmless (the "
                + "fault-free run's parameters as numbers), 0 silent%n", REFUSED.get() + HARMLESS.get(), REFUSED.get(),
                HARMLESS.get());
    }

    private static void inject(Method method, WeightStorage storage, Site site, double value, int step, long seed) {
        List<DataSet> data = PruneRegrowListenerTest.batches(STEPS, 40);
        MultiLayerNetwork faulty = net(method, storage);
        Random random = new Random(seed);
        for (int s = 0; s < STEPS; s++) {
            DataSet batch = data.get(s);
            if (s == step) {
                batch = corrupt(faulty, batch, site, value, random);
            }
            INDArray paramsBefore = faulty.params().dup();
            List<long[]> masksBefore = masks(faulty);
            try {
                faulty.fit(batch);
            } catch (RuntimeException e) {
                assertEquals(step, s, "refused at the faulty step, not later: " + e.getMessage());
                assertTrue(e.getMessage().contains("NaN or infinite"), "the message says what: " + e.getMessage());
                assertArrayEquals(paramsBefore.toDoubleVector(), faulty.params().toDoubleVector(),
                        "no parameter changed: " + e.getMessage());
                List<long[]> masksAfter = masks(faulty);
                for (int l = 0; l < masksAfter.size(); l++) {
                    assertArrayEquals(masksBefore.get(l), masksAfter.get(l), "no mask changed");
                }
                REFUSED.incrementAndGet();
                return;
            }
        }
        MultiLayerNetwork clean = net(method, storage);
        data.forEach(clean::fit);
        if (!sameValues(clean.params().toDoubleVector(), faulty.params().toDoubleVector())) {
            fail(site + " " + value + " at step " + step + " was neither refused nor harmless: training ended with "
                    + "other parameters than the fault-free run's (silent corruption)");
        }
        assertEquals(0, SparsityReport.of(faulty).leaks(), "no masked position holds a value");
        HARMLESS.incrementAndGet();
    }

    /** Puts {@code value} at one random place of {@code site}; returns the minibatch to train on. */
    private static DataSet corrupt(MultiLayerNetwork net, DataSet batch, Site site, double value, Random random) {
        switch (site) {
            case FEATURES, LABELS -> {
                DataSet copy = batch.copy();
                INDArray a = site == Site.FEATURES ? copy.getFeatures() : copy.getLabels();
                a.putScalar(random.nextInt((int) a.length()), value);
                return copy;
            }
            case ACTIVE_WEIGHT, MASKED_WEIGHT -> {
                Layer layer = net.getLayer(random.nextInt(2));
                SparseLayer matrix = SparseMatrices.of(layer).get(0);
                MatrixParamKeys keys = matrix.sparseConfig().paramKeys();
                if (matrix.sparseConfig().resolvedStorage() == WeightStorage.ACTIVE) {
                    INDArray values = layer.getParam(keys.activeWeight());
                    values.putScalar(random.nextInt((int) values.length()), value);
                } else {
                    INDArray w = layer.getParam(keys.weight());
                    INDArray m = layer.getParam(keys.mask());
                    double wanted = site == Site.ACTIVE_WEIGHT ? 1.0 : 0.0;
                    List<Long> candidates = new ArrayList<>();
                    for (long i = 0; i < m.length(); i++) {
                        if (m.getDouble(i) == wanted) {
                            candidates.add(i);
                        }
                    }
                    if (candidates.isEmpty()) { // GMP at sparsity 0 before its first pruning: nothing masked yet
                        candidates.add((long) random.nextInt((int) m.length()));
                    }
                    w.putScalar(candidates.get(random.nextInt(candidates.size())), value);
                }
                return batch;
            }
            case UPDATER_STATE -> {
                INDArray state = ((BaseMultiLayerUpdater<?>) net.getUpdater(false)).getStateViewArray();
                state.putScalar(random.nextInt((int) state.length()), value);
                return batch;
            }
            default -> throw new IllegalArgumentException(site.toString());
        }
    }

    /** Equal as numbers: a repaired masked position holds +0.0 where the fault-free run may hold −0.0. */
    private static boolean sameValues(double[] a, double[] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static List<long[]> masks(MultiLayerNetwork net) {
        return SparseMatrices.inNetwork(net).stream().map(m -> m.matrix().activePositions()).toList();
    }
}
