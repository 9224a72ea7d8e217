package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.io.ModelFiles;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.runtime.DenseWeightGradient;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.Serializable;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Dynamic sparse training: prunes and regrows the connections of every sparse layer ({@link SparseLinear},
 * {@link io.github.dl4jsparse.layers.SparseConv2D}: any {@link SparseLayer}) during plain {@code fit()}, at constant
 * sparsity. SET (Mocanu et al. 2018) regrows at random, RigL (Evci et al. 2020) where the dense gradient is largest,
 * and a {@link GrowthCriterion} of your own wherever it chooses.
 *
 * <pre>{@code
 * net.addListeners(PruneRegrowListener.rigl().plannedEpochs(15, iterationsPerEpoch).build());
 * net.fit(trainData, 15);
 * }</pre>
 *
 * <p>At every update step of its {@link PruneRegrowSchedule} (by default every 100 steps until 75% of the planned
 * ones, the drop fraction decaying from 0.3 along a cosine), for each layer with {@code a} active connections:
 * <ol>
 *   <li>drops {@code k = floor(f · a)} active connections with the smallest |W| (at most as many as are inactive);</li>
 *   <li>grows {@code k} connections among those inactive before the update, chosen by the {@link GrowthCriterion}:
 *       uniformly at random ({@link RegrowCriterion#RANDOM}), by the largest {@code |dL/d(W ⊙ M)|} on the update
 *       step's minibatch ({@link RegrowCriterion#GRADIENT}; the layer keeps that dense gradient only on update steps),
 *       or as a user-supplied criterion decides (its choice is checked: exact count, inactive, in range);</li>
 *   <li>sets grown weights to exactly 0 and resets the updater state (Adam's M and V, momentum, ...) of every
 *       dropped and grown connection to 0, so no stale momentum moves them.</li>
 * </ol>
 * Each layer's active count stays exactly the same, masks stay binary and masked weights exactly 0. Ties and random
 * growth draw from a generator seeded by (seed, iteration, layer): the network's seed unless {@link Builder#seed} is
 * set, so a run is reproducible and needs no state beyond the network's own.
 *
 * <p>The update runs in {@link #iterationDone}, after the step's parameter update. Every update is logged at INFO and
 * kept in {@link #updates()} with the {@link SparsityReport} after it; each layer's {@link LayerUpdate} also counts the
 * distinct connections explored so far (active at some time since this listener first rewired the layer). A
 * {@code SparsityListener} with a stats router posts the updates for the UI's Sparsity page.
 *
 * <p><b>Checkpoints</b>: the schedule position is DL4J's iteration count, which {@code ModelSerializer} saves with the
 * masks, weights and (with {@code saveUpdater = true}) the updater state. A restored network that gets a listener of
 * the same configuration ({@link #saveTo(File)} / {@link #restoreFrom(File)} keep it in the model file) continues
 * exactly like an uninterrupted run.
 */
public class PruneRegrowListener extends BaseTrainingListener implements Serializable {

    private static final Logger log = LoggerFactory.getLogger(PruneRegrowListener.class);
    /** The key under which {@link #saveTo(File)} stores the configuration in a model file. */
    public static final String MODEL_FILE_KEY = "dl4j-sparse.pruneRegrow";

    private final Config config;
    private final List<MaskUpdate> updates = new ArrayList<>();
    private final ExploredConnections explored = new ExploredConnections();
    /** The network this listener rewires; a second one calling it is refused (see {@link #requireOneNetwork}). */
    private transient WeakReference<Model> network;

    private PruneRegrowListener(Config config) {
        this.config = config;
        IgnoredListeners.waiting(this);
    }

    /**
     * For trainers that call {@link #updateNow} themselves instead of DL4J calling this listener (the listener is then
     * not attached to a network): {@code ParallelPruneRegrow}, {@code SparkPruneRegrow}. Marks it as taken over, so
     * that {@link IgnoredListeners} does not warn that it is never called.
     *
     * @return this listener
     */
    public PruneRegrowListener takenOverByTrainer() {
        IgnoredListeners.called(this);
        return this;
    }

    /** @return a builder for SET: random regrowth */
    public static Builder set() {
        return new Builder(RegrowCriterion.RANDOM);
    }

    /** @return a builder for RigL: regrowth by the largest dense gradient */
    public static Builder rigl() {
        return new Builder(RegrowCriterion.GRADIENT);
    }

    /**
     * @return a builder with the given growth criterion: a {@link RegrowCriterion} or your own (serialisable, so
     *         {@link #saveTo} can store it)
     */
    public static Builder builder(GrowthCriterion criterion) {
        return new Builder(criterion);
    }

    /** Arms the layers to keep their dense weight gradient when the coming backward pass is an update step's. */
    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        requireOneNetwork(model);
        armIfUpdateStep(model);
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        requireOneNetwork(model);
        armIfUpdateStep(model);
    }

    /**
     * Throws if this listener runs under DL4J's {@code ParallelWrapper}: it hands the same listener to every worker,
     * each training its own copy, and there each worker would rewire its copy differently and parameter averaging
     * would then mix the positions and values of different connections. A worker is recognised at its first step
     * (from DL4J's trainer on the call stack, looked at only when a network calls for the first time), before anything
     * is rewired; any other second network calling this listener while the first is alive is refused too.
     *
     * @throws IllegalStateException naming {@link ParallelPruneRegrow}, the trainer that does this correctly
     */
    private synchronized void requireOneNetwork(Model model) {
        Model known = network != null ? network.get() : null;
        if (known == null) {
            IgnoredListeners.called(this);
            requireDenseGradientPractical(model);
        }
        if (known != model && calledByParallelWrapper()) {
            throw new IllegalStateException("PruneRegrowListener runs in a ParallelWrapper worker: ParallelWrapper "
                    + "hands the same listener to every worker, each would rewire its own copy differently, and "
                    + "averaging would mix the connections. " + PARALLEL_FIX);
        }
        if (known == null) {
            network = new WeakReference<>(model);
            if (UpdaterStates.looksRestoredWithoutState(model)) {
                log.warn("PruneRegrowListener: the network is at iteration {} but its updater holds no state: it was "
                        + "restored without its updater state (a file written with saveUpdater = false, restored with "
                        + "loadUpdater = false, or cut short after its parameters). Training goes on with a fresh "
                        + "updater and will differ from an uninterrupted run. Restore checkpoints with "
                        + "ModelFiles.restoreMultiLayerNetwork(file, true), which refuses such a file and names it.",
                        Networks.iterationCount(model));
            }
        } else if (known != model) {
            throw new IllegalStateException("PruneRegrowListener is called by a second network while it rewires "
                    + "another one; one listener rewires one network. Give each network its own PruneRegrowListener "
                    + "(PruneRegrowListener.Builder.build() once per network). For several workers: " + PARALLEL_FIX);
        }
    }

    private static final String PARALLEL_FIX = "Remove the listener from the network and train with "
            + "ParallelPruneRegrow.builder(net, listener).workers(n).build().fit(data, epochs), which calls it once per "
            + "update on the averaged network (SparkPruneRegrow does the same on Spark); see "
            + "docs/dynamic-sparse-training.md.";

    /** DL4J's ParallelWrapper trains each worker in a {@code DefaultTrainer} run on a thread of its pool. */
    private static boolean calledByParallelWrapper() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getClassName().startsWith("org.deeplearning4j.parallelism.trainer.")));
    }

    /**
     * Most connections a layer may have for a criterion that reads the dense gradient (RigL): it scores every
     * inactive connection at every update, {@code nIn · nOut · batch} multiply-adds, which beyond 2^31 connections
     * takes minutes per update on a CPU. Larger layers are refused before training; SET needs no dense gradient.
     */
    public static final long DENSE_GRADIENT_MAX_CONNECTIONS = Integer.MAX_VALUE;

    private void requireDenseGradientPractical(Model model) {
        if (!config.growth().needsDenseGradient()) {
            return;
        }
        for (Layer layer : Networks.layers(model)) {
            if (layer instanceof SparseLayer sparse && sparse.sparseConfig().connections() > DENSE_GRADIENT_MAX_CONNECTIONS) {
                throw new IllegalStateException(config.growth().displayName() + " scores every inactive connection "
                        + "of a layer by its dense gradient at each update, and layer " + Networks.layerName(layer)
                        + " has " + sparse.sparseConfig().connections() + " possible connections (more than "
                        + DENSE_GRADIENT_MAX_CONNECTIONS + ", the largest this listener takes: about nIn · nOut · batch "
                        + "multiply-adds per update, minutes on a CPU beyond it). Use SET "
                        + "(PruneRegrowListener.set()), which grows at random and costs what the active connections cost");
            }
        }
    }

    private void armIfUpdateStep(Model model) {
        long step = Networks.iterationCount(model) + 1L;
        if (config.growth().needsDenseGradient() && config.schedule.isUpdateStep(step)) {
            for (Layer layer : Networks.layers(model)) {
                if (layer instanceof SparseLayer sparse) {
                    sparse.captureDenseWeightGradient();
                }
            }
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        requireOneNetwork(model);
        if (config.schedule.isUpdateStep(iteration + 1L)) {
            record(update(model, iteration));
        }
    }

    private void record(MaskUpdate update) {
        updates.add(update);
        log.info("{}", update);
    }

    /**
     * Prunes and regrows {@code model} now, as after {@code iteration}, for a trainer that calls this listener itself
     * instead of attaching it (multi-worker training: {@link ParallelPruneRegrow}, Spark). A criterion that needs the
     * dense weight gradient (RigL) gets it from one forward and backward pass of {@code model} on {@code probe}; the
     * parameters are not changed by that pass.
     *
     * @param model     the network whose masks change (the one the workers start from next)
     * @param iteration the global step after which the update happens; the schedule's update step is {@code iteration + 1}
     * @param probe     a minibatch for the dense gradient (ignored by criteria that do not need it)
     * @return the update, also kept in {@link #updates()}
     */
    public MaskUpdate updateNow(Model model, long iteration, org.nd4j.linalg.dataset.DataSet probe) {
        IgnoredListeners.called(this);
        requireDenseGradientPractical(model);
        if (config.growth().needsDenseGradient()) {
            for (Layer layer : Networks.layers(model)) {
                if (layer instanceof SparseLayer sparse) {
                    sparse.captureDenseWeightGradient();
                }
            }
            Networks.computeGradient(model, probe);
        }
        MaskUpdate update = update(model, iteration);
        record(update);
        return update;
    }

    /** Prunes and regrows every sparse layer of {@code model} once, as after {@code iteration}. */
    MaskUpdate update(Model model, long iteration) {
        double dropFraction = config.schedule.dropFraction(iteration + 1L);
        long seed = config.seed != null ? config.seed : Networks.seed(model);
        List<Rewiring> plans = new ArrayList<>();
        Layer[] layers = Networks.layers(model);
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] instanceof SparseLayer sparse) {
                // separate streams: how ties among the dropped are broken never shifts which connections SET grows
                SplittableRandom dropRandom = new SplittableRandom(mix(seed, iteration, 2 * i));
                SplittableRandom growRandom = new SplittableRandom(mix(seed, iteration, 2 * i + 1));
                plans.add(planLayer(layers[i], sparse, iteration, dropFraction, dropRandom, growRandom));
            }
        }
        // every layer's new connections are chosen and checked before any layer changes
        List<LayerUpdate> layerUpdates = new ArrayList<>();
        for (Rewiring plan : plans) {
            if (plan.positions() != null) {
                // dropped and grown connections start at 0 with zero updater state; the others keep theirs
                plan.sparse().rewire(plan.positions(), UpdaterStates.of(model, plan.layer(), plan.sparse().trainableWeightKey()));
            }
            // as many dropped as grown
            layerUpdates.add(new LayerUpdate(plan.name(), plan.activeBefore().length, plan.grown().length,
                    plan.grown().length, dropFraction, explored.record(plan.name(), plan.activeBefore(), plan.grown()),
                    plan.sparse().sparseConfig().connections()));
        }
        return new MaskUpdate(iteration, layerUpdates, SparsityReport.of(model));
    }

    /**
     * Chooses the {@code k} active connections of smallest |W| to drop and {@code k} inactive ones to grow, working on
     * the active positions and values only (memory proportional to the active connections; RigL's dense gradient is read a block
     * of columns at a time).
     */
    private Rewiring planLayer(Layer dl4jLayer, SparseLayer layer, long iteration, double dropFraction,
                               SplittableRandom dropRandom, SplittableRandom growRandom) {
        DenseWeightGradient denseGradient = layer.takeWeightGradient();
        String name = Networks.layerName(dl4jLayer);
        long[] active = layer.activePositions();
        double[] w = layer.activeValues();
        long size = layer.sparseConfig().connections();
        int k = (int) Math.min((long) Math.floor(dropFraction * active.length), size - active.length);
        if (k == 0) {
            return new Rewiring(dl4jLayer, layer, name, null, active, new long[0]);
        }
        int[] slots = new int[active.length];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = s;
        }
        int[] drop = ConnectionSelection.smallest(abs(w), slots, k, dropRandom); // slots of the dropped
        GrowthCriterion growth = config.growth();
        if (growth.needsDenseGradient() && denseGradient == null) {
            throw new IllegalStateException(growth.displayName() + " update of layer " + name + ": no dense gradient "
                    + "was kept for this step; the listener must be attached to the network that trains (it arms the "
                    + "layers in onForwardPass)");
        }
        long[] grow = growth.grow(new GrowthRequest(name, layer.sparseConfig(), active.clone(), w.clone(), k,
                growth.needsDenseGradient() ? denseGradient : null, growRandom, iteration));
        requireGrowth(growth, name, grow, active, k, size);
        return new Rewiring(dl4jLayer, layer, name, rewired(active, drop, grow), active, grow);
    }

    /**
     * One layer's part of an update: its new positions (null: unchanged), its positions before, and those grown (as
     * many as are dropped).
     */
    private record Rewiring(Layer layer, SparseLayer sparse, String name, long[] positions, long[] activeBefore,
                            long[] grown) {
    }

    /**
     * Throws unless a criterion's choice is {@code k} strictly increasing positions in range, none of them active.
     *
     * @throws IllegalStateException naming the criterion, the layer and what is wrong; nothing has been changed then
     */
    private static void requireGrowth(GrowthCriterion growth, String layer, long[] grow, long[] active, int k, long size) {
        String who = "growth criterion " + growth.displayName() + " for layer " + layer;
        if (grow == null || grow.length != k) {
            throw new IllegalStateException(who + " returned " + (grow == null ? "null" : grow.length + " positions")
                    + ", expected exactly " + k);
        }
        int c = 0;
        for (int t = 0; t < grow.length; t++) {
            if (grow[t] < 0 || grow[t] >= size || (t > 0 && grow[t] <= grow[t - 1])) {
                throw new IllegalStateException(who + ": position " + t + " is " + grow[t] + "; positions must be "
                        + "strictly increasing in [0, " + size + ")");
            }
            while (c < active.length && active[c] < grow[t]) {
                c++;
            }
            if (c < active.length && active[c] == grow[t]) {
                throw new IllegalStateException(who + ": position " + grow[t] + " is already active; grow among the "
                        + "inactive ones");
            }
        }
    }

    /** The active positions without the dropped slots, with the grown positions (increasing), merged in order. */
    private static long[] rewired(long[] active, int[] dropSlots, long[] grow) {
        boolean[] dropped = new boolean[active.length];
        for (int s : dropSlots) {
            dropped[s] = true;
        }
        long[] out = new long[active.length - dropSlots.length + grow.length];
        int n = 0;
        int g = 0;
        for (int s = 0; s < active.length; s++) {
            if (dropped[s]) {
                continue;
            }
            while (g < grow.length && grow[g] < active[s]) {
                out[n++] = grow[g++];
            }
            out[n++] = active[s];
        }
        while (g < grow.length) {
            out[n++] = grow[g++];
        }
        return out;
    }

    /** @return the updates made so far, oldest first (not saved with checkpoints) */
    public List<MaskUpdate> updates() {
        return Collections.unmodifiableList(updates);
    }

    /** @return the schedule */
    public PruneRegrowSchedule schedule() {
        return config.schedule;
    }

    /** @return the growth criterion */
    public GrowthCriterion criterion() {
        return config.growth();
    }

    /** @return the seed of ties and random growth, or null for the network's seed */
    public Long seed() {
        return config.seed;
    }

    /**
     * Stores this listener's configuration (not its update log) in a model file written by {@code ModelSerializer},
     * so {@link #restoreFrom(File)} can resume the schedule together with the network.
     */
    public void saveTo(File modelFile) {
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
            out.writeObject(config);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("growth criterion " + config.growth().displayName() + " cannot be saved "
                    + "with the model: it is not serialisable (" + e + "); make it and its fields Serializable", e);
        }
        ModelSerializer.addObjectToFile(modelFile, MODEL_FILE_KEY, config);
    }

    /**
     * A listener with the configuration that {@link #saveTo(File)} stored in {@code modelFile}. The file is one to
     * resume training from, so it is checked as a whole first ({@link ModelFiles#requireComplete}): a damaged or
     * truncated file, or one without the updater state, is refused rather than resumed with a fresh updater.
     *
     * @throws IllegalArgumentException naming the file and what is missing: the configuration, the updater state, or
     *                                  the file as a whole
     */
    public static PruneRegrowListener restoreFrom(File modelFile) {
        ModelFiles.requireComplete(modelFile, true);
        if (!ModelSerializer.listObjectsInFile(modelFile).contains(MODEL_FILE_KEY)) {
            throw new IllegalArgumentException("model file " + modelFile + " holds no prune-and-regrow configuration ("
                    + MODEL_FILE_KEY + "); was it saved with PruneRegrowListener.saveTo?");
        }
        Config config = ModelSerializer.getObjectFromFile(modelFile, MODEL_FILE_KEY);
        return new PruneRegrowListener(config);
    }

    /**
     * Refuses Java serialisation, which is how Spark would ship the listener to its executors: there each executor
     * would rewire its own copy of the network. Its configuration travels with a model file ({@link #saveTo}).
     */
    @java.io.Serial
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        throw new java.io.NotSerializableException("PruneRegrowListener is not sent to Spark executors or other JVMs: "
                + "each would rewire its own copy of the network. On Spark, prune and regrow on the driver with "
                + "dl4j-sparse-spark's SparkPruneRegrow; to keep the configuration, use saveTo(modelFile)");
    }

    @Override
    public String toString() {
        return "PruneRegrowListener(" + config.growth().displayName() + ", "
                + config.schedule + ", seed " + (config.seed != null ? config.seed : "of the network") + ")";
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** SplitMix64-style mixing of the three so that neighbouring iterations and streams get unrelated seeds. */
    private static long mix(long seed, long iteration, int stream) {
        long h = seed;
        h = (h ^ (iteration + 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (stream + 0x94D049BB133111EBL)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    private static double[] abs(double[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.abs(values[i]);
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The serialisable configuration: what a checkpoint needs to resume. {@code criterion} is the built-in criterion
     * (the only field of that name in files written before growth criteria were pluggable), {@code custom} a
     * user-supplied one.
     */
    private record Config(RegrowCriterion criterion, PruneRegrowSchedule schedule, Long seed, GrowthCriterion custom)
            implements Serializable {

        static Config of(GrowthCriterion growth, PruneRegrowSchedule schedule, Long seed) {
            return growth instanceof RegrowCriterion builtIn
                    ? new Config(builtIn, schedule, seed, null) : new Config(null, schedule, seed, growth);
        }

        GrowthCriterion growth() {
            return criterion != null ? criterion : custom;
        }
    }

    /**
     * Builds a {@link PruneRegrowListener}. The plan must be stated: {@link #plannedIterations(long)},
     * {@link #plannedEpochs(int, long)} or an explicit {@link #endStep(long)}.
     */
    public static final class Builder {
        private final GrowthCriterion criterion;
        private double alpha = PruneRegrowSchedule.DEFAULT_ALPHA;
        private int deltaT = PruneRegrowSchedule.DEFAULT_DELTA_T;
        private long beginStep;
        private Long endStep;
        private Long plannedIterations;
        private double endFraction = PruneRegrowSchedule.DEFAULT_END_FRACTION;
        private PruneRegrowSchedule.Decay decay = PruneRegrowSchedule.Decay.COSINE;
        private Long seed;

        private Builder(GrowthCriterion criterion) {
            if (criterion == null) {
                throw new IllegalArgumentException("criterion must not be null");
            }
            this.criterion = criterion;
        }

        /** The initial drop fraction, in (0, 1]; default 0.3. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Steps (minibatches) between updates, {@code > 0}; default 100. */
        public Builder deltaT(int deltaT) {
            this.deltaT = deltaT;
            return this;
        }

        /** The step updates are counted from; default 0. */
        public Builder beginStep(long beginStep) {
            this.beginStep = beginStep;
            return this;
        }

        /** The last step an update may happen at (RigL's {@code tEnd}); default 75% of the planned steps. */
        public Builder endStep(long endStep) {
            this.endStep = endStep;
            return this;
        }

        /** The planned length of training in steps (minibatches), {@code > 0}. */
        public Builder plannedIterations(long iterations) {
            if (iterations <= 0) {
                throw new IllegalArgumentException("plannedIterations must be > 0, got " + iterations);
            }
            this.plannedIterations = iterations;
            return this;
        }

        /** The planned length of training in epochs of {@code iterationsPerEpoch} minibatches each. */
        public Builder plannedEpochs(int epochs, long iterationsPerEpoch) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("plannedEpochs must be > 0, got " + epochs);
            }
            if (iterationsPerEpoch <= 0) {
                throw new IllegalArgumentException("iterationsPerEpoch must be > 0, got " + iterationsPerEpoch);
            }
            return plannedIterations(epochs * iterationsPerEpoch);
        }

        /** The end step as a fraction of the planned steps, in (0, 1]; default 0.75. */
        public Builder endFraction(double endFraction) {
            if (!(endFraction > 0.0 && endFraction <= 1.0)) {
                throw new IllegalArgumentException("endFraction must be in (0, 1], got " + endFraction);
            }
            this.endFraction = endFraction;
            return this;
        }

        /** How the drop fraction decays; default {@link PruneRegrowSchedule.Decay#COSINE}. */
        public Builder decay(PruneRegrowSchedule.Decay decay) {
            this.decay = decay;
            return this;
        }

        /** The seed of ties and random growth; default: the network's seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @throws IllegalArgumentException for an invalid schedule (see {@link PruneRegrowSchedule}) or no plan
         */
        public PruneRegrowListener build() {
            long end;
            if (endStep != null) {
                end = endStep;
            } else if (plannedIterations != null) {
                end = (long) Math.floor(endFraction * plannedIterations);
            } else {
                throw new IllegalArgumentException("state the plan: plannedIterations(n), plannedEpochs(e, n) or "
                        + "endStep(tEnd)");
            }
            return new PruneRegrowListener(Config.of(criterion, new PruneRegrowSchedule(alpha, deltaT, beginStep, end,
                    decay), seed));
        }
    }
}
