package io.github.dl4jsparse.listeners;

import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.PruneRegrowUpdate;
import io.github.dl4jsparse.stats.SparsityRecord;
import io.github.dl4jsparse.stats.SparsityUpdate;
import io.github.dl4jsparse.testutil.CapturedOutput;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.core.storage.StorageMetaData;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityListenerTest {

    private static final DataSet DATA = TestData.classification(40, Nets.N_IN, Nets.CLASSES, 2, DataType.FLOAT);

    private static MultiLayerNetwork net() {
        return Nets.mlp(new NeuralNetConfiguration.Builder().seed(1), true, 0.75);
    }

    @Test
    void measuresEveryNIterationsAndAtEpochEnd() {
        MultiLayerNetwork net = net();
        SparsityListener listener = new SparsityListener(3);
        net.setListeners(listener);
        assertNull(listener.latest());
        // one epoch of 10 minibatches: iterations 0..9, measured at 0, 3, 6, 9; the epoch's end is iteration 9's state
        net.fit(new ListDataSetIterator<>(DATA.asList(), 4));
        List<SparsityReport> reports = listener.reports();
        assertEquals(List.of(0L, 3L, 6L, 9L), reports.stream().map(SparsityReport::iteration).toList());
        assertEquals(0.75, listener.latest().maskSparsity(), 1e-12);
        assertEquals(0, listener.latest().leaks());
        assertEquals(SparsityReport.of(net).globalLine(), listener.latest().globalLine(), "the last report is the end state");
        assertEquals(SparsityReport.of(net).layerLines(), listener.latest().layerLines());
    }

    /**
     * Labels as DL4J's listeners and UI do: the iteration just done and its epoch. At an epoch's end DL4J has already
     * counted the last iteration, so the report is labelled with it, and is not made twice for the same state.
     */
    @Test
    void anEpochsEndIsLabelledWithItsLastIterationAndNeverTwice() {
        MultiLayerNetwork net = net();
        SparsityListener listener = new SparsityListener(4);
        net.setListeners(listener);
        String log = CapturedOutput.stderr(() -> net.fit(new ListDataSetIterator<>(DATA.asList(), 4), 2));
        // epoch 0: iterations 0..9, measured at 0, 4, 8 and the end (9); epoch 1: 10..19, at 12, 16 and the end (19)
        assertEquals(List.of("0/0", "4/0", "8/0", "9/0", "12/1", "16/1", "19/1"), listener.reports().stream()
                .map(r -> r.iteration() + "/" + r.epoch()).toList());
        assertEquals(20, net.getIterationCount());
        assertTrue(log.contains("iteration 9, epoch 0: global: mask sparsity"), log);
        assertTrue(!log.contains("iteration 10, epoch 0") && !log.contains("iteration 20"), log);

        MultiLayerNetwork aligned = net();
        SparsityListener everyFive = new SparsityListener(5);
        aligned.setListeners(everyFive);
        aligned.fit(new ListDataSetIterator<>(DATA.asList(), 4), 2);
        // the end of epoch 0 (iteration 9) and the report at 10 are different iterations: both kept, labelled apart
        assertEquals(List.of("0/0", "5/0", "9/0", "10/1", "15/1", "19/1"), everyFive.reports().stream()
                .map(r -> r.iteration() + "/" + r.epoch()).toList());
    }

    @Test
    void aReportRelabelledKeepsItsFiguresAndRefusesNegativeLabels() {
        MultiLayerNetwork net = net();
        net.fit(DATA);
        SparsityReport report = SparsityReport.of(net);
        SparsityReport relabelled = report.labelled(7, 2);
        assertEquals(7, relabelled.iteration());
        assertEquals(2, relabelled.epoch());
        assertEquals(report.globalLine(), relabelled.globalLine());
        assertEquals(report.layerLines(), relabelled.layerLines());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> report.labelled(-1, 0));
        assertEquals("iteration and epoch must be >= 0, got iteration -1, epoch 0", e.getMessage());
    }

    @Test
    void keepsOnlyTheLastReports() {
        MultiLayerNetwork net = net();
        SparsityListener listener = new SparsityListener(1, 4);
        net.setListeners(listener);
        for (int i = 0; i < 25; i++) {
            net.fit(DATA);
        }
        assertEquals(4, listener.reports().size());
        // iterationDone runs before DL4J counts the iteration: the last one measured is the 25th, index 24
        assertEquals(24, listener.latest().iteration());
        assertEquals(25, net.getIterationCount());
        assertTrue(listener.reports().get(0).iteration() < listener.latest().iteration(), "oldest first");
    }

    @Test
    void logsOneLinePerLayerAndAGlobalLine() {
        String log = CapturedOutput.stderr(() -> {
            MultiLayerNetwork net = net();
            net.setListeners(new SparsityListener(1));
            net.fit(DATA);
        });
        assertTrue(log.contains("layer layer0 [5x8]: mask sparsity 0.7500"), log);
        assertTrue(log.contains("layer layer1 [8x6]: mask sparsity 0.7500"), log);
        assertTrue(log.contains("global: mask sparsity 0.7500"), log);
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparsityListener(0));
        assertTrue(e.getMessage().contains("frequency") && e.getMessage().contains("0"));
        e = assertThrows(IllegalArgumentException.class, () -> new SparsityListener(1, -1));
        assertTrue(e.getMessage().contains("capacity") && e.getMessage().contains("-1"));
    }

    @Test
    void builderDefaultsAndValidation() {
        SparsityListener listener = SparsityListener.builder().build();
        assertEquals(10, listener.frequency());
        assertEquals(SparsityListener.DEFAULT_CAPACITY, listener.capacity());
        assertEquals("worker-0", listener.workerId());
        assertEquals(36, listener.sessionId().length(), "a random UUID: " + listener.sessionId());
        assertTrue(!listener.sessionId().equals(SparsityListener.builder().build().sessionId()));
        assertEquals("run-7", SparsityListener.builder().sessionId("run-7").build().sessionId());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparsityListener.builder().frequency(0).build());
        assertTrue(e.getMessage().contains("frequency must be >= 1, got 0"), e.getMessage());
    }

    @Test
    void postsStaticInfoOnceAndAnUpdatePerReportWithUniqueTimestamps() {
        List<Persistable> statics = new ArrayList<>();
        List<Persistable> updates = new ArrayList<>();
        List<StorageMetaData> metas = new ArrayList<>();
        StatsStorageRouter router = new StatsStorageRouter() {
            @Override
            public void putStorageMetaData(StorageMetaData m) { metas.add(m); }
            @Override
            public void putStorageMetaData(Collection<? extends StorageMetaData> m) { metas.addAll(m); }
            @Override
            public void putStaticInfo(Persistable p) { statics.add(p); }
            @Override
            public void putStaticInfo(Collection<? extends Persistable> p) { statics.addAll(p); }
            @Override
            public void putUpdate(Persistable p) { updates.add(p); }
            @Override
            public void putUpdate(Collection<? extends Persistable> p) { updates.addAll(p); }
        };
        MultiLayerNetwork net = net();
        SparsityListener listener = SparsityListener.builder().frequency(2).router(router).build();
        net.setListeners(listener);
        for (int i = 0; i < 7; i++) {
            net.fit(DATA);
        }
        assertEquals(1, metas.size());
        assertEquals(1, statics.size());
        assertEquals(4, updates.size()); // iterations 0, 2, 4, 6
        assertEquals(listener.reports(), updates.stream()
                .map(p -> ((SparsityUpdate) p).toReport()).toList());
        assertEquals(4, updates.stream().mapToLong(Persistable::getTimeStamp).distinct().count());
        assertEquals(listener.sessionId(), updates.get(0).getSessionID());
    }

    @Test
    void aPruneRegrowListenerCalledByATrainerIsRecordedWhenGiven() {
        InMemoryStatsStorage storage = new InMemoryStatsStorage();
        MultiLayerNetwork net = net();
        PruneRegrowListener set = PruneRegrowListener.set().deltaT(1).plannedIterations(100).build(); // not attached
        SparsityListener listener = SparsityListener.builder().frequency(100).router(storage).sessionId("t")
                .pruneRegrow(set).build();
        net.setListeners(listener);
        net.fit(DATA);
        MaskUpdate update = set.updateNow(net, net.getIterationCount() - 1, DATA); // as ParallelPruneRegrow does
        net.fit(DATA);
        List<PruneRegrowUpdate> posted = storage.getAllUpdatesAfter("t", SparsityRecord.TYPE_ID, "worker-0", 0L).stream()
                .filter(p -> p instanceof PruneRegrowUpdate).map(p -> (PruneRegrowUpdate) p).toList();
        assertEquals(1, posted.size());
        assertEquals(update.layers(), posted.get(0).layers());
        assertEquals("SET", posted.get(0).criterion());
        net.fit(DATA);
        assertEquals(1, storage.getAllUpdatesAfter("t", SparsityRecord.TYPE_ID, "worker-0", 0L).stream()
                .filter(p -> p instanceof PruneRegrowUpdate).count(), "posted once");
    }

    @Test
    void anInputShapeThatDoesNotFitTheFirstLayerIsRefusedWhenTrainingStarts() {
        MultiLayerNetwork net = net(); // first layer: nIn 5
        INDArray before = net.params().dup();
        net.setListeners(SparsityListener.builder().router(new InMemoryStatsStorage()).inputShape(28, 28).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.fit(new ListDataSetIterator<>(List.of(DATA)), 1));
        assertEquals("inputShape 28x28x1 (784 inputs) does not match the first layer 'layer0', whose nIn is 5",
                e.getMessage());
        assertEquals(before, net.params(), "nothing trained");
        assertThrows(IllegalArgumentException.class, () -> SparsityListener.builder().inputShape(0, 28));
    }
}
