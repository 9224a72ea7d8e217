package io.github.dl4jsparse.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDX reader on the shipped real files and on corrupted copies of them. */
class IdxFileTest {

    static final Path SUBSET = FashionMnist.sampleDirectory();

    @TempDir
    Path dir;

    private static byte[] gunzip(Path file) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }

    private Path write(String name, byte[] bytes, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(p)) : Files.newOutputStream(p)) {
            out.write(bytes);
        }
        return p;
    }

    @Test
    void readsTheRealGzippedFiles() throws IOException {
        IdxFile images = IdxFile.read(SUBSET.resolve("train-images-idx3-ubyte.gz"), 3);
        IdxFile labels = IdxFile.read(SUBSET.resolve("train-labels-idx1-ubyte.gz"), 1);
        assertArrayEquals(new int[]{2000, 28, 28}, images.dims());
        assertArrayEquals(new int[]{2000}, labels.dims());
        assertEquals(784, images.itemSize());
        byte[] raw = gunzip(SUBSET.resolve("train-labels-idx1-ubyte.gz"));
        assertEquals(raw[8] & 0xFF, labels.unsignedByte(0), "first label straight from the bytes after the header");
        assertEquals(raw[raw.length - 1] & 0xFF, labels.unsignedByte(1999));
    }

    @Test
    void readsUncompressedFilesToo() throws IOException {
        byte[] raw = gunzip(SUBSET.resolve("t10k-labels-idx1-ubyte.gz"));
        IdxFile plain = IdxFile.read(write("labels", raw, false), 1);
        IdxFile gz = IdxFile.read(SUBSET.resolve("t10k-labels-idx1-ubyte.gz"), 1);
        assertEquals(500, plain.count());
        for (int i = 0; i < 500; i++) {
            assertEquals(gz.unsignedByte(i), plain.unsignedByte(i));
        }
    }

    @Test
    void truncatedFileIsAnErrorNamingFileAndSizes() throws IOException {
        byte[] raw = gunzip(SUBSET.resolve("t10k-images-idx3-ubyte.gz"));
        Path truncated = write("t10k-images-idx3-ubyte.gz", Arrays.copyOf(raw, raw.length - 100), true);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(truncated, 3));
        assertTrue(e.getMessage().contains(truncated.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains(String.valueOf(500 * 784)), e.getMessage());
    }

    @Test
    void aHeaderPromisingFarMoreThanTheFileHoldsIsTruncatedWithoutAllocatingThePromise() throws IOException {
        byte[] raw = gunzip(SUBSET.resolve("t10k-images-idx3-ubyte.gz"));
        byte[] flipped = raw.clone();
        flipped[4] = 0x30; // count 500 -> 0x300001F4 images: 805 GB promised by 400 KB
        Path file = write("flipped.gz", flipped, true);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(file, 3));
        assertTrue(e.getMessage().contains("too large") || e.getMessage().contains("truncated"), e.getMessage());
        flipped[4] = 0;
        flipped[6] = 0x10; // count 500 -> 0x001001F4 = 1,049,076 images: 823 MB promised, within an int's range
        Path large = write("large.gz", flipped, true);
        IdxFormatException truncated = assertThrows(IdxFormatException.class, () -> IdxFile.read(large, 3));
        assertTrue(truncated.getMessage().contains("truncated") && truncated.getMessage().contains("the file has "
                + 500 * 784), truncated.getMessage());
    }

    @Test
    void truncatedGzipStreamIsAnError() throws IOException {
        byte[] gz = Files.readAllBytes(SUBSET.resolve("t10k-images-idx3-ubyte.gz"));
        Path cut = write("cut.gz", Arrays.copyOf(gz, gz.length / 2), false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(cut, 3));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void wrongMagicIsAnError() throws IOException {
        byte[] raw = gunzip(SUBSET.resolve("t10k-labels-idx1-ubyte.gz"));
        raw[0] = 0x1F;
        Path bad = write("bad-magic", raw, false);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(bad, 1));
        assertTrue(e.getMessage().contains("wrong magic number") && e.getMessage().contains("bad-magic"), e.getMessage());
    }

    @Test
    void unsupportedTypeAndWrongRankAreErrors() throws IOException {
        byte[] raw = gunzip(SUBSET.resolve("t10k-labels-idx1-ubyte.gz"));
        byte[] asFloat = raw.clone();
        asFloat[2] = 0x0D;
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxFile.read(write("float", asFloat, false), 1))
                .getMessage().contains("unsupported data type 0x0D"));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(write("labels", raw, false), 3));
        assertTrue(e.getMessage().contains("has 1 dimensions") && e.getMessage().contains("expected 3"), e.getMessage());
    }

    @Test
    void wrongCountIsAnError() throws IOException {
        byte[] raw = gunzip(SUBSET.resolve("t10k-labels-idx1-ubyte.gz"));
        ByteBuffer.wrap(raw).putInt(4, 501); // header claims one label more than the file holds
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxFile.read(write("more", raw, false), 1));
        assertTrue(e.getMessage().contains("need 501 data bytes, the file has 500"), e.getMessage());
        ByteBuffer.wrap(raw).putInt(4, 499); // header claims one less: trailing data
        e = assertThrows(IdxFormatException.class, () -> IdxFile.read(write("less", raw, false), 1));
        assertTrue(e.getMessage().contains("data beyond the 499 bytes"), e.getMessage());
    }

    @Test
    void emptyFileIsAnError() throws IOException {
        Path empty = write("empty", new byte[0], false);
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxFile.read(empty, 1)).getMessage().contains("truncated"));
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(new byte[]{0, 0, 8, 3, 0, 0});
        assertTrue(assertThrows(IdxFormatException.class, () -> IdxFile.read(write("short", header.toByteArray(), false), 3))
                .getMessage().contains("truncated in the header"));
    }
}
