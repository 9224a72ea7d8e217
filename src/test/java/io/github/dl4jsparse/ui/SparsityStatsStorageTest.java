package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.SparsityRecord;
import io.github.dl4jsparse.stats.SparsityStaticInfo;
import io.github.dl4jsparse.stats.SparsityUpdate;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
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
}
