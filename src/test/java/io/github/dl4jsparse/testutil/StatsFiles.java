package io.github.dl4jsparse.testutil;

import org.deeplearning4j.core.storage.Persistable;

import java.util.Arrays;

/** Damaging one record of a stats file in place, to test how unreadable records are handled. */
public final class StatsFiles {

    private StatsFiles() {
    }

    /** The common header of a record: version, session, worker, timestamp, as its encoding starts. */
    public static byte[] header(Persistable record) {
        byte[] encoded = record.encode();
        return Arrays.copyOf(encoded, 1 + 2 + record.getSessionID().length() + 2 + record.getWorkerID().length() + 8);
    }

    /** Sets {@code bytes[at + offset] = value} wherever {@code pattern} starts at {@code at}; returns how many times. */
    public static int patch(byte[] bytes, byte[] pattern, int offset, byte value) {
        int found = 0;
        for (int at = 0; at + pattern.length <= bytes.length; at++) {
            if (Arrays.equals(bytes, at, at + pattern.length, pattern, 0, pattern.length)) {
                bytes[at + offset] = value;
                found++;
            }
        }
        return found;
    }
}
