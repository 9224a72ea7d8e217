package io.github.dl4jsparse.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistTest {

    private static final Path SUBSET = IdxFileTest.SUBSET;

    @TempDir
    Path dir;

    @Test
    void loadsScaledFeaturesAndOneHotLabels() throws IOException {
        DataSet train = FashionMnist.load(SUBSET, FashionMnist.Split.TRAIN, 0, DataType.FLOAT);
        assertEquals(2000, train.numExamples());
        assertEquals(784, train.getFeatures().size(1));
        assertEquals(0.0, train.getFeatures().minNumber().doubleValue(), 0.0);
        assertEquals(1.0, train.getFeatures().maxNumber().doubleValue(), 0.0, "some pixel is 255");
        assertEquals(2000.0, train.getLabels().sumNumber().doubleValue(), 0.0, "one 1 per row");
        IdxFile labels = IdxFile.read(SUBSET.resolve("train-labels-idx1-ubyte.gz"), 1);
        IdxFile images = IdxFile.read(SUBSET.resolve("train-images-idx3-ubyte.gz"), 3);
        for (int i : new int[]{0, 17, 1999}) {
            assertEquals(1.0, train.getLabels().getDouble(i, labels.unsignedByte(i)), 0.0);
            assertEquals(images.unsignedByte(i * 784 + 400) / 255.0, train.getFeatures().getDouble(i, 400), 1e-7);
        }
        assertEquals(500, FashionMnist.load(SUBSET, FashionMnist.Split.TEST, 0, DataType.FLOAT).numExamples());
        assertEquals(300, FashionMnist.load(SUBSET, FashionMnist.Split.TEST, 300, DataType.FLOAT).numExamples());
    }

    @Test
    void theBundledSampleNeedsNoDirectory() throws IOException {
        assertEquals(FashionMnist.SAMPLE_TRAIN, FashionMnist.iterator(FashionMnist.Split.TRAIN).bundledSample().build().numExamples());
        assertEquals(FashionMnist.SAMPLE_TEST, FashionMnist.iterator(FashionMnist.Split.TEST).bundledSample().build().numExamples());
    }

    /** Row r of image i is step r of sequence i (NWC), in the minibatch the flat iterator gives the same image in. */
    @Test
    void rowsAsSequencesGivesOneImageRowPerStep() throws IOException {
        ShuffledDataSetIterator flat = FashionMnist.iterator(FashionMnist.Split.TEST).directory(SUBSET).batchSize(64)
                .seed(5).build();
        ShuffledDataSetIterator rows = FashionMnist.iterator(FashionMnist.Split.TEST).directory(SUBSET).batchSize(64)
                .seed(5).rowsAsSequences().build();
        for (int epoch = 0; epoch < 2; epoch++) {
            flat.reset();
            rows.reset();
            while (flat.hasNext()) {
                DataSet f = flat.next();
                DataSet r = rows.next();
                assertArrayEquals(new long[]{f.numExamples(), 28, 28}, r.getFeatures().shape());
                assertEquals(f.getLabels(), r.getLabels());
                for (int i : new int[]{0, f.numExamples() - 1}) {
                    for (int row : new int[]{0, 13, 27}) {
                        for (int col : new int[]{0, 9, 27}) {
                            assertEquals(f.getFeatures().getFloat(i, row * 28 + col),
                                    r.getFeatures().getFloat(i, row, col), 0f);
                        }
                    }
                }
            }
            assertFalse(rows.hasNext());
        }
        DataSet images = FashionMnist.load(SUBSET, FashionMnist.Split.TEST, 10, DataType.FLOAT);
        assertEquals(images.getFeatures().getFloat(3, 5 * 28 + 7),
                FashionMnist.rowsAsSequences(images).getFeatures().getFloat(3, 5, 7), 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.rowsAsSequences(FashionMnist.rowsAsSequences(images)));
        assertTrue(e.getMessage().contains("[n, 784]"), e.getMessage());
    }

    @Test
    void iteratorCoversEveryExampleOncePerEpochInASeededOrder() throws IOException {
        ShuffledDataSetIterator it = FashionMnist.iterator(FashionMnist.Split.TEST).directory(SUBSET).batchSize(128).seed(3).build();
        INDArray firstBatchEpoch0 = null;
        Set<String> rows = new HashSet<>();
        int batches = 0;
        while (it.hasNext()) {
            DataSet b = it.next();
            if (firstBatchEpoch0 == null) {
                firstBatchEpoch0 = b.getFeatures().dup();
            }
            for (int r = 0; r < b.numExamples(); r++) {
                rows.add(b.getFeatures().getRow(r).toString() + b.getLabels().getRow(r));
            }
            batches++;
        }
        assertEquals(4, batches, "500 / 128 -> 3 full batches and one of 116");
        assertEquals(500, rows.size(), "every example once");
        it.reset();
        INDArray firstBatchEpoch1 = it.next().getFeatures();
        assertNotEquals(firstBatchEpoch0, firstBatchEpoch1, "a new order each epoch");
        ShuffledDataSetIterator again = FashionMnist.iterator(FashionMnist.Split.TEST).directory(SUBSET).batchSize(128).seed(3).build();
        assertEquals(firstBatchEpoch0, again.next().getFeatures(), "same seed, same order");
    }

    @Test
    void missingDirectoryNamesItAndSaysHowToGetTheData() {
        Path missing = dir.resolve("nowhere");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> FashionMnist.load(missing, FashionMnist.Split.TRAIN, 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("dataset-fashion-mnist")
                && e.getMessage().contains(FashionMnist.DIRECTORY_PROPERTY), e.getMessage());
    }

    @Test
    void missingFileIsNamed() throws IOException {
        Files.copy(SUBSET.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-images-idx3-ubyte.gz"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> FashionMnist.load(dir, FashionMnist.Split.TEST, 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte"), e.getMessage());
    }

    @Test
    void labelAndImageCountsMustAgree() throws IOException {
        Files.copy(SUBSET.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-images-idx3-ubyte.gz"));
        Files.copy(SUBSET.resolve("train-labels-idx1-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> FashionMnist.load(dir, FashionMnist.Split.TEST, 0, DataType.FLOAT));
        assertTrue(e.getMessage().contains("2000 labels") && e.getMessage().contains("500 images"), e.getMessage());
    }

    @Test
    void directoryComesFromThePropertyFirst() {
        String before = System.getProperty(FashionMnist.DIRECTORY_PROPERTY);
        try {
            System.setProperty(FashionMnist.DIRECTORY_PROPERTY, "/some/where");
            assertEquals(Path.of("/some/where"), FashionMnist.defaultDirectory());
            System.clearProperty(FashionMnist.DIRECTORY_PROPERTY);
            String env = System.getenv(FashionMnist.DIRECTORY_ENV);
            assertEquals(env != null && !env.isBlank() ? Path.of(env) : Path.of(FashionMnist.DEFAULT_DIRECTORY),
                    FashionMnist.defaultDirectory());
        } finally {
            if (before != null) {
                System.setProperty(FashionMnist.DIRECTORY_PROPERTY, before);
            }
        }
    }

    @Test
    void rejectsBadBuilderArguments() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.iterator(FashionMnist.Split.TEST).directory(SUBSET).batchSize(0).build())
                .getMessage().contains("batchSize"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.iterator(FashionMnist.Split.TEST).directory(SUBSET).limit(-1).build())
                .getMessage().contains("limit"));
    }

    @org.junit.jupiter.api.Test
    void anIntegerDataTypeIsRefusedNamingTheFix() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> FashionMnist.load(FashionMnist.sampleDirectory(), FashionMnist.Split.TEST, 10,
                        org.nd4j.linalg.api.buffer.DataType.INT));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("floating-point")
                && e.getMessage().contains("INT") && e.getMessage().contains("use FLOAT"), e.getMessage());
    }
}
