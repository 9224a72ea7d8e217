package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Bytes per active connection of a {@code SparseLinear} layer with {@code ACTIVE} storage after training, for Adam,
 * momentum SGD (Nesterovs) and no updater (NoOp), float32: the slope between a layer of 1 and one of 9 million active
 * connections (20,000 x 20,000 possible; each size in a JVM of its own, 3 steps at batch 2). Counted: ND4J's arrays of
 * the network (parameters: values and their two-row positions index; the flattened gradient, which DL4J keeps for every
 * parameter; the updater state) plus the Java heap in use after a full GC (the layer's index structure and caches).
 * Also printed, for context: the slope of the peak resident memory, which includes the transient arrays of the
 * initialisation.
 *
 * <pre>
 * mvn -q -f dl4j-examples/pom.xml compile exec:exec@bytes
 * </pre>
 */
public final class BytesPerConnection {

    private static final int WIDTH = 20_000;
    private static final long SMALL = 1_000_000;
    private static final long LARGE = 9_000_000;

    private BytesPerConnection() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2) {
            measure(args[0], Long.parseLong(args[1]));
            return;
        }
        System.out.println("| updater | ND4J arrays (params, gradient, state) | Java heap (index structures, caches) "
                + "| total, bytes per active connection | peak RSS slope |");
        System.out.println("|---|---|---|---|---|");
        for (String updater : new String[]{"adam", "nesterovs", "noop"}) {
            double[] small = child(updater, SMALL);
            double[] large = child(updater, LARGE);
            double arrays = (large[0] - small[0]) / (LARGE - SMALL);
            double heap = (large[1] - small[1]) / (LARGE - SMALL);
            double rss = (large[2] - small[2]) / (LARGE - SMALL);
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", updater, arrays, heap, arrays + heap, rss);
        }
    }

    private static double[] child(String updater, long active) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx6g",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), BytesPerConnection.class.getName(), updater,
                Long.toString(active)).redirectErrorStream(true).start();
        double[] out = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("BYTES ")) {
                    String[] f = line.split(" ");
                    out = new double[]{Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])};
                }
            }
        }
        if (p.waitFor() != 0 || out == null) {
            throw new IllegalStateException("the measurement of " + updater + " at " + active + " failed");
        }
        return out;
    }

    private static void measure(String updaterName, long active) throws Exception {
        IUpdater updater = switch (updaterName) {
            case "adam" -> new Adam(1e-3);
            case "nesterovs" -> new Nesterovs(0.01, 0.9);
            case "noop" -> new NoOp();
            default -> throw new IllegalArgumentException("updater adam, nesterovs or noop, got " + updaterName);
        };
        double sparsity = 1.0 - active / ((double) WIDTH * WIDTH);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(updater).list()
                .layer(new SparseLinear.Builder().nOut(WIDTH).sparsity(sparsity).storage(WeightStorage.ACTIVE)
                        .activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX)
                        .updater(new NoOp()).build())
                .setInputType(InputType.feedForward(WIDTH))
                .build());
        net.init();
        Nd4j.getRandom().setSeed(2);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 2, WIDTH), Nd4j.eye(5).getRows(0, 1).castTo(DataType.FLOAT));
        for (int s = 0; s < 3; s++) {
            net.fit(batch);
        }
        long arrays = (net.params().length() + net.getGradientsViewArray().length()
                + (net.getUpdater().getStateViewArray() == null ? 0 : net.getUpdater().getStateViewArray().length())) * 4L;
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        System.out.println("BYTES " + arrays + " " + heap + " " + peakRss());
    }

    private static long peakRss() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
