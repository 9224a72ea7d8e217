package io.github.dl4jsparse.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * The calibrated crossover of {@link ProductRoute#AUTO}, read from {@code product-route.properties} (in this package's
 * resources, or the file named by the system property {@value #PROPERTY}): for fully connected layers and for
 * convolutions, the minibatch sizes measured and, per size, the density up to which the sparse kernels pay, for
 * training and inference, with the Vector API and in plain Java. Machine-specific figures live in that file and in
 * docs/speed-and-memory.md, not in code.
 */
final class RouteBounds {

    /** System property naming a file of bounds measured on another machine (same keys as the bundled resource). */
    static final String PROPERTY = "dl4jsparse.routeBounds";

    private final String kind;
    private final long[] batches;
    /** [vectorised ? 0 : 1][training ? 0 : 1][batch row]. */
    private final double[][][] bounds;

    private RouteBounds(String kind, long[] batches, double[][][] bounds) {
        this.kind = kind;
        this.batches = batches;
        this.bounds = bounds;
    }

    /** The bounds of fully connected layers. */
    static final RouteBounds LINEAR;
    /** The bounds of convolutions. */
    static final RouteBounds CONVOLUTION;

    static {
        Properties p = load();
        LINEAR = of(p, "linear");
        CONVOLUTION = of(p, "conv");
    }

    private static Properties load() {
        Properties p = new Properties();
        String file = System.getProperty(PROPERTY);
        try (InputStream in = file != null ? Files.newInputStream(Path.of(file))
                : RouteBounds.class.getResourceAsStream("product-route.properties")) {
            if (in == null) {
                throw new IllegalStateException("product-route.properties is missing from the dl4j-sparse jar");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the product route bounds " + (file != null ? "from " + PROPERTY
                    + "=" + file : "product-route.properties"), e);
        }
        return p;
    }

    /**
     * @throws IllegalArgumentException naming the key and the value for a missing key, a batch list that is not
     *                                  increasing positive integers, or a bound not in [0, 1] or of another length
     */
    static RouteBounds of(Properties p, String kind) {
        long[] batches = Arrays.stream(values(p, kind + ".batches")).mapToLong(Long::parseLong).toArray();
        for (int i = 0; i < batches.length; i++) {
            if (batches[i] <= 0 || (i > 0 && batches[i] <= batches[i - 1])) {
                throw new IllegalArgumentException(kind + ".batches must be increasing positive minibatch sizes, got "
                        + p.getProperty(kind + ".batches"));
            }
        }
        double[][][] bounds = new double[2][2][];
        String[] apis = {"vector", "plain"};
        String[] passes = {"training", "inference"};
        for (int a = 0; a < 2; a++) {
            for (int t = 0; t < 2; t++) {
                String key = kind + "." + apis[a] + "." + passes[t];
                double[] b = Arrays.stream(values(p, key)).mapToDouble(Double::parseDouble).toArray();
                if (b.length != batches.length || Arrays.stream(b).anyMatch(d -> !(d >= 0.0 && d <= 1.0))) {
                    throw new IllegalArgumentException(key + " must be " + batches.length + " densities in [0, 1] (one "
                            + "per size of " + kind + ".batches), got " + p.getProperty(key));
                }
                bounds[a][t] = b;
            }
        }
        return new RouteBounds(kind, batches, bounds);
    }

    private static String[] values(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("product route bounds: key " + key + " is missing");
        }
        return Arrays.stream(v.split(",")).map(String::trim).toArray(String[]::new);
    }

    /** @return whether the kernels pay at {@code density} for a minibatch of {@code batch} */
    boolean kernelsPay(double density, int batch, boolean training, boolean vectorised) {
        return density <= bounds[vectorised ? 0 : 1][training ? 0 : 1][row(batch)];
    }

    /** The measured size nearest to {@code batch} on a log scale, ties to the smaller. */
    int row(int batch) {
        double x = Math.log(Math.max(1, batch));
        int best = 0;
        for (int i = 1; i < batches.length; i++) {
            if (Math.abs(Math.log(batches[i]) - x) < Math.abs(Math.log(batches[best]) - x)) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return kind + " bounds at minibatch " + Arrays.toString(batches);
    }
}
