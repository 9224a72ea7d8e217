package io.github.dl4jsparse.examples;

import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import io.github.dl4jsparse.io.ModelFiles;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.runtime.PositionIndex;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The largest network of Liu, Mocanu et al., "Sparse evolutionary deep learning with over one million artificial
 * neurons on commodity hardware" (Neural Computing and Applications 33, 2021): a SET-MLP 3312-600000-600000-600000-5,
 * every hidden layer sparse with Erdős–Rényi density {@code ε · (nIn + nOut) / (nIn · nOut)} at ε = 20 (about 60
 * million active connections; a dense twin would have 7.2·10^11 weights), trained with momentum SGD (0.01, Nesterov
 * momentum 0.9), weight decay 2e-4, batch 2, and SET with ζ = 0.3 after every epoch; hidden weights drawn by He's
 * rule on the fan-in a unit really has. The data have the paper's shape
 * (3,312 features, 5 classes, 136 training samples) but are <b>synthetic</b>: Gaussian features around a random mean
 * per class, so the loss can fall; no accuracy here compares with the paper's.
 *
 * <p>Prints the init time, the seconds per epoch (its SET update included), the peak resident memory, and checks
 * after training: exact active counts per layer, 0 leaks, valid positions, and a checkpoint saved and loaded with
 * identical outputs, its size against the bytes of the active values and positions.
 *
 * <pre>
 * mvn -q -f dl4j-examples/pom.xml compile exec:exec@million                          # 600,000 per hidden layer
 * mvn -q -f dl4j-examples/pom.xml compile exec:exec@million -Dmillion.args="--hidden 100000"
 * </pre>
 * Options: {@code --hidden N} (neurons per hidden layer, default 600000), {@code --epochs N} (default 3),
 * {@code --epsilon E} (default 20), {@code --out DIR} (the checkpoint; default {@code dl4j-examples/target}).
 */
public final class MillionNeuronExample {

    private static final int FEATURES = 3312;
    private static final int CLASSES = 5;
    private static final int SAMPLES = 136;
    private static final int BATCH = 2;

    private MillionNeuronExample() {
    }

    public static void main(String[] args) throws IOException {
        int hidden = 600_000;
        int epochs = 3;
        double epsilon = 20;
        Path out = Path.of("dl4j-examples", "target");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--hidden" -> hidden = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--epsilon" -> epsilon = Double.parseDouble(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; the options are --hidden N, --epochs N, --epsilon E, --out DIR");
            }
        }
        int[] widths = {FEATURES, hidden, hidden, hidden, CLASSES};
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(42)
                .updater(new Nesterovs(0.01, 0.9)).weightDecay(2e-4).list();
        for (int l = 1; l <= 3; l++) {
            double density = Math.min(1.0, epsilon * (widths[l - 1] + widths[l]) / ((double) widths[l - 1] * widths[l]));
            // He initialisation on the fan-in a unit really has (density · nIn): with the dense fan-in the signal of
            // three layers this sparse would vanish
            list.layer(new SparseLinear.Builder().name("h" + l).nOut(widths[l]).sparsity(1.0 - density)
                    .weightInit(new WeightInitDistribution(new NormalDistribution(0, Math.sqrt(2.0 / (density * widths[l - 1])))))
                    .activation(Activation.RELU).build());
        }
        // the output layer's Erdős–Rényi density, 20 · (600000 + 5) / (600000 · 5), is above 1: dense
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(CLASSES)
                .activation(Activation.SOFTMAX).build());
        list.setInputType(InputType.feedForward(FEATURES));

        System.out.printf(Locale.ROOT, "SET-MLP %d-%d-%d-%d-%d, epsilon %s, kernels %s, %d thread(s)%n", widths[0],
                widths[1], widths[2], widths[3], widths[4], epsilon, SparseKernels.implementation(), SparseKernels.threads());
        long t0 = System.nanoTime();
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        System.out.printf(Locale.ROOT, "init: %.1f s; %,d active connections of %,d possible (a dense twin's weights); "
                + "%s%n", (System.nanoTime() - t0) / 1e9, activeConnections(net), possibleConnections(widths), memory());

        DataSet train = syntheticData(7);
        System.out.printf(Locale.ROOT, "before training: %s%n", fit(net, train));
        int stepsPerEpoch = SAMPLES / BATCH;
        PruneRegrowListener set = PruneRegrowListener.set().alpha(0.3).decay(PruneRegrowSchedule.Decay.CONSTANT)
                .deltaT(stepsPerEpoch).endStep((long) epochs * stepsPerEpoch).build();
        net.setListeners(set);
        ListDataSetIterator<DataSet> batches = new ListDataSetIterator<>(train.batchBy(BATCH), 1);
        for (int e = 1; e <= epochs; e++) {
            long t = System.nanoTime();
            net.fit(batches);
            MaskUpdate last = set.updates().isEmpty() ? null : set.updates().get(set.updates().size() - 1);
            System.out.printf(Locale.ROOT, "epoch %d: %.1f s (SET update included), %s; %s%n  %s%n", e,
                    (System.nanoTime() - t) / 1e9, fit(net, train), memory(), last == null ? "no update" : last.layers());
        }

        SparsityReport report = SparsityReport.of(net);
        boolean exact = true;
        for (LayerSparsity l : report.layers()) {
            SparseLayerConfig conf = (SparseLayerConfig) layer(net, l.name()).conf().getLayer();
            exact &= l.activeConnections() == conf.activeConnections();
            PositionIndex.requireValid(l.name(), "activeIndex", layer(net, l.name()).getParam(SparseLinear.ACTIVE_INDEX_KEY),
                    conf.connectionRows(), conf.connectionColumns());
        }
        System.out.printf(Locale.ROOT, "exact counts %s, leaks %d, positions valid%n", exact, report.leaks());

        Files.createDirectories(out);
        File file = out.resolve("million-neurons.zip").toFile();
        INDArray x = train.getFeatures().getRows(0, 1, 2, 3);
        INDArray expected = net.output(x).dup();
        long activeBytes = activeConnections(net) * (Float.BYTES + Long.BYTES);
        long saveStart = System.nanoTime();
        ModelSerializer.writeModel(net, file, true);
        double saveSeconds = (System.nanoTime() - saveStart) / 1e9;
        // let the trained network go before loading: DL4J's loader reads the file's entries into memory
        net = null;
        set = null;
        batches = null;
        System.gc();
        long loadStart = System.nanoTime();
        MultiLayerNetwork loaded = ModelFiles.restoreMultiLayerNetwork(file, true);
        boolean same = expected.equals(loaded.output(x));
        System.out.printf(Locale.ROOT, "save %.1f s, load %.1f s, same outputs %b; model file %.1f MB, %.2fx the bytes of "
                        + "the active values and positions (4 + 8 bytes each); %s%n", saveSeconds,
                (System.nanoTime() - loadStart) / 1e9, same, file.length() / 1e6, file.length() / (double) activeBytes,
                memory());
        if (!exact || report.leaks() != 0 || !same) {
            throw new IllegalStateException("a check failed: exact counts " + exact + ", leaks " + report.leaks()
                    + ", same outputs " + same);
        }
    }

    /**
     * @return the cross-entropy on the training data (without the weight-decay term that DL4J's score adds) and the
     *         training accuracy
     */
    private static String fit(MultiLayerNetwork net, DataSet data) {
        INDArray p = net.output(data.getFeatures());
        double crossEntropy = Math.max(0.0, -Transforms.log(p.add(1e-12)).mul(data.getLabels()).sumNumber().doubleValue() / p.rows());
        double accuracy = net.evaluate(new ListDataSetIterator<>(java.util.List.of(data), SAMPLES)).accuracy();
        return String.format(Locale.ROOT, "cross-entropy %.4f, training accuracy %.3f", crossEntropy, accuracy);
    }

    /** @return the resident and the peak resident memory of the process so far */
    private static String memory() throws IOException {
        return String.format(Locale.ROOT, "resident %.2f GB, peak %.2f GB", ScaleExample.residentBytes("VmRSS:") / 1e9,
                ScaleExample.residentBytes("VmHWM:") / 1e9);
    }

    /** Gaussian features around a random mean per class (synthetic: the paper's shape, not its data). */
    static DataSet syntheticData(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray means = Nd4j.randn(DataType.FLOAT, CLASSES, FEATURES);
        INDArray x = Nd4j.randn(DataType.FLOAT, SAMPLES, FEATURES);
        INDArray y = Nd4j.zeros(DataType.FLOAT, SAMPLES, CLASSES);
        for (int i = 0; i < SAMPLES; i++) {
            x.getRow(i).addi(means.getRow(i % CLASSES));
            y.putScalar(i, i % CLASSES, 1.0);
        }
        return new DataSet(x, y);
    }

    private static Layer layer(MultiLayerNetwork net, String name) {
        return net.getLayer(name);
    }

    private static long activeConnections(MultiLayerNetwork net) {
        return SparsityReport.of(net).activeConnections();
    }

    private static long possibleConnections(int[] widths) {
        long n = 0;
        for (int l = 1; l < widths.length; l++) {
            n += (long) widths[l - 1] * widths[l];
        }
        return n;
    }
}
