package io.github.dl4jsparse.spark;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;

/**
 * Dynamic sparse training on Spark with DL4J's parameter averaging ({@code SparkDl4jMultiLayer} with a
 * {@code ParameterAveragingTrainingMaster}), with the single-worker guarantees: every mask update is computed once,
 * on the driver, from the averaged network, and the next stretch of training broadcasts it (positions, weights and
 * the remapped updater state) to every worker.
 *
 * <pre>{@code
 * PruneRegrowListener set = PruneRegrowListener.set().plannedEpochs(15, minibatchesPerEpoch / workers).deltaT(30).build();
 * SparkPruneRegrow trainer = new SparkPruneRegrow(sparkNet, set, workers);
 * for (int e = 0; e < 15; e++) trainer.fitEpoch(minibatches);
 * }</pre>
 *
 * <p>How: the epoch's minibatches are trained in chunks of {@code workers · averagingFrequency} (one
 * {@code sparkNet.fit} each, which ends with the driver's network averaged), so that DL4J trains every minibatch
 * exactly once; at the listener's update steps the listener prunes and regrows that network on the driver (RigL's
 * dense gradient from the last chunk's first minibatch). A step is one minibatch per worker: the schedule counts
 * these global steps, and they advance as DL4J's own iteration count does.
 *
 * <p>Requirements, checked when the trainer is built or at the first minibatch of each epoch: a
 * {@code ParameterAveragingTrainingMaster} with {@code workers} workers; the RDD's elements are minibatches of the
 * master's {@code batchSizePerWorker} examples ({@code new ParameterAveragingTrainingMaster.Builder(workers,
 * batchSize).batchSizePerWorker(batchSize)}); the master saves the updater ({@code saveUpdater(true)}: the builder's
 * default is false) and repartitions as by default ({@code Repartition.Always}, {@code RepartitionStrategy.Balanced});
 * the schedule's deltaT is a multiple of its averaging frequency, so that every update falls on an averaging. The
 * listener is not attached to the network: DL4J's Spark training never calls the driver network's listeners (and
 * copies on the executors have none); this class refuses a network that has one.
 *
 * <p>Checkpoints: {@link #saveTo(File)} adds the listener's configuration and this trainer's step count to a model
 * file written by {@code ModelSerializer} (with the updater state), and {@link #restore} continues the schedule from
 * there. With the Export approach (DL4J's default), the files DL4J exports for each stretch are deleted after it.
 */
public final class SparkPruneRegrow {

    private final SparkDl4jMultiLayer sparkNet;
    private final PruneRegrowListener listener;
    private final int workers;
    private final int averaging;
    private long step;

    /**
     * @param sparkNet the Spark network; its driver-side network is the one rewired
     * @param listener the prune-and-regrow configuration, not attached to the network
     * @param workers  the training master's number of workers (minibatches per global step)
     * @throws IllegalArgumentException for {@code workers < 1}, a network with a PruneRegrowListener attached, or a
     *                                  training master that breaks the requirements above (each named with its fix)
     */
    public SparkPruneRegrow(SparkDl4jMultiLayer sparkNet, PruneRegrowListener listener, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        }
        for (TrainingListener l : sparkNet.getNetwork().getListeners()) {
            if (l instanceof PruneRegrowListener) {
                throw new IllegalArgumentException("a PruneRegrowListener is attached to the network: on Spark it would "
                        + "run on the executors, each on its own copy. Remove it; SparkPruneRegrow calls it on the driver");
            }
        }
        ParameterAveragingTrainingMaster master = requireMasterSettings(sparkNet.getTrainingMaster(),
                listener.schedule().deltaT(), workers);
        this.sparkNet = sparkNet;
        this.listener = listener.takenOverByTrainer();
        this.workers = workers;
        this.averaging = master.getAveragingFrequency();
    }

    /**
     * The requirements the class documentation states, checked before any training: a parameter-averaging master
     * with {@code workers} workers, balanced repartitioning (which {@link #fitEpoch} relies on to deal each worker at
     * most its share), a saved updater (else each stretch's averaging starts the workers' Adam afresh), and a deltaT
     * that is a multiple of the averaging frequency (else a stretch ends between averagings and the driver rewires a
     * network the workers do not hold).
     */
    private static ParameterAveragingTrainingMaster requireMasterSettings(TrainingMaster<?, ?> tm, int deltaT,
                                                                          int workers) {
        if (!(tm instanceof ParameterAveragingTrainingMaster master)) {
            throw new IllegalArgumentException("SparkPruneRegrow trains with DL4J's parameter averaging; the network's "
                    + "training master is " + (tm == null ? "null" : tm.getClass().getName()) + ": build it with "
                    + "new ParameterAveragingTrainingMaster.Builder(workers, batch)");
        }
        if (master.getNumWorkers() != null && master.getNumWorkers() != workers) {
            throw new IllegalArgumentException("SparkPruneRegrow: workers = " + workers + " but the training master "
                    + "has " + master.getNumWorkers() + " workers, so the schedule's steps would not be the ones "
                    + "trained; pass workers = " + master.getNumWorkers());
        }
        JsonNode json = json(master);
        String repartition = json.path("repartition").asText("Always");
        String strategy = json.path("repartitionStrategy").asText("Balanced");
        if (!repartition.equals("Always") || !strategy.equals("Balanced")) {
            throw new IllegalArgumentException("SparkPruneRegrow: the training master repartitions with repartition = "
                    + repartition + " and repartitionStrategy = " + strategy + ", which can give a worker more "
                    + "minibatches than it trains between averagings (DL4J drops the rest); build it with "
                    + ".repartionData(Repartition.Always).repartitionStrategy(RepartitionStrategy.Balanced) "
                    + "(DL4J's defaults)");
        }
        if (!master.isSaveUpdater()) {
            throw new IllegalArgumentException("SparkPruneRegrow: the training master does not save the updater "
                    + "(saveUpdater(false), the builder's default in DL4J 1.0.0-M2), so every stretch between "
                    + "averagings would restart the workers' updater state; build it with .saveUpdater(true)");
        }
        int averaging = master.getAveragingFrequency();
        if (averaging < 1) {
            throw new IllegalArgumentException("SparkPruneRegrow: the training master's averagingFrequency must be "
                    + ">= 1, got " + averaging);
        }
        if (deltaT % averaging != 0) {
            throw new IllegalArgumentException("SparkPruneRegrow: the schedule's deltaT " + deltaT + " is not a "
                    + "multiple of the training master's averagingFrequency " + averaging + ", so rewiring would fall "
                    + "between averagings; use deltaT " + Math.max(averaging, deltaT / averaging * averaging)
                    + " or an averagingFrequency that divides " + deltaT);
        }
        return master;
    }

    /** The key under which {@link #saveTo(File)} stores the trainer's step count in a model file. */
    public static final String STEPS_KEY = "dl4j-sparse.sparkSteps";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** @return the prune-and-regrow configuration and its update log */
    public PruneRegrowListener listener() {
        return listener;
    }

    /** @return global steps trained so far (minibatches per worker) */
    public long steps() {
        return step;
    }

    /**
     * Stores what resuming needs beside the network: the listener's configuration ({@link PruneRegrowListener#saveTo})
     * and this trainer's global step count. Write the network first, with its updater state:
     * {@code ModelSerializer.writeModel(sparkNet.getNetwork(), file, true)}.
     */
    public void saveTo(File modelFile) {
        listener.saveTo(modelFile);
        ModelSerializer.addObjectToFile(modelFile, STEPS_KEY, step);
    }

    /**
     * A trainer that continues the schedule saved by {@link #saveTo(File)} in {@code modelFile}.
     *
     * @param sparkNet the Spark network of the restored network, e.g.
     *                 {@code new SparkDl4jMultiLayer(sc, ModelFiles.restoreMultiLayerNetwork(file, true), tm)}
     * @throws IllegalArgumentException naming the file if it is damaged or holds no trainer state
     */
    public static SparkPruneRegrow restore(SparkDl4jMultiLayer sparkNet, File modelFile, int workers) {
        PruneRegrowListener listener = PruneRegrowListener.restoreFrom(modelFile); // checks the whole file
        if (!ModelSerializer.listObjectsInFile(modelFile).contains(STEPS_KEY)) {
            throw new IllegalArgumentException("model file " + modelFile + " holds no SparkPruneRegrow step count ("
                    + STEPS_KEY + "); was it saved with SparkPruneRegrow.saveTo?");
        }
        SparkPruneRegrow trainer = new SparkPruneRegrow(sparkNet, listener, workers);
        trainer.step = ModelSerializer.<Long>getObjectFromFile(modelFile, STEPS_KEY);
        return trainer;
    }

    /**
     * Trains one pass over {@code minibatches}, pruning and regrowing on the driver at the listener's update steps.
     * Every minibatch is trained exactly once, and {@link #steps()} advances as DL4J's iteration count does.
     *
     * <p>How: DL4J trains at most {@code averagingFrequency} minibatches per worker between averagings and splits a
     * larger RDD at random into {@code count / (workers · averagingFrequency)} parts (rounded down), so the parts that
     * come out larger lose minibatches. This trains the epoch in chunks of exactly {@code workers · averagingFrequency}
     * minibatches, one {@code sparkNet.fit} each, and a last, shorter chunk (the end of the epoch, or the steps left
     * before an update) with the master's averaging frequency lowered to that chunk's steps for its one fit.
     *
     * @return the driver's network
     * @throws IllegalArgumentException if the first minibatch's size is not the training master's
     *                                  {@code rddDataSetNumExamples} and {@code batchSizePerWorker}: DL4J would re-split
     *                                  the minibatches, and the steps would not be the schedule's
     */
    public MultiLayerNetwork fitEpoch(JavaRDD<DataSet> minibatches) {
        int epoch = sparkNet.getNetwork().getEpochCount();
        JavaPairRDD<DataSet, Long> indexed = minibatches.zipWithIndex().cache();
        try {
            long count = indexed.count();
            if (count > 0) {
                requireMinibatchSize(indexed.keys().first().numExamples());
            }
            PruneRegrowSchedule schedule = listener.schedule();
            long start = 0;
            while (start < count) {
                long next = schedule.nextUpdateStep(step);
                long stepsLeft = next < 0 ? Long.MAX_VALUE / workers : next - step;
                long size = Math.min(count - start, Math.min(stepsLeft, averaging) * workers);
                long from = start;
                long end = start + size;
                JavaRDD<DataSet> chunk = indexed.filter(t -> t._2() >= from && t._2() < end).keys();
                step += fitChunk(chunk, size);
                if (next >= 0 && step == next) {
                    listener.updateNow(sparkNet.getNetwork(), next - 1, chunk.first());
                }
                start = end;
            }
        } finally {
            indexed.unpersist();
        }
        // SparkDl4jMultiLayer counts every fit call as an epoch; one pass over the data is one
        sparkNet.getNetwork().setEpochCount(epoch + 1);
        return sparkNet.getNetwork();
    }

    /**
     * One {@code sparkNet.fit} of {@code size <= workers · averagingFrequency} minibatches: one split, which DL4J's
     * balanced repartitioning deals out at most {@code steps} per worker, {@code steps = ceil(size / workers)}. For a
     * short chunk the master averages after {@code steps} instead (DL4J adds the averaging frequency to the network's
     * iteration count, and the workers' Adam counts from it).
     *
     * @return the chunk's global steps
     */
    private long fitChunk(JavaRDD<DataSet> chunk, long size) {
        int steps = (int) ((size + workers - 1) / workers);
        ParameterAveragingTrainingMaster master = (ParameterAveragingTrainingMaster) sparkNet.getTrainingMaster();
        master.setAveragingFrequency(steps);
        try {
            sparkNet.fit(chunk);
        } finally {
            master.setAveragingFrequency(averaging);
            master.deleteTempFiles(sparkNet.getSparkContext());
        }
        return steps;
    }

    private void requireMinibatchSize(int examples) {
        ParameterAveragingTrainingMaster master = (ParameterAveragingTrainingMaster) sparkNet.getTrainingMaster();
        int perWorker = batchSizePerWorker(master);
        if (examples != master.getRddDataSetNumExamples() || (perWorker > 0 && examples != perWorker)) {
            throw new IllegalArgumentException("SparkPruneRegrow: the RDD's first minibatch has " + examples
                    + " examples, but the training master has rddDataSetNumExamples = "
                    + master.getRddDataSetNumExamples() + " and batchSizePerWorker = " + perWorker + ". One RDD element"
                    + " must be one worker's minibatch, or DL4J re-splits them and the schedule's steps drift: build the"
                    + " master with new ParameterAveragingTrainingMaster.Builder(workers, " + examples
                    + ").batchSizePerWorker(" + examples + "), or batch the RDD to its size");
        }
    }

    /** {@code batchSizePerWorker} has no getter in DL4J 1.0.0-M2; its JSON form has it. 0 if not found. */
    private static int batchSizePerWorker(ParameterAveragingTrainingMaster master) {
        return json(master).path("batchSizePerWorker").asInt(0);
    }

    /** The master's JSON form: the settings that have no getter in DL4J 1.0.0-M2. An empty node if unreadable. */
    private static JsonNode json(ParameterAveragingTrainingMaster master) {
        try {
            return JSON.readTree(master.toJson());
        } catch (IOException | RuntimeException e) {
            return JSON.createObjectNode();
        }
    }
}
