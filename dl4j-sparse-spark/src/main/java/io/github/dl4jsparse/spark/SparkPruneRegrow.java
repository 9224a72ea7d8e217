package io.github.dl4jsparse.spark;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.nd4j.linalg.dataset.DataSet;

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
 * <p>How: the epoch's minibatches are trained in stretches that end at the listener's update steps, each one
 * {@code sparkNet.fit(stretch)}, which ends with the driver's network averaged; then the listener prunes and regrows
 * that network on the driver (RigL's dense gradient from the stretch's first minibatch). A step is one minibatch per
 * worker: the schedule counts these global steps.
 *
 * <p>Requirements: the RDD's elements are minibatches of the training master's {@code batchSizePerWorker} examples
 * ({@code new ParameterAveragingTrainingMaster.Builder(batchSize).batchSizePerWorker(batchSize)}), the master saves
 * the updater ({@code saveUpdater(true)}, its default), and the schedule's deltaT is a multiple of its averaging
 * frequency, so that every stretch ends on an averaging. The listener is not attached to the network: on Spark it
 * would run on the executors, on copies; this class refuses a network that has one.
 */
public final class SparkPruneRegrow {

    private final SparkDl4jMultiLayer sparkNet;
    private final PruneRegrowListener listener;
    private final int workers;
    private long step;

    /**
     * @param sparkNet the Spark network; its driver-side network is the one rewired
     * @param listener the prune-and-regrow configuration, not attached to the network
     * @param workers  the training master's number of workers (minibatches per global step)
     * @throws IllegalArgumentException for {@code workers < 1} or a network with a PruneRegrowListener attached
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
        this.sparkNet = sparkNet;
        this.listener = listener;
        this.workers = workers;
    }

    /** @return global steps trained so far (minibatches per worker) */
    public long steps() {
        return step;
    }

    /**
     * Trains one pass over {@code minibatches}, pruning and regrowing on the driver at the listener's update steps.
     *
     * @return the driver's network
     */
    public MultiLayerNetwork fitEpoch(JavaRDD<DataSet> minibatches) {
        int epoch = sparkNet.getNetwork().getEpochCount();
        JavaPairRDD<DataSet, Long> indexed = minibatches.zipWithIndex().cache();
        long count = indexed.count();
        PruneRegrowSchedule schedule = listener.schedule();
        long start = 0;
        while (start < count) {
            long next = schedule.nextUpdateStep(step);
            long steps = next < 0 ? (count - start + workers - 1) / workers : next - step;
            long end = Math.min(count, start + steps * workers);
            long from = start;
            JavaRDD<DataSet> stretch = indexed.filter(t -> t._2() >= from && t._2() < end).keys();
            sparkNet.fit(stretch);
            step += (end - start + workers - 1) / workers;
            if (next >= 0 && step == next) {
                listener.updateNow(sparkNet.getNetwork(), next - 1, stretch.first());
            }
            start = end;
        }
        indexed.unpersist();
        // SparkDl4jMultiLayer counts every fit call as an epoch; one pass over the data is one
        sparkNet.getNetwork().setEpochCount(epoch + 1);
        return sparkNet.getNetwork();
    }
}
