package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.PositionIndex;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's {@code ParallelWrapper} (parameter averaging): static masks stay exact; a {@link PruneRegrowListener} or
 * {@link GradualMagnitudePruning}, which ParallelWrapper would hand to every worker, is refused with a clear error
 * instead of silently mixing connections.
 */
class ParallelWrapperTest {

    private static ParallelWrapper wrapper(MultiLayerNetwork net) {
        return new ParallelWrapper.Builder<>(net).workers(3).averagingFrequency(4).prefetchBuffer(0).build();
    }

    @Test
    void staticMasksStayExactUnderParameterAveraging() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.9, WeightStorage.ACTIVE);
        List<INDArray> before = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY) != null) {
                before.add(l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY).dup());
            }
        }
        INDArray params = net.params().dup();
        List<DataSet> data = PruneRegrowListenerTest.batches(24, 5);
        ParallelWrapper pw = wrapper(net);
        pw.fit(new ListDataSetIterator<>(data, 1));
        pw.fit(new ListDataSetIterator<>(data, 1));
        pw.shutdown();

        assertNotEquals(params, net.params(), "the network trained");
        int i = 0;
        for (Layer l : net.getLayers()) {
            INDArray index = l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
            if (index != null) {
                SparseLayerConfig conf = (SparseLayerConfig) l.conf().getLayer();
                PositionIndex.requireValid("after", "activeIndex", index, conf.connectionRows(), conf.connectionColumns());
                assertEquals(before.get(i++), index, "positions unchanged");
            }
        }
        SparsityReport report = SparsityReport.of(net);
        assertEquals(0, report.leaks());
        report.layers().forEach(l -> assertEquals(Math.round(0.9 * l.connections()), l.maskZeros(), l.name()));
    }

    /**
     * Trains {@code net} under ParallelWrapper, which must fail.
     *
     * @return the message of the IllegalStateException about ParallelWrapper found among the failure's causes
     */
    private static String refusalOfParallelFit(MultiLayerNetwork net) {
        ParallelWrapper pw = wrapper(net);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> pw.fit(new ListDataSetIterator<>(PruneRegrowListenerTest.batches(24, 6), 1)));
        Throwable cause = e;
        while (cause != null && !(cause instanceof IllegalStateException && cause.getMessage() != null
                && cause.getMessage().contains("ParallelWrapper"))) {
            cause = cause.getCause();
        }
        assertTrue(cause != null, "the error says what happened: " + e);
        try {
            pw.shutdown();
        } catch (RuntimeException ignored) {
            // the workers already stopped on the error
        }
        return cause.getMessage();
    }

    @Test
    void aPruneRegrowListenerSharedByTheWorkersIsRefused() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.9, WeightStorage.ACTIVE);
        net.setListeners(PruneRegrowListener.rigl().deltaT(4).plannedIterations(40).build());
        List<INDArray> before = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY) != null) {
                before.add(l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY).dup());
            }
        }
        String message = refusalOfParallelFit(net);
        assertTrue(message.contains("runs in a ParallelWrapper worker")
                && message.contains("ParallelPruneRegrow.builder(net, listener)"), message);
        for (Layer l : net.getLayers()) {
            INDArray index = l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
            if (index != null) {
                SparseLayerConfig conf = (SparseLayerConfig) l.conf().getLayer();
                PositionIndex.requireValid("after", "activeIndex", index, conf.connectionRows(), conf.connectionColumns());
                assertEquals(before.remove(0), index, "refused at the first step: nothing rewired");
            }
        }
    }

    @Test
    void gradualMagnitudePruningSharedByTheWorkersIsRefusedBeforeItPrunes() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.0, WeightStorage.DENSE);
        net.setListeners(GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.0, 0.9, 0, 12, 1)).build());
        List<INDArray> masks = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l.getParam(SparseLayerConfig.WEIGHT_MASK_KEY) != null) {
                masks.add(l.getParam(SparseLayerConfig.WEIGHT_MASK_KEY).dup());
            }
        }
        String message = refusalOfParallelFit(net);
        assertTrue(message.contains("GradualMagnitudePruning runs in a ParallelWrapper worker")
                && message.contains("GradualMagnitudePruning.toActiveStorage(net)"), message);
        for (Layer l : net.getLayers()) {
            if (l.getParam(SparseLayerConfig.WEIGHT_MASK_KEY) != null) {
                assertEquals(masks.remove(0), l.getParam(SparseLayerConfig.WEIGHT_MASK_KEY), "nothing pruned");
            }
        }
        SparsityReport report = SparsityReport.of(net);
        assertEquals(report.connections(), report.activeConnections(), "nothing pruned");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"SET", "RigL", "RigL-ERK"})
    void parallelPruneRegrowKeepsTheSingleWorkerGuarantees(String method) {
        MultiLayerNetwork net;
        if (method.equals("RigL-ERK")) {
            org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = io.github.dl4jsparse.models.SparseMlp.of(
                    new int[]{12, 40, 30, 4}, new double[]{0.9, 0.9, 0.9}, 3, new Adam(1e-2));
            io.github.dl4jsparse.distribution.SparsityDistribution.erk(0.9).build().applyTo(conf);
            net = new MultiLayerNetwork(conf);
            net.init();
        } else {
            net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.9, WeightStorage.ACTIVE);
        }
        List<Layer> sparse = new ArrayList<>();
        List<long[]> initial = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof io.github.dl4jsparse.layers.runtime.SparseLayer s) {
                sparse.add(l);
                initial.add(s.activePositions());
            }
        }
        List<Long> counts = sparse.stream().map(l -> ((SparseLayerConfig) l.conf().getLayer()).activeConnections()).toList();
        // 3 workers, 24 minibatches an epoch: 8 global steps an epoch, 5 epochs = 40 steps; updates every 4 until 30
        PruneRegrowListener listener = PruneRegrowListener.builder(method.equals("SET") ? RegrowCriterion.RANDOM
                : RegrowCriterion.GRADIENT).deltaT(4).plannedIterations(40).alpha(0.5).build();
        ParallelPruneRegrow trainer = ParallelPruneRegrow.builder(net, listener).workers(3).averagingFrequency(4).build();
        if (method.equals("RigL-ERK")) {
            // one call per epoch (8 steps each, stretches cut at epoch ends), as a runner evaluating per epoch does
            ListDataSetIterator<DataSet> data = new ListDataSetIterator<>(PruneRegrowListenerTest.batches(24, 8), 1);
            for (int e = 0; e < 5; e++) {
                data.reset();
                trainer.fit(data, 1);
            }
        } else {
            trainer.fit(new ListDataSetIterator<>(PruneRegrowListenerTest.batches(24, 8), 1), 5);
        }

        assertEquals(40, net.getIterationCount(), "global steps");
        assertEquals(5, net.getEpochCount());
        assertEquals(7, listener.updates().size(), "updates at steps 4, 8, ..., 28");
        long changed = 0;
        for (int i = 0; i < sparse.size(); i++) {
            Layer l = sparse.get(i);
            io.github.dl4jsparse.layers.runtime.SparseLayer s = (io.github.dl4jsparse.layers.runtime.SparseLayer) l;
            SparseLayerConfig conf = s.sparseConfig();
            INDArray index = l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
            if (index != null) {
                PositionIndex.requireValid(conf.getLayerName(), "activeIndex", index, conf.connectionRows(), conf.connectionColumns());
            }
            long[] now = s.activePositions();
            assertEquals((long) counts.get(i), now.length, "exact count of " + conf.getLayerName());
            java.util.Set<Long> before = new java.util.HashSet<>();
            for (long p : initial.get(i)) {
                before.add(p);
            }
            for (long p : now) {
                if (!before.contains(p)) {
                    changed++;
                }
            }
            INDArray inactive = io.github.dl4jsparse.testutil.Layers.maskByPosition(l).rsub(1.0);
            for (INDArray state : PruneRegrowListenerTest.denseStates(net, l)) {
                assertEquals(0.0, state.mul(inactive).amaxNumber().doubleValue(), "updater state at inactive positions");
            }
        }
        assertTrue(changed > 0, "masks changed");
        assertEquals(0, SparsityReport.of(net).leaks());
        System.out.printf("ParallelPruneRegrow %s, 3 workers, averaging every 4: %d updates, %d connections moved, "
                + "0 leaks, exact counts%n", method, listener.updates().size(), changed);
    }

    @Test
    void parallelPruneRegrowRefusesAnAttachedListener() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.9, WeightStorage.ACTIVE);
        PruneRegrowListener listener = PruneRegrowListener.set().deltaT(6).plannedIterations(40).build();
        net.setListeners(listener);
        IllegalStateException attached = assertThrows(IllegalStateException.class,
                () -> ParallelPruneRegrow.builder(net, listener).workers(2).averagingFrequency(2).build()
                        .fit(new ListDataSetIterator<>(PruneRegrowListenerTest.batches(4, 1), 1), 1));
        assertTrue(attached.getMessage().contains("Remove it"), attached.getMessage());
    }

    @Test
    void theScheduleNamesItsNextUpdateStep() {
        PruneRegrowSchedule s = new PruneRegrowSchedule(0.3, 4, 2, 30, PruneRegrowSchedule.Decay.COSINE);
        assertEquals(6, s.nextUpdateStep(0));
        assertEquals(10, s.nextUpdateStep(6));
        assertEquals(10, s.nextUpdateStep(7));
        assertEquals(30, s.nextUpdateStep(26));
        assertEquals(-1, s.nextUpdateStep(30));
        for (long step = 0; step < 40; step++) {
            long next = s.nextUpdateStep(step);
            for (long t = step + 1; t < (next < 0 ? 40 : next); t++) {
                assertTrue(!s.isUpdateStep(t), "no update step between " + step + " and " + next);
            }
            if (next >= 0) {
                assertTrue(s.isUpdateStep(next));
            }
        }
    }
}
