package io.github.dl4jsparse.spark.examples;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.models.SparseMlp;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.spark.SparkPruneRegrow;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * LeNet-300-100 at sparsity 0.9 (ERK) trained with RigL on Spark ({@code local[N]}, parameter averaging), the masks
 * updated on the driver by {@link SparkPruneRegrow}; prints the test accuracy and the sparsity report after each
 * epoch. Options: {@code --epochs N} (default 3), {@code --workers N} (default 2), {@code --train-limit N} (default
 * all 60,000), {@code --data DIR} (default: {@link FashionMnist#defaultDirectory()}; without the files there, the
 * sample in the library's jar). deltaT is 50 steps, or fewer for a short run so that it rewires about 8 times.
 *
 * <pre>{@code
 * mvn -q -f dl4j-sparse-spark/pom.xml compile exec:exec@fashion
 * }</pre>
 */
public final class SparkFashionMnistExample {

    private static final int BATCH = 64;
    private static final int AVERAGING = 5;

    private SparkFashionMnistExample() {
    }

    public static void main(String[] args) throws Exception {
        int epochs = 3;
        int workers = 2;
        int trainLimit = 0;
        Path data = FashionMnist.defaultDirectory();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--train-limit" -> trainLimit = Integer.parseInt(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (!java.nio.file.Files.isDirectory(data)) {
            System.out.println("no Fashion-MNIST files in " + data + ": using the sample in the library's jar");
            data = FashionMnist.sampleDirectory();
        }
        DataSet train = FashionMnist.load(data, FashionMnist.Split.TRAIN, trainLimit, DataType.FLOAT);
        DataSet test = FashionMnist.load(data, FashionMnist.Split.TEST, 0, DataType.FLOAT);
        List<DataSet> minibatches = train.batchBy(BATCH);

        SparkConf conf = new SparkConf().setMaster("local[" + workers + "]").setAppName("dl4j-sparse Fashion-MNIST")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            JavaRDD<DataSet> rdd = sc.parallelize(minibatches, workers).cache();
            MultiLayerConfiguration netConf = SparseMlp.of(new int[]{784, 300, 100, 10}, new double[]{0.9, 0.9, 0.9},
                    1, new Adam(1e-3));
            SparsityDistribution.erk(0.9).build().applyTo(netConf);
            MultiLayerNetwork net = new MultiLayerNetwork(netConf);
            net.init();
            ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(workers, BATCH)
                    .batchSizePerWorker(BATCH).averagingFrequency(AVERAGING).workerPrefetchNumBatches(0).saveUpdater(true)
                    .rngSeed(1).build();
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net, tm);
            long stepsPerEpoch = (minibatches.size() + workers - 1) / workers;
            // deltaT 50 (a multiple of the averaging frequency), less for short runs: about 8 updates before tEnd at least
            int deltaT = (int) Math.max(AVERAGING, Math.min(50, stepsPerEpoch * epochs * 3 / 4 / 8 / AVERAGING * AVERAGING));
            PruneRegrowListener rigl = PruneRegrowListener.rigl().plannedEpochs(epochs, stepsPerEpoch).deltaT(deltaT).build();
            SparkPruneRegrow trainer = new SparkPruneRegrow(sparkNet, rigl, workers);
            System.out.printf(Locale.ROOT, "Fashion-MNIST on Spark local[%d]: %d training examples, minibatch %d per "
                    + "worker, averaging every %d, RigL-ERK 0.9 with deltaT %d, %d epochs%n", workers, train.numExamples(), BATCH,
                    AVERAGING, deltaT, epochs);
            for (int e = 1; e <= epochs; e++) {
                long start = System.nanoTime();
                MultiLayerNetwork trained = trainer.fitEpoch(rdd);
                double accuracy = trained.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                        test.batchBy(1000), 1)).accuracy();
                System.out.printf(Locale.ROOT, "epoch %d: test accuracy %.4f, %d mask updates so far, %.1f s%n", e,
                        accuracy, rigl.updates().size(), (System.nanoTime() - start) / 1e9);
            }
            System.out.println(SparsityReport.of(sparkNet.getNetwork()));
        }
    }
}
