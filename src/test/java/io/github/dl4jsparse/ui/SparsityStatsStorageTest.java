package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.SparsityRecord;
import io.github.dl4jsparse.stats.SparsityStaticInfo;
import io.github.dl4jsparse.stats.SparsityUpdate;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.StatsFiles;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.stats.PruneRegrowUpdate;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.junit.jupiter.api.Test;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import static org.junit.jupiter.api.Assertions.assertFalse;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Records posted to a {@link FileStatsStorage} come back, after the file is closed and reopened, as they were sent. */
class SparsityStatsStorageTest {

    @Test
    void recordsRoundTripThroughAFileStatsStorage(@TempDir File dir) throws Exception {
        File file = new File(dir, "stats.dl4j");
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)), true, 0.6);
        StatsStorage storage = new FileStatsStorage(file);
        SparsityListener listener = SparsityListener.builder().frequency(1).router(storage).sessionId("run-1").build();
        net.setListeners(listener);
        DataSet data = TestData.classification(32, Nets.N_IN, Nets.CLASSES, 1, DataType.FLOAT);
        for (int i = 0; i < 25; i++) {
            net.fit(data); // 25 iterations in a few milliseconds: timestamps must not collide
        }
        storage.close();

        StatsStorage reopened = new FileStatsStorage(file);
        assertEquals(List.of("run-1"), SparsityPageData.sessions(reopened));
        Persistable info = reopened.getStaticInfo("run-1", SparsityRecord.TYPE_ID, "worker-0");
        assertTrue(info instanceof SparsityStaticInfo, "static info: " + info);
        SparsityStaticInfo staticInfo = (SparsityStaticInfo) info;
        assertEquals(2, staticInfo.layers().size());
        assertEquals(0.6, staticInfo.layers().get(0).targetSparsity());
        assertEquals(3L, staticInfo.seed());
        assertEquals(MultiLayerNetwork.class.getName(), staticInfo.modelClass());

        List<SparsityReport> stored = new ArrayList<>();
        for (Persistable p : reopened.getAllUpdatesAfter("run-1", SparsityRecord.TYPE_ID, "worker-0", 0L)) {
            stored.add(((SparsityUpdate) p).toReport());
        }
        assertEquals(25, stored.size());
        assertEquals(listener.reports(), stored);

        Map<String, Object> page = SparsityPageData.of(reopened, "run-1");
        assertEquals(25, page.get("updates"));
        reopened.close();
    }

    @Test
    void convolutionLayersAreRecordedAndShown(@TempDir File dir) throws Exception {
        File file = new File(dir, "cnn.dl4j");
        MultiLayerNetwork net = new MultiLayerNetwork(io.github.dl4jsparse.models.SparseLeNet5.uniform(0.9, 2,
                new Adam(1e-3)));
        net.init();
        StatsStorage storage = new FileStatsStorage(file);
        net.setListeners(SparsityListener.builder().frequency(1).router(storage).sessionId("cnn").build());
        Nd4j.getRandom().setSeed(2);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 4, 10);
        for (int i = 0; i < 4; i++) {
            labels.putScalar(i, i, 1.0);
        }
        DataSet labelled = new DataSet(Nd4j.rand(DataType.FLOAT, 4, 784), labels);
        net.fit(labelled);
        net.fit(labelled);
        storage.close();

        StatsStorage reopened = new FileStatsStorage(file);
        SparsityStaticInfo info = (SparsityStaticInfo) reopened.getStaticInfo("cnn", SparsityRecord.TYPE_ID, "worker-0");
        assertEquals(List.of("conv1", "conv2", "fc1", "fc2"), info.layers().stream().map(SparsityStaticInfo.Layer::name).toList());
        assertEquals(25, info.layers().get(0).nIn(), "conv1: inputs per output channel, 1 · 5 · 5");
        assertEquals(20, info.layers().get(0).nOut());
        SparsityReport last = null;
        for (Persistable p : reopened.getAllUpdatesAfter("cnn", SparsityRecord.TYPE_ID, "worker-0", 0L)) {
            last = ((SparsityUpdate) p).toReport();
        }
        SparsityReport now = SparsityReport.of(net);
        for (int i = 0; i < 4; i++) {
            assertEquals(now.layers().get(i).name(), last.layers().get(i).name());
            assertEquals(now.layers().get(i).maskZeros(), last.layers().get(i).maskZeros(), "the stored counts are the network's");
            assertEquals(0, last.layers().get(i).leaks());
        }
        assertEquals(Math.round(0.9 * 20 * 50 * 25), last.layers().get(1).maskZeros());
        Map<String, Object> page = SparsityPageData.of(reopened, "cnn");
        assertTrue(page.toString().contains("conv2"), "the page data lists conv2");
        reopened.close();
    }

    /** A stats file written by the library before format version 2 (see {@code stats/WriteV1.java.txt}). */
    @Test
    void aFormatVersion1FileStillOpensAndShowsThePage(@TempDir File dir) throws Exception {
        File file = new File(dir, "v1.dl4j");
        try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream("/stats/format-v1-session.dl4j.gz"))) {
            Files.copy(in, file.toPath());
        }
        StatsStorage storage = new FileStatsStorage(file);
        assertEquals(List.of("v1-session"), SparsityPageData.sessions(storage));
        Map<String, Object> page = SparsityPageData.of(storage, "v1-session");
        assertEquals(3, page.get("updates"), "reports of iterations 0, 2 and 4");
        assertEquals(List.of(), page.get("errors"));
        assertFalse(page.containsKey("rewiring"));
        assertFalse(page.containsKey("connectivity"));
        @SuppressWarnings("unchecked")
        Map<String, Object> latest = (Map<String, Object>) page.get("latest");
        assertEquals(4L, latest.get("iteration"));
        @SuppressWarnings("unchecked")
        Map<String, Object> fc1 = ((List<Map<String, Object>>) latest.get("layers")).get(0);
        assertEquals("fc1", fc1.get("name"));
        assertEquals(154.0 / 192, (Double) fc1.get("maskSparsity"), 0.0, "round(0.8 · 12 · 16) = 154 masked");
        assertEquals(0L, fc1.get("leaks"));
        assertEquals(MultiLayerNetwork.class.getName(), page.get("modelClass"));
        storage.close();
    }

    @Test
    void unreadableRecordsAreNamedAndTheRestIsShown(@TempDir File dir) throws Exception {
        File file = new File(dir, "rigl.dl4j");
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(4).updater(new Adam(1e-2)), true, 0.6);
        StatsStorage storage = new FileStatsStorage(file);
        PruneRegrowListener rigl = PruneRegrowListener.rigl().deltaT(3).plannedIterations(30).build();
        net.setListeners(rigl, SparsityListener.builder().frequency(5).router(storage).sessionId("s").build());
        DataSet data = TestData.classification(32, Nets.N_IN, Nets.CLASSES, 1, DataType.FLOAT);
        for (int i = 0; i < 30; i++) {
            net.fit(data);
        }
        List<Persistable> written = new ArrayList<>(storage.getAllUpdatesAfter("s", SparsityRecord.TYPE_ID, "worker-0", 0L));
        written.sort(java.util.Comparator.comparingLong(Persistable::getTimeStamp));
        storage.close();
        int n = written.size();
        int badVersion = indexOf(written, PruneRegrowUpdate.class, 1); // the second prune-and-regrow update
        int cut = indexOf(written, SparsityUpdate.class, 2); // the third report

        // a format version from the future; a worker ID longer than the record (a truncated record)
        byte[] bytes = Files.readAllBytes(file.toPath());
        assertEquals(1, StatsFiles.patch(bytes, StatsFiles.header(written.get(badVersion)), 0, (byte) 9), "the record is found once in the file");
        assertEquals(1, StatsFiles.patch(bytes, StatsFiles.header(written.get(cut)), 1 + 2 + 1, (byte) 0x7f), "found once");
        Files.write(file.toPath(), bytes);

        StatsStorage reopened = new FileStatsStorage(file);
        Map<String, Object> page = SparsityPageData.of(reopened, "s");
        List<String> expected = new ArrayList<>(List.of(
                "update record " + (badVersion + 1) + " of " + n + named(written.get(badVersion)) + "PruneRegrowUpdate record of "
                        + written.get(badVersion).encode().length + " bytes: unsupported format version 9, this library "
                        + "reads versions 1 to 2",
                "update record " + (cut + 1) + " of " + n + named(written.get(cut)) + "SparsityUpdate record of " + written.get(cut).encode().length
                        + " bytes: truncated (it ends before its fields do)"));
        if (cut < badVersion) {
            java.util.Collections.reverse(expected);
        }
        assertEquals(expected, page.get("errors"));
        long reports = written.stream().filter(p -> p instanceof SparsityUpdate).count();
        assertEquals((int) reports - 1, page.get("updates"), "every other report is shown");
        @SuppressWarnings("unchecked")
        Map<String, Object> rewiring = (Map<String, Object>) page.get("rewiring");
        assertEquals(rigl.updates().size() - 1, ((List<?>) rewiring.get("iterations")).size(), "every other update is shown");
        assertEquals(rigl.updates().size(), written.stream().filter(p -> p instanceof PruneRegrowUpdate).count(),
                "every prune-and-regrow update was recorded");
        assertTrue(rigl.updates().size() >= 5, "updates: " + rigl.updates().size());
        reopened.close();
    }

    private static String named(Persistable record) {
        return " (timestamp " + record.getTimeStamp() + ", " + java.time.Instant.ofEpochMilli(record.getTimeStamp()) + "): ";
    }

    private static int indexOf(List<Persistable> records, Class<?> type, int occurrence) {
        int seen = 0;
        for (int i = 0; i < records.size(); i++) {
            if (type.isInstance(records.get(i)) && seen++ == occurrence) {
                return i;
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " number " + occurrence + " in " + records);
    }

    @Test
    void aGraphsRewiringAndConnectivityReachThePage(@TempDir File dir) throws Exception {
        ComputationGraph graph = Nets.graph(new NeuralNetConfiguration.Builder().seed(9).updater(new Adam(1e-2)), true, 0.5);
        StatsStorage storage = new InMemoryStatsStorage();
        PruneRegrowListener set = PruneRegrowListener.set().deltaT(2).plannedIterations(20).build();
        SparsityListener sparsity = SparsityListener.builder().frequency(4).router(storage).sessionId("g").build();
        graph.setListeners(sparsity, set); // the sparsity listener first: updates are posted one iteration later
        DataSet data = TestData.classification(16, Nets.N_IN, Nets.CLASSES, 2, DataType.FLOAT);
        for (int i = 0; i < 20; i++) {
            graph.fit(data);
        }
        sparsity.onEpochEnd(graph); // as fit(iterator) does at the end: posts the last update and a report

        Map<String, Object> page = SparsityPageData.of(storage, "g");
        @SuppressWarnings("unchecked")
        Map<String, Object> rewiring = (Map<String, Object>) page.get("rewiring");
        assertEquals("SET", rewiring.get("criterion"));
        List<MaskUpdate> updates = set.updates();
        assertEquals(updates.stream().map(MaskUpdate::iteration).toList(), rewiring.get("iterations"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, List<Object>>> layers = (Map<String, Map<String, List<Object>>>) rewiring.get("layers");
        assertEquals(List.of("h1", "h2"), List.copyOf(layers.keySet()));
        for (int u = 0; u < updates.size(); u++) {
            for (LayerUpdate l : updates.get(u).layers()) {
                Map<String, List<Object>> shown = layers.get(l.layer());
                assertEquals(l.dropped(), shown.get("dropped").get(u));
                assertEquals(l.grown(), shown.get("grown").get(u));
                assertEquals(l.explored(), shown.get("explored").get(u));
                assertEquals(l.dropFraction(), shown.get("dropFraction").get(u));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> connectivity = (Map<String, Object>) page.get("connectivity");
        ConnectivityReport now = ConnectivityReport.of(graph, null);
        assertEquals(now, sparsity.latestConnectivity());
        assertEquals(20L, connectivity.get("iteration"));
        assertTrue(connectivity.get("layers").toString().contains("dead=" + now.layers().get(0).inDegree().dead()));
        assertFalse(page.containsKey("inputFirst"), "a feed-forward input: no heat map");
    }
}
