package io.github.dl4jsparse.spark;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.io.ModelFiles;
import io.github.dl4jsparse.dynamic.RegrowCriterion;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.runtime.PositionIndex;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spark local[2] with parameter averaging: static masks stay exact; SET and RigL through {@link SparkPruneRegrow}. */
class SparkPruneRegrowTest {

    private static final int BATCH = 8;
    private static final int WORKERS = 2;
    private static JavaSparkContext sc;

    @BeforeAll
    static void startSpark() {
        SparkConf conf = new SparkConf().setMaster("local[" + WORKERS + "]").setAppName("dl4j-sparse-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    private static MultiLayerNetwork net() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12).updater(new Adam(1e-2)).list()
                .layer(new SparseLinear.Builder().name("fc1").nOut(40).sparsity(0.9).activation(Activation.TANH).build())
                .layer(new SparseLinear.Builder().name("fc2").nOut(30).sparsity(0.9).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(12))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** 48 minibatches of 8 examples: 24 global steps an epoch with 2 workers; labels depend on the inputs. */
    private static JavaRDD<DataSet> data() {
        Nd4j.getRandom().setSeed(3);
        Random random = new Random(3);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < 48; b++) {
            INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, 12);
            INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 4);
            for (int i = 0; i < BATCH; i++) {
                int c = x.getDouble(i, 0) > 0 ? (x.getDouble(i, 1) > 0 ? 0 : 1) : (random.nextBoolean() ? 2 : 3);
                y.putScalar(i, c, 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return sc.parallelize(out, WORKERS);
    }

    private static SparkDl4jMultiLayer spark(MultiLayerNetwork net) {
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(3).workerPrefetchNumBatches(0).saveUpdater(true)
                .rngSeed(5).build();
        return new SparkDl4jMultiLayer(sc, net, tm);
    }

    private static List<long[]> positions(MultiLayerNetwork net) {
        List<long[]> out = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l instanceof SparseLayer s) {
                out.add(s.activePositions());
            }
        }
        return out;
    }

    private static void requireValid(MultiLayerNetwork net) {
        for (Layer l : net.getLayers()) {
            INDArray index = l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
            if (index != null) {
                SparseLayerConfig c = (SparseLayerConfig) l.conf().getLayer();
                PositionIndex.requireValid(c.getLayerName(), "activeIndex", index, c.connectionRows(), c.connectionColumns());
            }
        }
        SparsityReport report = SparsityReport.of(net);
        assertEquals(0, report.leaks());
        report.layers().forEach(l -> assertEquals(Math.round(0.9 * l.connections()), l.maskZeros(), l.name()));
    }

    @Test
    void staticMasksStayExactUnderParameterAveraging() {
        MultiLayerNetwork net = net();
        List<long[]> before = positions(net);
        SparkDl4jMultiLayer sparkNet = spark(net);
        JavaRDD<DataSet> data = data();
        double lossBefore = sparkNet.getNetwork().score(data.first());
        for (int e = 0; e < 3; e++) {
            sparkNet.fit(data);
        }
        MultiLayerNetwork trained = sparkNet.getNetwork();
        requireValid(trained);
        List<long[]> after = positions(trained);
        for (int i = 0; i < before.size(); i++) {
            assertTrue(java.util.Arrays.equals(before.get(i), after.get(i)), "positions unchanged, layer " + i);
        }
        assertTrue(trained.score(data.first()) < lossBefore, "loss falls");
    }

    @ParameterizedTest
    @EnumSource(RegrowCriterion.class)
    void pruneAndRegrowOnTheDriverKeepsTheInvariants(RegrowCriterion criterion) {
        MultiLayerNetwork net = net();
        List<long[]> before = positions(net);
        SparkDl4jMultiLayer sparkNet = spark(net);
        // 24 global steps an epoch, 3 epochs = 72; updates every 6 steps until 54
        PruneRegrowListener listener = PruneRegrowListener.builder(criterion).deltaT(6).plannedIterations(72).alpha(0.5).build();
        SparkPruneRegrow trainer = new SparkPruneRegrow(sparkNet, listener, WORKERS);
        JavaRDD<DataSet> data = data();
        Set<Path> exportedBefore = exportFiles();
        for (int e = 0; e < 3; e++) {
            trainer.fitEpoch(data);
        }
        Set<Path> left = exportFiles();
        left.removeAll(exportedBefore);
        assertEquals(Set.of(), left, "no exported minibatches left under hadoop.tmp.dir/dl4j");
        assertEquals(72, trainer.steps());
        assertEquals(3, sparkNet.getNetwork().getEpochCount());
        assertEquals(9, listener.updates().size(), "updates at steps 6, 12, ..., 54");
        MultiLayerNetwork trained = sparkNet.getNetwork();
        requireValid(trained);
        List<long[]> after = positions(trained);
        long moved = 0;
        for (int i = 0; i < before.size(); i++) {
            Set<Long> old = new HashSet<>();
            for (long p : before.get(i)) {
                old.add(p);
            }
            for (long p : after.get(i)) {
                moved += old.contains(p) ? 0 : 1;
            }
        }
        assertTrue(moved > 0, "masks changed");
        System.out.printf("SparkPruneRegrow %s, local[2], averaging every 3: %d updates, %d connections moved, 0 leaks, "
                + "exact counts%n", criterion, listener.updates().size(), moved);
    }

    /** The files DL4J's Export approach leaves under {@code hadoop.tmp.dir/dl4j/}. */
    private static Set<Path> exportFiles() {
        Path dir = Path.of(sc.hadoopConfiguration().get("hadoop.tmp.dir"), "dl4j");
        if (!Files.isDirectory(dir)) {
            return new HashSet<>();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aScheduleResumedFromACheckpointMakesTheSameUpdates(@TempDir Path dir) throws IOException {
        JavaRDD<DataSet> data = data();
        PruneRegrowListener whole = PruneRegrowListener.set().deltaT(6).plannedIterations(72).alpha(0.5).build();
        SparkPruneRegrow uninterrupted = new SparkPruneRegrow(spark(net()), whole, WORKERS);
        for (int e = 0; e < 3; e++) {
            uninterrupted.fitEpoch(data);
        }

        PruneRegrowListener first = PruneRegrowListener.set().deltaT(6).plannedIterations(72).alpha(0.5).build();
        SparkDl4jMultiLayer sparkNet = spark(net());
        SparkPruneRegrow before = new SparkPruneRegrow(sparkNet, first, WORKERS);
        before.fitEpoch(data);
        File file = dir.resolve("checkpoint.zip").toFile();
        ModelSerializer.writeModel(sparkNet.getNetwork(), file, true);
        before.saveTo(file);

        SparkDl4jMultiLayer restored = spark(ModelFiles.restoreMultiLayerNetwork(file, true));
        SparkPruneRegrow after = SparkPruneRegrow.restore(restored, file, WORKERS);
        assertEquals(24, after.steps());
        for (int e = 1; e < 3; e++) {
            after.fitEpoch(data);
        }
        assertEquals(72, after.steps());
        requireValid(restored.getNetwork());
        List<Long> expected = whole.updates().stream().map(MaskUpdate::iteration).toList();
        List<Long> resumed = new ArrayList<>(first.updates().stream().map(MaskUpdate::iteration).toList());
        resumed.addAll(after.listener().updates().stream().map(MaskUpdate::iteration).toList());
        assertEquals(expected, resumed, "the same update steps as the uninterrupted run");
        assertEquals(List.of(5L, 11L, 17L, 23L, 29L, 35L, 41L, 47L, 53L), expected);
    }

    /**
     * Counts, on the workers, every minibatch trained, keyed by its first feature value (local mode: the executors
     * share this JVM, so the static map sees them all).
     */
    static final class TrainedMinibatches extends BaseTrainingListener implements Serializable {
        static final Map<Double, Integer> COUNTS = new ConcurrentHashMap<>();

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            COUNTS.merge(activations.get(0).getDouble(0, 0), 1, Integer::sum);
        }
    }

    @Test
    void everyMinibatchIsTrainedOnceAndStepsAreDl4jsIterations() {
        // 31 minibatches, averaging every 2, 2 workers: neither the epoch nor the stretch between updates (10 steps
        // = 20 minibatches) is a multiple of the 4 minibatches DL4J trains between averagings
        List<DataSet> minibatches = new ArrayList<>(data().collect().subList(0, 31));
        JavaRDD<DataSet> data = sc.parallelize(minibatches, WORKERS);
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(2).workerPrefetchNumBatches(0).saveUpdater(true)
                .rngSeed(5).build();
        tm.setListeners(List.of(new TrainedMinibatches()));
        SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(sc, net(), tm);
        PruneRegrowListener set = PruneRegrowListener.set().deltaT(10).plannedIterations(48).alpha(0.3).build();
        SparkPruneRegrow trainer = new SparkPruneRegrow(sparkNet, set, WORKERS);
        TrainedMinibatches.COUNTS.clear();
        for (int e = 1; e <= 3; e++) {
            trainer.fitEpoch(data);
            for (DataSet d : minibatches) {
                assertEquals(e, TrainedMinibatches.COUNTS.getOrDefault(d.getFeatures().getDouble(0, 0), 0),
                        "epoch " + e + ": each minibatch trained once an epoch");
            }
            assertEquals(minibatches.size(), TrainedMinibatches.COUNTS.size(), "nothing else trained");
            assertEquals(sparkNet.getNetwork().getIterationCount(), trainer.steps(),
                    "epoch " + e + ": the trainer's steps are DL4J's iterations");
        }
        assertEquals(48, trainer.steps(), "16 steps an epoch (15 of 2 minibatches, one of 1)");
        assertEquals(List.of(9L, 19L, 29L), set.updates().stream().map(MaskUpdate::iteration).toList(),
                "updates at steps 10, 20 and 30, the last two across epoch boundaries");
        requireValid(sparkNet.getNetwork());
    }

    @Test
    void minibatchesOfAnotherSizeThanTheMastersAreRefused() {
        List<DataSet> halves = new ArrayList<>();
        for (DataSet d : data().collect()) {
            halves.addAll(d.batchBy(BATCH / 2));
        }
        SparkPruneRegrow trainer = new SparkPruneRegrow(spark(net()),
                PruneRegrowListener.set().deltaT(6).plannedIterations(72).build(), WORKERS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fitEpoch(sc.parallelize(halves, WORKERS)));
        assertTrue(e.getMessage().contains("has 4 examples") && e.getMessage().contains("rddDataSetNumExamples = 8")
                && e.getMessage().contains("batchSizePerWorker = 8") && e.getMessage().contains(".batchSizePerWorker(4)"),
                e.getMessage());
    }

    @Test
    void aListenerLeftOnTheDriversNetworkIsNamed() {
        MultiLayerNetwork net = net();
        net.setListeners(PruneRegrowListener.set().deltaT(6).plannedIterations(72).build());
        SparkDl4jMultiLayer sparkNet = spark(net);
        sparkNet.fit(data());
        assertEquals(0, ((PruneRegrowListener) net.getListeners().iterator().next()).updates().size(),
                "DL4J's Spark training never called it");
        String warning = IgnoredListeners.warning();
        assertTrue(warning != null && warning.contains("SparkPruneRegrow"), String.valueOf(warning));
    }

    @Test
    void theMastersSettingsTheDocsRequireAreChecked() {
        IllegalArgumentException deltaT = assertThrows(IllegalArgumentException.class, () -> new SparkPruneRegrow(
                spark(net()), PruneRegrowListener.set().deltaT(7).plannedIterations(72).build(), WORKERS));
        assertTrue(deltaT.getMessage().contains("deltaT 7 is not a multiple of the training master's "
                + "averagingFrequency 3") && deltaT.getMessage().contains("use deltaT 6"), deltaT.getMessage());
        ParameterAveragingTrainingMaster noUpdater = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(3).workerPrefetchNumBatches(0).saveUpdater(false)
                .build();
        IllegalArgumentException updater = assertThrows(IllegalArgumentException.class, () -> new SparkPruneRegrow(
                new SparkDl4jMultiLayer(sc, net(), noUpdater),
                PruneRegrowListener.set().deltaT(6).plannedIterations(72).build(), WORKERS));
        assertTrue(updater.getMessage().contains("saveUpdater(true)"), updater.getMessage());
        IllegalArgumentException workers = assertThrows(IllegalArgumentException.class, () -> new SparkPruneRegrow(
                spark(net()), PruneRegrowListener.set().deltaT(6).plannedIterations(72).build(), 3));
        assertTrue(workers.getMessage().contains("workers = 3 but the training master has 2 workers")
                && workers.getMessage().contains("pass workers = 2"), workers.getMessage());
        for (Repartition repartition : new Repartition[]{Repartition.Never, Repartition.NumPartitionsWorkersDiffers}) {
            ParameterAveragingTrainingMaster unbalanced = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                    .batchSizePerWorker(BATCH).averagingFrequency(3).saveUpdater(true).repartionData(repartition)
                    .build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparkPruneRegrow(
                    new SparkDl4jMultiLayer(sc, net(), unbalanced),
                    PruneRegrowListener.set().deltaT(6).plannedIterations(72).build(), WORKERS));
            assertTrue(e.getMessage().contains("repartition = " + repartition)
                    && e.getMessage().contains("Repartition.Always"), e.getMessage());
        }
        ParameterAveragingTrainingMaster sparkDefault = new ParameterAveragingTrainingMaster.Builder(WORKERS, BATCH)
                .batchSizePerWorker(BATCH).averagingFrequency(3).saveUpdater(true)
                .repartitionStrategy(RepartitionStrategy.SparkDefault).build();
        IllegalArgumentException strategy = assertThrows(IllegalArgumentException.class, () -> new SparkPruneRegrow(
                new SparkDl4jMultiLayer(sc, net(), sparkDefault),
                PruneRegrowListener.set().deltaT(6).plannedIterations(72).build(), WORKERS));
        assertTrue(strategy.getMessage().contains("repartitionStrategy = SparkDefault"), strategy.getMessage());
    }

    @Test
    void listenersRefuseToBeShippedToExecutors() {
        PruneRegrowListener listener = PruneRegrowListener.set().deltaT(5).plannedIterations(10).build();
        NotSerializableException e = assertThrows(NotSerializableException.class,
                () -> new ObjectOutputStream(new ByteArrayOutputStream()).writeObject(listener));
        assertTrue(e.getMessage().contains("SparkPruneRegrow"), e.getMessage());
        MultiLayerNetwork net = net();
        net.setListeners(listener);
        IllegalArgumentException attached = assertThrows(IllegalArgumentException.class,
                () -> new SparkPruneRegrow(spark(net), listener, WORKERS));
        assertTrue(attached.getMessage().contains("Remove it"), attached.getMessage());
    }
}
