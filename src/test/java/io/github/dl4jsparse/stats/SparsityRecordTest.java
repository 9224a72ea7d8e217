package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.connectivity.DegreeSummary;
import io.github.dl4jsparse.connectivity.ImageShape;
import io.github.dl4jsparse.connectivity.InputConnectivity;
import io.github.dl4jsparse.connectivity.LayerConnectivity;
import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityRecordTest {

    private static final SparsityReport REPORT = SparsityReport.of(120, 3,
            List.of(new LayerSparsity("fc1", 784, 300, 211680, 211690, 0), new LayerSparsity("fc2", 300, 100, 27000, 27000, 2)),
            266200, 238700, 266610);

    @Test
    void updateRoundTripsItsReport() {
        SparsityUpdate update = new SparsityUpdate("session-1", "worker-0", 1234L, REPORT);
        SparsityUpdate decoded = new SparsityUpdate();
        decoded.decode(update.encode());
        assertEquals(REPORT, decoded.toReport());
        assertEquals("session-1", decoded.getSessionID());
        assertEquals("worker-0", decoded.getWorkerID());
        assertEquals(1234L, decoded.getTimeStamp());
        assertEquals(SparsityRecord.TYPE_ID, decoded.getTypeID());
        assertEquals(update.encode().length, update.encodingLengthBytes());
    }

    @Test
    void staticInfoAndMetaDataRoundTrip() {
        SparsityStaticInfo info = new SparsityStaticInfo("s", "w", 5L, "org.example.Net", 42L,
                List.of(new SparsityStaticInfo.Layer("fc1", 784, 300, 0.9), new SparsityStaticInfo.Layer("fc2", 300, 100, 0.8)));
        SparsityStaticInfo decoded = new SparsityStaticInfo();
        decoded.decode(java.nio.ByteBuffer.wrap(info.encode()));
        assertEquals(info.layers(), decoded.layers());
        assertEquals(42L, decoded.seed());
        assertEquals("org.example.Net", decoded.modelClass());

        SparsityStorageMetaData meta = new SparsityStorageMetaData("s", "w", 6L);
        SparsityStorageMetaData decodedMeta = new SparsityStorageMetaData();
        decodedMeta.decode(meta.encode());
        assertEquals("s", decodedMeta.getSessionID());
        assertEquals(SparsityStaticInfo.class.getName(), decodedMeta.getInitTypeClass());
        assertEquals(SparsityUpdate.class.getName(), decodedMeta.getUpdateTypeClass());
    }

    private static final ConnectivityReport CONNECTIVITY = new ConnectivityReport(120, List.of(
            new LayerConnectivity("fc1", DegreeSummary.of(new long[]{3, 1, 4}, 4), DegreeSummary.of(new long[]{2, 3, 3, 0}, 3))),
            new InputConnectivity("fc1", ImageShape.of(2, 2, 1), 1, 2, 2, new long[]{2, 3, 3, 0}));

    @Test
    void formatVersion2CarriesConnectivity() {
        SparsityUpdate update = new SparsityUpdate("s", "w", 7L, REPORT, CONNECTIVITY);
        SparsityUpdate decoded = new SparsityUpdate();
        decoded.decode(update.encode());
        assertNull(decoded.readError());
        assertEquals(REPORT, decoded.toReport());
        assertEquals(CONNECTIVITY, decoded.connectivity());
        assertEquals(SparsityRecord.FORMAT_VERSION, update.encode()[0]);

        SparsityUpdate without = new SparsityUpdate();
        without.decode(new SparsityUpdate("s", "w", 8L, REPORT).encode());
        assertNull(without.connectivity());
    }

    @Test
    void pruneRegrowUpdatesRoundTrip() {
        MaskUpdate mask = new MaskUpdate(99, List.of(new LayerUpdate("fc1", 23520, 7056, 7056, 0.3, 30576, 235200),
                new LayerUpdate("fc2", 3000, 900, 900, 0.3, 3900, 30000)), REPORT);
        PruneRegrowUpdate update = new PruneRegrowUpdate("s", "w", 9L, mask, "RigL");
        PruneRegrowUpdate decoded = new PruneRegrowUpdate();
        decoded.decode(update.encode());
        assertNull(decoded.readError());
        assertEquals(99, decoded.iteration());
        assertEquals("RigL", decoded.criterion());
        assertEquals(mask.layers(), decoded.layers());
        assertEquals(0.13, decoded.layers().get(1).exploredFraction(), 1e-12);
    }

    @Test
    void unreadableBytesLeaveTheRecordWithItsErrorInsteadOfThrowing() {
        byte[] good = new SparsityUpdate("s", "w", 1L, REPORT, CONNECTIVITY).encode();
        SparsityUpdate truncated = new SparsityUpdate();
        truncated.decode(Arrays.copyOf(good, good.length / 2));
        assertEquals("SparsityUpdate record of " + good.length / 2 + " bytes: truncated (it ends before its fields do)",
                truncated.readError());
        byte[] otherVersion = good.clone();
        otherVersion[0] = 9;
        SparsityUpdate version = new SparsityUpdate();
        version.decode(otherVersion);
        assertEquals("SparsityUpdate record of " + good.length + " bytes: unsupported format version 9, this library "
                + "reads versions 1 to 2", version.readError());
        IllegalStateException unread = assertThrows(IllegalStateException.class, version::toReport);
        assertTrue(unread.getMessage().contains("unsupported format version 9"), unread.getMessage());

        byte[] v1 = new PruneRegrowUpdate("s", "w", 1L, new MaskUpdate(0, List.of(), REPORT), "SET").encode();
        v1[0] = 1;
        PruneRegrowUpdate old = new PruneRegrowUpdate();
        old.decode(v1);
        assertTrue(old.readError().contains("needs format version 2"), old.readError());

        // the same bytes decode fine afterwards: the error is not sticky
        version.decode(good);
        assertNull(version.readError());
    }
}
