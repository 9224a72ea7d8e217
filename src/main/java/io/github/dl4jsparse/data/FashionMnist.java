package io.github.dl4jsparse.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning
 * Algorithms", 2017) from local IDX files: 60,000 training and 10,000 test images of 28x28 grey levels in 10
 * classes, as published. Nothing is downloaded.
 *
 * <pre>{@code
 * DataSetIterator train = FashionMnist.iterator(FashionMnist.Split.TRAIN).batchSize(128).seed(1).build();
 * DataSetIterator test = FashionMnist.iterator(FashionMnist.Split.TEST).batchSize(1000).shuffle(false).build();
 * }</pre>
 *
 * <p>The directory holds {@code train-images-idx3-ubyte(.gz)}, {@code train-labels-idx1-ubyte(.gz)},
 * {@code t10k-images-idx3-ubyte(.gz)} and {@code t10k-labels-idx1-ubyte(.gz)}. It is, in order: the one given to
 * {@link Builder#directory(Path)}, the system property {@value #DIRECTORY_PROPERTY}, the environment variable
 * {@value #DIRECTORY_ENV}, else {@value #DEFAULT_DIRECTORY}, where Debian's package {@code dataset-fashion-mnist}
 * installs the files.
 *
 * <p>Without the files, {@link Builder#bundledSample()} reads the sample shipped in this library's jar: the first
 * {@value #SAMPLE_TRAIN} training and {@value #SAMPLE_TEST} test images, for quick starts that need no download.
 */
public final class FashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final String DEFAULT_DIRECTORY = "/usr/share/datasets/fashion-mnist";
    /** System property that overrides the default directory. */
    public static final String DIRECTORY_PROPERTY = "dl4jsparse.fashionMnist.dir";
    /** Environment variable that overrides the default directory (the system property wins). */
    public static final String DIRECTORY_ENV = "FASHION_MNIST_DIR";
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Pixels per image, 28 x 28. */
    public static final int PIXELS = 28 * 28;
    /** Training images in the {@linkplain #sampleDirectory() bundled sample}: the first of the published split. */
    public static final int SAMPLE_TRAIN = 2000;
    /** Test images in the {@linkplain #sampleDirectory() bundled sample}: the first of the published split. */
    public static final int SAMPLE_TEST = 500;

    private static final String SAMPLE_RESOURCE = "/dl4jsparse/fashion-mnist-sample/train-labels-idx1-ubyte.gz";
    private static Path sampleDirectory;

    /** The published split. */
    public enum Split {
        /** 60,000 training images. */
        TRAIN("train"),
        /** 10,000 test images. */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    private FashionMnist() {
    }

    /** @return the directory chosen by the system property, the environment variable or the default, in that order */
    public static Path defaultDirectory() {
        String property = System.getProperty(DIRECTORY_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv(DIRECTORY_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(DEFAULT_DIRECTORY);
    }

    /**
     * The directory of the sample shipped in this library's jar ({@value #SAMPLE_TRAIN} training and
     * {@value #SAMPLE_TEST} test images, the first of each published split, gzipped IDX files with the published
     * names and the data set's MIT licence), for {@link #load} or {@link Builder#directory}. Inside a jar it is a
     * directory of a read-only zip file system, open for the life of the JVM.
     *
     * @throws IllegalStateException if the sample is not on the class path (a repackaged jar that dropped it)
     */
    public static synchronized Path sampleDirectory() {
        if (sampleDirectory == null) {
            java.net.URL url = FashionMnist.class.getResource(SAMPLE_RESOURCE);
            if (url == null) {
                throw new IllegalStateException("the Fashion-MNIST sample " + SAMPLE_RESOURCE + " is not on the class "
                        + "path: it ships in the dl4j-sparse jar; a repackaged (shaded) jar must keep resources under "
                        + "dl4jsparse/");
            }
            try {
                java.net.URI uri = url.toURI();
                Path labels;
                if ("jar".equals(uri.getScheme())) {
                    java.nio.file.FileSystem jar;
                    try {
                        jar = java.nio.file.FileSystems.newFileSystem(uri, java.util.Map.of());
                    } catch (java.nio.file.FileSystemAlreadyExistsException e) {
                        jar = java.nio.file.FileSystems.getFileSystem(uri);
                    }
                    labels = jar.provider().getPath(uri);
                } else {
                    labels = Path.of(uri);
                }
                sampleDirectory = labels.getParent();
            } catch (java.net.URISyntaxException | IOException e) {
                throw new IllegalStateException("the Fashion-MNIST sample at " + url + " cannot be opened: " + e, e);
            }
        }
        return sampleDirectory;
    }

    /** Pixels are scaled to [0, 1]: an integer type would round them to 0 or 1. */
    private static void requireFloatingPoint(DataType dataType) {
        if (dataType == null || !dataType.isFPType()) {
            throw new IllegalArgumentException("FashionMnist: dataType must be a floating-point type (pixels are "
                    + "scaled to [0, 1], which an integer type rounds to 0 or 1), got " + dataType + "; use FLOAT");
        }
    }

    /**
     * Loads a split: features {@code [n, 784]} scaled to [0, 1] (pixel / 255), labels one-hot {@code [n, 10]}, in
     * file order.
     *
     * @param directory the directory with the four IDX files
     * @param split     which split
     * @param limit     load only the first {@code limit} examples; 0 or less for all
     * @param dataType  data type of the arrays, e.g. {@code DataType.FLOAT}
     * @throws NoSuchFileException if the directory or a file is missing; the message says how to get the data
     * @throws IllegalArgumentException for a data type that is not floating point
     * @throws IdxFormatException  if a file is truncated, corrupt or inconsistent with the other
     */
    public static DataSet load(Path directory, Split split, int limit, DataType dataType) throws IOException {
        requireFloatingPoint(dataType);
        if (!Files.isDirectory(directory)) {
            throw new NoSuchFileException(directory.toString(), null, "Fashion-MNIST directory not found. For the "
                    + SAMPLE_TRAIN + "-image sample in the library's jar, no download: .bundledSample(). For the full "
                    + "data set, the four IDX files of github.com/zalando-research/fashion-mnist (data/fashion, any OS) "
                    + "or Debian's package dataset-fashion-mnist (files in " + DEFAULT_DIRECTORY + "): .directory(DIR), "
                    + "-D" + DIRECTORY_PROPERTY + "=DIR or " + DIRECTORY_ENV + "=DIR");
        }
        Path imageFile = find(directory, split.prefix + "-images-idx3-ubyte");
        Path labelFile = find(directory, split.prefix + "-labels-idx1-ubyte");
        IdxFile images = IdxFile.read(imageFile, 3);
        IdxFile labels = IdxFile.read(labelFile, 1);
        int[] dims = images.dims();
        if (dims[1] != 28 || dims[2] != 28) {
            throw new IdxFormatException(imageFile, "images are " + dims[1] + "x" + dims[2] + ", expected 28x28");
        }
        if (images.count() != labels.count()) {
            throw new IdxFormatException(labelFile, "has " + labels.count() + " labels but " + imageFile.getFileName()
                    + " has " + images.count() + " images");
        }
        int n = limit > 0 ? Math.min(limit, images.count()) : images.count();
        float[] pixels = new float[n * PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = images.unsignedByte(i) / 255f;
        }
        float[] oneHot = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            int label = labels.unsignedByte(i);
            if (label >= CLASSES) {
                throw new IdxFormatException(labelFile, "label " + i + " is " + label + ", must be < " + CLASSES);
            }
            oneHot[i * CLASSES + label] = 1f;
        }
        INDArray features = Nd4j.create(pixels, new long[]{n, PIXELS}, 'c').castTo(dataType);
        INDArray targets = Nd4j.create(oneHot, new long[]{n, CLASSES}, 'c').castTo(dataType);
        return new DataSet(features, targets);
    }

    private static Path find(Path directory, String name) throws NoSuchFileException {
        for (String candidate : new String[]{name + ".gz", name}) {
            Path p = directory.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new NoSuchFileException(directory.resolve(name + ".gz").toString(), null,
                "Fashion-MNIST file missing (neither " + name + ".gz nor " + name + " in " + directory + ")");
    }

    /**
     * Images as sequences for recurrent layers: features {@code [n, 784]} become {@code [n, 28, 28]}, one image row
     * (28 pixels) per time step, in DL4J's NWC layout ({@code RNNFormat.NWC}: {@code [examples, steps, features]}).
     *
     * @param images a data set of flat images, as {@link #load} returns
     * @return the same examples and labels, features reshaped (no copy where the features are contiguous)
     * @throws IllegalArgumentException if the features are not {@code [n, 784]}
     */
    public static DataSet rowsAsSequences(DataSet images) {
        INDArray x = images.getFeatures();
        if (x.rank() != 2 || x.size(1) != PIXELS) {
            throw new IllegalArgumentException("FashionMnist.rowsAsSequences: features must be [n, " + PIXELS
                    + "] flat images, got " + java.util.Arrays.toString(x.shape()));
        }
        return new DataSet(x.reshape('c', x.size(0), 28, 28), images.getLabels());
    }

    /** @return a builder of a minibatch iterator over {@code split} */
    public static Builder iterator(Split split) {
        return new Builder(split);
    }

    /** Builder of a Fashion-MNIST {@link ShuffledDataSetIterator}. */
    public static final class Builder {
        private final Split split;
        private Path directory;
        private int batchSize = 128;
        private long seed = 42;
        private boolean shuffle = true;
        private int limit;
        private DataType dataType = DataType.FLOAT;
        private boolean sequences;

        private Builder(Split split) {
            this.split = split;
        }

        /** The directory with the IDX files. Default: {@link #defaultDirectory()}. */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Reads the sample shipped in the library's jar instead of a directory ({@link #sampleDirectory()}):
         * {@value #SAMPLE_TRAIN} training or {@value #SAMPLE_TEST} test images, no download.
         */
        public Builder bundledSample() {
            return directory(sampleDirectory());
        }

        /** Examples per minibatch, > 0. Default: 128. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Seed of the per-epoch shuffle. Default: 42. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether to shuffle every epoch. Default: true. */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Use only the first {@code limit} examples of the split, for quick runs; 0 for all. Default: 0. */
        public Builder limit(int limit) {
            this.limit = limit;
            return this;
        }

        /**
         * Minibatches of sequences for recurrent layers, one image row per time step: features
         * {@code [batch, 28 steps, 28 pixels]}, NWC ({@link #rowsAsSequences}); use {@code dataFormat(RNNFormat.NWC)}
         * and {@code InputType.recurrent(28, 28, RNNFormat.NWC)}. Default: flat images {@code [batch, 784]}.
         */
        public Builder rowsAsSequences() {
            this.sequences = true;
            return this;
        }

        /** Data type of features and labels. Default: FLOAT. */
        public Builder dataType(DataType dataType) {
            requireFloatingPoint(dataType);
            this.dataType = dataType;
            return this;
        }

        /**
         * Loads the split and builds the iterator.
         *
         * @throws IllegalArgumentException for {@code batchSize <= 0} or {@code limit < 0}
         * @throws IOException              as {@link #load}
         */
        public ShuffledDataSetIterator build() throws IOException {
            if (batchSize <= 0) {
                throw new IllegalArgumentException("FashionMnist: batchSize must be > 0, got " + batchSize);
            }
            if (limit < 0) {
                throw new IllegalArgumentException("FashionMnist: limit must be >= 0, got " + limit);
            }
            DataSet all = load(directory != null ? directory : defaultDirectory(), split, limit, dataType);
            return new ShuffledDataSetIterator(sequences ? FashionMnist.rowsAsSequences(all) : all, batchSize, shuffle,
                    seed);
        }
    }
}
