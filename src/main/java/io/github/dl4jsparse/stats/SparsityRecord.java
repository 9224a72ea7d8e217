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
 *
 * <p>Format versions: 1 (dl4j-sparse up to the connectivity records) and {@value #FORMAT_VERSION} (adds
 * connectivity to {@link SparsityUpdate} and the {@link PruneRegrowUpdate} record); both are read.
 *
 * <p>Decoding a byte array never throws: a stats storage decodes all of a session's records at once, and one
 * unreadable record (a format version from a newer library, a truncated or corrupt record) must not hide the others.
 * Such a record keeps its error in {@link #readError()} and its fields unset; readers check it.
 */
public abstract class SparsityRecord implements Persistable {

    /** The type ID of every sparsity record in a {@code StatsStorage}. */
    public static final String TYPE_ID = "dl4j-sparse.SparsityListener";

    /** The format version this library writes. */
    public static final int FORMAT_VERSION = 2;
    /** The oldest format version this library reads. */
    public static final int MIN_FORMAT_VERSION = 1;

    private String sessionId;
    private String workerId;
    private long timestamp;
    private String readError;

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

    /**
     * Reads the subclass's fields, in the order {@link #writeBody} wrote them in format {@code version}.
     *
     * @param version the record's format version, in {@code [MIN_FORMAT_VERSION, FORMAT_VERSION]}
     */
    protected abstract void readBody(DataInputStream in, int version) throws IOException;

    /**
     * @return null for a record read in full; otherwise why it could not be read (e.g. {@code SparsityUpdate record
     *         of 57 bytes: unsupported format version 9, this library reads versions 1 to 2}), its fields then unset
     */
    public String readError() {
        return readError;
    }

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
     * Reads a record; never throws. Bytes that are not a whole record of a known format version leave the record
     * unread, with the reason in {@link #readError()}.
     */
    @Override
    public void decode(byte[] bytes) {
        try {
            decode(new ByteArrayInputStream(bytes));
            readError = null;
        } catch (java.io.EOFException e) {
            readError = getClass().getSimpleName() + " record of " + bytes.length + " bytes: truncated (it ends "
                    + "before its fields do)";
        } catch (IOException | RuntimeException e) {
            readError = getClass().getSimpleName() + " record of " + bytes.length + " bytes: " + e.getMessage();
        }
    }

    @Override
    public void decode(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        decode(bytes);
    }

    /**
     * @throws IOException for a format version this library does not read, or a truncated or corrupt record
     */
    @Override
    public void decode(InputStream inputStream) throws IOException {
        DataInputStream in = new DataInputStream(inputStream);
        int version = in.readUnsignedByte();
        if (version < MIN_FORMAT_VERSION || version > FORMAT_VERSION) {
            throw new IOException("unsupported format version " + version + ", this library reads versions "
                    + MIN_FORMAT_VERSION + " to " + FORMAT_VERSION);
        }
        sessionId = in.readUTF();
        workerId = in.readUTF();
        timestamp = in.readLong();
        readBody(in, version);
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
