package io.github.dl4jsparse.examples;

import io.github.dl4jsparse.models.SparseMlp;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Locale;
import java.util.Random;

/**
 * The reference article's experiment, sparse from scratch against a dense baseline: {@code SparseMLP(100, 256, 10)}
 * at sparsity 0.8, 2048 random N(0,1) inputs with random labels from 10 classes, 20 full-batch epochs of Adam
 * (learning rate 1e-3). Prints the final losses and the measured model sparsity. No download needed.
 *
 * <pre>
 * mvn -q install -DskipTests &amp;&amp; mvn -q -f dl4j-examples/pom.xml compile exec:java
 * </pre>
 */
public final class SeedExperiment {

    private static final int INPUT = 100;
    private static final int HIDDEN = 256;
    private static final int CLASSES = 10;
    private static final int EXAMPLES = 2048;
    private static final int EPOCHS = 20;
    private static final double SPARSITY = 0.8;
    private static final long SEED = 42;

    private SeedExperiment() {
    }

    public static void main(String[] args) {
        DataSet data = generateData(EXAMPLES, INPUT, CLASSES, SEED);
        System.out.printf(Locale.ROOT, "SparseMLP(%d, %d, %d), %d random examples, %d full-batch epochs of Adam(1e-3)%n",
                INPUT, HIDDEN, CLASSES, EXAMPLES, EPOCHS);
        System.out.println("The labels are random, as in the reference article (docs/reference-article.md): the losses show"
                + " memorisation, not learning; what counts is the sparsity the trained masks keep (last line).");

        MultiLayerNetwork sparse = train(SparseMlp.sparse(INPUT, HIDDEN, CLASSES, SPARSITY, SEED, new Adam(1e-3)), data, "sparse from scratch");
        MultiLayerNetwork dense = train(SparseMlp.dense(INPUT, HIDDEN, CLASSES, SEED, new Adam(1e-3)), data, "dense baseline");

        SparsityReport report = SparsityReport.of(sparse);
        System.out.println();
        System.out.println(report);
        System.out.printf(Locale.ROOT, "Trainable parameters: dense %d, sparse %d of which active %d%n",
                dense.numParams(), report.trainableParameters(), report.activeParameters());
        System.out.printf(Locale.ROOT, "Model sparsity: %.4f%n", report.maskSparsity());
    }

    private static MultiLayerNetwork train(MultiLayerConfiguration conf, DataSet data, String label) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        double initial = net.score(data);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            net.fit(data);
        }
        System.out.printf(Locale.ROOT, "Final loss (%s): %.4f (initial %.4f)%n", label, net.score(data), initial);
        return net;
    }

    /** The article's {@code generate_data}: N(0,1) inputs, labels uniform over the classes, one-hot. */
    static DataSet generateData(int n, int inputDim, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, inputDim);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, random.nextInt(classes), 1.0);
        }
        return new DataSet(x, y);
    }
}
