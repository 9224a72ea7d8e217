package io.github.dl4jsparse.examples.ui;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.data.ShuffledDataSetIterator;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.models.SparseMlp;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.core.storage.StorageMetaData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * What recording for the Sparsity page costs: one epoch of LeNet-300-100 at sparsity 0.9 under RigL on Fashion-MNIST
 * (60,000 images, minibatch 128, an update every 100 steps), timed without recording and with a
 * {@link SparsityListener} reporting every 100 iterations to a {@code FileStatsStorage} (reports, connectivity with the
 * 28x28 heat map, every prune-and-regrow update). The two kinds of epoch alternate, each on a fresh network of the
 * same seed (so both do the same work), after one warm-up pair; the ratio of the medians is printed, with every pair.
 * The time spent inside the listener's own calls is also measured directly (a timing wrapper around it), as a fraction
 * of the recorded epoch: on a 2-core machine the epoch-to-epoch noise is larger than the cost itself.
 *
 * <p>Options: {@code --rounds N} (timed pairs, default 7), {@code --warm-up N} (untimed pairs first, default 2),
 * {@code --limit N} (training images, default all), {@code --memory} (record to an {@code InMemoryStatsStorage}
 * instead of a file).
 */
public final class RecordingCostExample {

    private RecordingCostExample() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 7;
        int limit = 0;
        int warmUp = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--limit" -> limit = Integer.parseInt(args[++i]);
                case "--warm-up" -> warmUp = Integer.parseInt(args[++i]);
                case "--memory" -> inMemory = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        DataSet train = FashionMnist.load(FashionMnist.defaultDirectory(), FashionMnist.Split.TRAIN, limit, DataType.FLOAT);
        Path dir = Files.createTempDirectory("recording-cost");
        List<Double> plain = new ArrayList<>();
        List<Double> recorded = new ArrayList<>();
        List<Double> inListener = new ArrayList<>();
        for (int r = 1 - warmUp; r <= rounds; r++) {
            // alternate which kind goes first, so a drift of the machine's speed hits both alike
            boolean recordFirst = Math.floorMod(r, 2) == 1;
            double a = epochSeconds(train, recordFirst ? dir.resolve("stats-" + r + ".dl4j") : null);
            double b = epochSeconds(train, recordFirst ? null : dir.resolve("stats-" + r + ".dl4j"));
            double p = recordFirst ? b : a;
            double q = recordFirst ? a : b;
            if (r <= 0) {
                System.out.printf(Locale.ROOT, "warm-up: plain %.3f s, recorded %.3f s%n", p, q);
                continue;
            }
            plain.add(p);
            recorded.add(q);
            inListener.add(lastListenerSeconds / q);
            inStorage.add(lastRouter.nanos / 1e9 / q);
            System.out.printf(Locale.ROOT, "round %d: plain %.3f s, recorded %.3f s, ratio %.4f; inside the listener "
                    + "%.1f ms (%.2f%% of the recorded epoch), of which %d storage puts %.1f ms%n", r, p, q, q / p,
                    lastListenerSeconds * 1e3, lastListenerSeconds / q * 100, lastRouter.puts, lastRouter.nanos / 1e6);
        }
        double mp = median(plain);
        double mr = median(recorded);
        System.out.printf(Locale.ROOT, "median epoch: plain %.3f s, recorded %.3f s; recorded / plain = %.4f (%+.2f%%)%n",
                mp, mr, mr / mp, (mr / mp - 1) * 100);
        System.out.println("storage: " + (inMemory ? "InMemoryStatsStorage" : "FileStatsStorage") + ", " + rounds
                + " rounds after " + warmUp + " warm-up pairs, " + train.numExamples() + " images");
        System.out.printf(Locale.ROOT, "median time inside the listener: %.2f%% of an epoch (of which the storage's "
                + "puts %.2f%%); range %.2f%% to %.2f%%%n", median(inListener) * 100, median(inStorage) * 100,
                inListener.stream().mapToDouble(Double::doubleValue).min().orElse(0) * 100,
                inListener.stream().mapToDouble(Double::doubleValue).max().orElse(0) * 100);
    }

    private static boolean inMemory;
    private static TimedRouter lastRouter;
    private static final List<Double> inStorage = new ArrayList<>();

    /** Seconds spent inside the sparsity listener's calls during the last recorded epoch. */
    private static double lastListenerSeconds;

    /** One epoch of a fresh network; with a stats file, recording to it. */
    private static double epochSeconds(DataSet train, Path statsFile) throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(SparseMlp.of(new int[]{784, 300, 100, 10},
                new double[]{0.9, 0.9, 0.9}, 1, new Adam(1e-3)));
        net.init();
        ShuffledDataSetIterator batches = new ShuffledDataSetIterator(train, 128, true, 1);
        long perEpoch = (train.numExamples() + 127) / 128;
        List<TrainingListener> listeners = new ArrayList<>();
        listeners.add(PruneRegrowListener.rigl().deltaT(100).plannedEpochs(1, perEpoch).build());
        StatsStorage storage = statsFile == null ? null
                : inMemory ? new InMemoryStatsStorage() : new FileStatsStorage(statsFile.toFile());
        if (storage != null) {
            lastRouter = new TimedRouter(storage);
            listeners.add(new Timed(SparsityListener.builder().frequency(100).router(lastRouter).inputShape(28, 28)
                    .build()));
        }
        net.setListeners(listeners);
        long start = System.nanoTime();
        net.fit(batches);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (storage != null) {
            lastListenerSeconds = ((Timed) listeners.get(1)).nanos / 1e9;
            storage.close();
        }
        return seconds;
    }

    /** Times the puts to a router. */
    private static final class TimedRouter implements StatsStorageRouter {
        private final StatsStorageRouter inner;
        private long nanos;
        private int puts;

        TimedRouter(StatsStorageRouter inner) {
            this.inner = inner;
        }

        private void timed(Runnable put) {
            long t = System.nanoTime();
            put.run();
            nanos += System.nanoTime() - t;
            puts++;
        }

        @Override
        public void putStorageMetaData(StorageMetaData m) {
            timed(() -> inner.putStorageMetaData(m));
        }

        @Override
        public void putStorageMetaData(Collection<? extends StorageMetaData> m) {
            timed(() -> inner.putStorageMetaData(m));
        }

        @Override
        public void putStaticInfo(Persistable p) {
            timed(() -> inner.putStaticInfo(p));
        }

        @Override
        public void putStaticInfo(Collection<? extends Persistable> p) {
            timed(() -> inner.putStaticInfo(p));
        }

        @Override
        public void putUpdate(Persistable p) {
            timed(() -> inner.putUpdate(p));
        }

        @Override
        public void putUpdate(Collection<? extends Persistable> p) {
            timed(() -> inner.putUpdate(p));
        }
    }

    /** Times the calls of a listener that does its work in iterationDone, onEpochStart and onEpochEnd. */
    private static final class Timed extends BaseTrainingListener {
        private final TrainingListener inner;
        private long nanos;

        Timed(TrainingListener inner) {
            this.inner = inner;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            long t = System.nanoTime();
            inner.iterationDone(model, iteration, epoch);
            nanos += System.nanoTime() - t;
        }

        @Override
        public void onEpochStart(Model model) {
            long t = System.nanoTime();
            inner.onEpochStart(model);
            nanos += System.nanoTime() - t;
        }

        @Override
        public void onEpochEnd(Model model) {
            long t = System.nanoTime();
            inner.onEpochEnd(model);
            nanos += System.nanoTime() - t;
        }
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
