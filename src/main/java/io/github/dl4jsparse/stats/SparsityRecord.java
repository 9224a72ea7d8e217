package io.github.dl4jsparse.stats;

import org.deeplearning4j.core.storage.Persistable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The common part of the records {@code SparsityListener} posts to a DL4J {@code StatsStorageRouter}: session, type,
 * worker and timestamp, and a compact binary encoding (a version byte, then big-endian fields; no Java
 * serialisation, so decoding a stats file runs no code from it). Type ID: {@value #TYPE_ID}.
 */
public abstract class SparsityRecord implements Persistable {

    /** The type ID of every sparsity record in a {@code StatsStorage}. */
    public static final String TYPE_ID = "dl4j-sparse.SparsityListener";

    private static final int FORMAT_VERSION = 1;

    private String sessionId;
    private String workerId;
    private long timestamp;

    /** For decoding (a {@code StatsStorage} instantiates records by their no-argument constructor). */
    protected SparsityRecord() {
    }

    protected SparsityRecord(String sessionId, String workerId, long timestamp) {
        this.sessionId = sessionId;
        this.workerId = workerId;
        this.timestamp = timestamp;
    }

    @Override
    public String getSessionID() {
        return sessionId;
    }

    @Override
    public String getTypeID() {
        return TYPE_ID;
    }

    @Override
    public String getWorkerID() {
        return workerId;
    }

    @Override
    public long getTimeStamp() {
        return timestamp;
    }

    /** Writes the subclass's fields. */
    protected abstract void writeBody(DataOutputStream out) throws IOException;

    /** Reads the subclass's fields, in the order {@link #writeBody} wrote them. */
    protected abstract void readBody(DataInputStream in) throws IOException;

    @Override
    public int encodingLengthBytes() {
        return encode().length;
    }

    @Override
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            out.writeUTF(sessionId);
            out.writeUTF(workerId);
            out.writeLong(timestamp);
            writeBody(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    @Override
    public void encode(ByteBuffer buffer) {
        buffer.put(encode());
    }

    @Override
    public void encode(OutputStream outputStream) throws IOException {
        outputStream.write(encode());
    }

    /**
     * @throws IllegalArgumentException for bytes that are not a record of this type and format version
     */
    @Override
    public void decode(byte[] bytes) {
        try {
            decode(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": corrupt record of " + bytes.length
                    + " bytes: " + e.getMessage(), e);
        }
    }

    @Override
    public void decode(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        decode(bytes);
    }

    @Override
    public void decode(InputStream inputStream) throws IOException {
        DataInputStream in = new DataInputStream(inputStream);
        int version = in.readUnsignedByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unsupported format version " + version + " (this library writes " + FORMAT_VERSION + ")");
        }
        sessionId = in.readUTF();
        workerId = in.readUTF();
        timestamp = in.readLong();
        readBody(in);
    }

    /** Reads a non-negative count no larger than {@code max}, so a corrupt length cannot allocate gigabytes. */
    protected static int readCount(DataInputStream in, int max, String what) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw new IOException(what + " count " + n + " outside [0, " + max + "]");
        }
        return n;
    }
}
