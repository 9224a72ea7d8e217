package io.github.dl4jsparse.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file of unsigned bytes, the format of MNIST and Fashion-MNIST: a magic number {@code 0x0000 08 nd}, then
 * {@code nd} big-endian 32-bit dimensions, then the data in row-major order. Gzipped files ({@code .gz}, detected by
 * their content) are read transparently.
 *
 * <pre>{@code
 * IdxFile labels = IdxFile.read(Path.of("train-labels-idx1-ubyte.gz"), 1);   // dims [60000]
 * int label = labels.unsignedByte(0);
 * }</pre>
 *
 * <p>Reading is strict: a wrong magic number, a data type other than unsigned byte, a rank other than the one
 * expected, a non-positive dimension, fewer bytes than the dimensions promise (truncated) or more (trailing garbage)
 * is an {@link IdxFormatException} naming the file and the problem. A short data set is never returned silently.
 */
public final class IdxFile {

    /** IDX type code of unsigned bytes. */
    static final int UNSIGNED_BYTE = 0x08;

    private final int[] dims;
    private final byte[] data;

    private IdxFile(int[] dims, byte[] data) {
        this.dims = dims;
        this.data = data;
    }

    /**
     * @param file         the file, gzipped or not
     * @param expectedRank the number of dimensions the caller expects (3 for images, 1 for labels)
     * @throws IdxFormatException for a file that is not a complete unsigned-byte IDX file of that rank
     * @throws IOException        if the file cannot be read
     */
    public static IdxFile read(Path file, int expectedRank) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(file), 1 << 16))) {
            int magic;
            try {
                magic = in.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(file, "truncated: shorter than the 4-byte magic number");
            }
            if ((magic >>> 16) != 0) {
                throw new IdxFormatException(file, String.format("wrong magic number 0x%08X: an IDX file starts with two zero bytes", magic));
            }
            int type = (magic >>> 8) & 0xFF;
            int rank = magic & 0xFF;
            if (type != UNSIGNED_BYTE) {
                throw new IdxFormatException(file, String.format("unsupported data type 0x%02X in magic number 0x%08X: only unsigned bytes (0x08) are supported", type, magic));
            }
            if (rank != expectedRank) {
                throw new IdxFormatException(file, "has " + rank + " dimensions (magic number " + String.format("0x%08X", magic) + "), expected " + expectedRank);
            }
            int[] dims = new int[rank];
            long length = 1;
            for (int i = 0; i < rank; i++) {
                try {
                    dims[i] = in.readInt();
                } catch (EOFException e) {
                    throw new IdxFormatException(file, "truncated in the header: " + i + " of " + rank + " dimensions present");
                }
                if (dims[i] <= 0) {
                    throw new IdxFormatException(file, "dimension " + i + " is " + dims[i] + ", must be > 0");
                }
                length *= dims[i];
            }
            if (length > Integer.MAX_VALUE - 16) {
                throw new IdxFormatException(file, "dimensions " + Arrays.toString(dims) + " are too large");
            }
            // read as the bytes arrive, never allocating what a damaged header promises but the file does not hold
            byte[] data = in.readNBytes((int) length);
            if (data.length < length) {
                throw new IdxFormatException(file, "truncated: dimensions " + Arrays.toString(dims) + " need " + length
                        + " data bytes, the file has " + data.length);
            }
            if (in.read() != -1) {
                throw new IdxFormatException(file, "has data beyond the " + data.length + " bytes its dimensions "
                        + Arrays.toString(dims) + " describe");
            }
            return new IdxFile(dims, data);
        } catch (java.util.zip.ZipException e) {
            throw new IdxFormatException(file, "corrupt gzip data (" + e.getMessage() + ")");
        } catch (EOFException e) {
            throw new IdxFormatException(file, "truncated gzip stream");
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file));
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
    }

    /** @return the dimensions, e.g. {@code [60000, 28, 28]} (a copy) */
    public int[] dims() {
        return dims.clone();
    }

    /** @return the number of items: the first dimension */
    public int count() {
        return dims[0];
    }

    /** @return the number of values per item: the product of all dimensions but the first */
    public int itemSize() {
        return data.length / dims[0];
    }

    /** @return the value at flat row-major position {@code index}, 0..255 */
    public int unsignedByte(int index) {
        return data[index] & 0xFF;
    }
}
