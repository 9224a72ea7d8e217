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
import org.nd4j.linalg.dataset.DataSet;
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
}
