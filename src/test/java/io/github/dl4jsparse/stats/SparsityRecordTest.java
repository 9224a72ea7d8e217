package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void corruptBytesAreRejectedWithAClearMessage() {
        byte[] good = new SparsityUpdate("s", "w", 1L, REPORT).encode();
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class,
                () -> new SparsityUpdate().decode(Arrays.copyOf(good, good.length / 2)));
        assertTrue(truncated.getMessage().contains("SparsityUpdate: corrupt record of " + good.length / 2 + " bytes"),
                truncated.getMessage());
        byte[] otherVersion = good.clone();
        otherVersion[0] = 9;
        IllegalArgumentException version = assertThrows(IllegalArgumentException.class, () -> new SparsityUpdate().decode(otherVersion));
        assertTrue(version.getMessage().contains("unsupported format version 9"), version.getMessage());
    }
}
