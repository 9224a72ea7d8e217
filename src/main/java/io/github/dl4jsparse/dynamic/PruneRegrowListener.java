package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.io.ModelFiles;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.DenseWeightGradient;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
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
 * sparse momentum (SNFS, Dettmers &amp; Zettlemoyer 2019) where the gradient momentum is largest, moving connections
 * between layers, and criteria of your own wherever they choose.
 *
 * <pre>{@code
 * net.addListeners(PruneRegrowListener.rigl().plannedEpochs(15, iterationsPerEpoch).build());
 * net.fit(trainData, 15);
 * }</pre>
 *
 * <p>At every update step of its {@link PruneRegrowSchedule} (by default every 100 steps until 75% of the planned
 * ones, the drop fraction decaying from 0.3 along a cosine), for each layer with {@code a} active connections:
 * <ol>
 *   <li>drops {@code k = floor(f · a)} active connections (at most as many as are inactive), chosen by the
 *       {@link DropCriterion}: by default those of smallest |W| ({@link DropCriterion#MAGNITUDE});</li>
 *   <li>grows {@code k} connections among those inactive before the update, chosen by the {@link GrowthCriterion}:
 *       uniformly at random ({@link RegrowCriterion#RANDOM}), by the largest {@code |dL/d(W ⊙ M)|} on the update
 *       step's minibatch ({@link RegrowCriterion#GRADIENT}; the layer keeps that dense gradient only on update steps),
 *       by the largest gradient momentum ({@link MomentumGrowth}), or as a user-supplied criterion decides. With
 *       {@link Redistribution#MOMENTUM} the connections dropped by all layers are split among the layers instead
 *       (sparse momentum), the total staying exact;</li>
 *   <li>starts grown weights at the {@link GrownWeights} (exactly 0 by default) and resets the updater state (Adam's
 *       M and V, momentum, ...) of every dropped and grown connection to 0, so no stale momentum moves them.</li>
 * </ol>
 * Every choice is checked (exact count, active or inactive as it must be, in range, finite weights) before any layer
 * changes. Criteria declare the {@link Signal}s they read, and the listener pays only for those. Without
 * redistribution each layer's active count stays exactly the same; masks stay binary and masked weights exactly 0.
 * Ties and random growth draw from a generator seeded by (seed, iteration, layer): the network's seed unless
 * {@link Builder#seed} is set, so a run is reproducible.
 *
 * <p>The update runs in {@link #iterationDone}, after the step's parameter update. Every update is logged at INFO and
 * kept in {@link #updates()} with the {@link SparsityReport} after it; each layer's {@link LayerUpdate} also counts the
 * distinct connections explored so far (active at some time since this listener first rewired the layer). A
 * {@code SparsityListener} with a stats router posts the updates for the UI's Sparsity page.
 *
 * <p><b>Checkpoints</b>: the schedule position is DL4J's iteration count, which {@code ModelSerializer} saves with the
 * masks, weights and (with {@code saveUpdater = true}) the updater state. A restored network that gets a listener of
 * the same configuration ({@link #saveTo(File)} / {@link #restoreFrom(File)} keep it in the model file, with the
 * criteria and, for sparse momentum, the gradient momentum) continues exactly like an uninterrupted run.
 */
public class PruneRegrowListener extends BaseTrainingListener implements Serializable {

    private static final Logger log = LoggerFactory.getLogger(PruneRegrowListener.class);
    /** The key under which {@link #saveTo(File)} stores the configuration in a model file. */
    public static final String MODEL_FILE_KEY = "dl4j-sparse.pruneRegrow";
    /** The key under which {@link #saveTo(File)} stores the gradient momentum of sparse momentum (SNFS). */
    public static final String MOMENTUM_FILE_KEY = "dl4j-sparse.pruneRegrow.momentum";

    private final Config config;
    private final List<MaskUpdate> updates = new ArrayList<>();
    private final ExploredConnections explored = new ExploredConnections();
    /** {@link Signal#GRADIENT_MOMENTUM}, when a criterion reads it; saved with the configuration by {@link #saveTo}. */
    private final GradientMomentum momentum;
    /** The network this listener rewires; a second one calling it is refused (see {@link #requireOneNetwork}). */
    private transient WeakReference<Model> network;

    private PruneRegrowListener(Config config, GradientMomentum momentum) {
        this.config = config;
        this.momentum = momentum;
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
     * @return a builder for sparse momentum (SNFS, Dettmers &amp; Zettlemoyer 2019): regrowth by the largest gradient
     *         momentum ({@link MomentumGrowth}) and {@link Redistribution#MOMENTUM} between layers, whose sparse layers
     *         must keep {@code WeightStorage.DENSE}
     */
    public static Builder snfs() {
        return new Builder(new MomentumGrowth()).redistribution(Redistribution.MOMENTUM);
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
        NonFiniteGuard.requireFiniteInputs("PruneRegrowListener",
                activations.isEmpty() ? List.of() : activations.subList(0, 1));
        armIfUpdateStep(model);
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        requireOneNetwork(model);
        NonFiniteGuard.requireFiniteInputs("PruneRegrowListener", networkInputs(model, activations));
        armIfUpdateStep(model);
    }

    /** Before DL4J applies the update: a non-finite weight, gradient or updater state stops the step. */
    @Override
    public void onGradientCalculation(Model model) {
        NonFiniteGuard.requireFiniteStep("PruneRegrowListener", model, Networks.iterationCount(model));
    }

    /** The activations of a graph's inputs (its features), by the graph's input names. */
    static List<INDArray> networkInputs(Model model, Map<String, INDArray> activations) {
        List<INDArray> inputs = new ArrayList<>();
        if (model instanceof org.deeplearning4j.nn.graph.ComputationGraph graph) {
            for (String name : graph.getConfiguration().getNetworkInputs()) {
                if (activations.get(name) != null) {
                    inputs.add(activations.get(name));
                }
            }
        }
        return inputs;
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
        AttachedOnce.require(model, this, "PruneRegrowListener");
        Model known = network != null ? network.get() : null;
        if (known == null) {
            IgnoredListeners.called(this);
            requireSomethingToRewire(model);
            requireDenseGradientPractical(model);
            requireCountsMayChange(model);
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
    static boolean calledByParallelWrapper() {
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
        if (!config.needs(Signal.DENSE_GRADIENT) && !config.needs(Signal.GRADIENT_MOMENTUM)) {
            return;
        }
        for (SparseMatrices.InNetwork m : rewired(model)) {
            SparseLayer sparse = m.matrix();
            if (sparse.sparseConfig().connections() > DENSE_GRADIENT_MAX_CONNECTIONS) {
                throw new IllegalStateException(config.describe() + " reads the dense gradient of every connection "
                        + "of a layer, and layer " + m.name()
                        + " has " + sparse.sparseConfig().connections() + " possible connections (more than "
                        + DENSE_GRADIENT_MAX_CONNECTIONS + ", the largest this listener takes: about nIn · nOut · batch "
                        + "multiply-adds per update, minutes on a CPU beyond it). Use SET "
                        + "(PruneRegrowListener.set()), which grows at random and costs what the active connections cost");
            }
        }
    }

    /** A network with no sparse layer, or only frozen ones, would train as it is while the user believes it rewires. */
    private void requireSomethingToRewire(Model model) {
        if (!rewired(model).isEmpty()) {
            return;
        }
        boolean frozen = !SparseMatrices.inNetwork(model).isEmpty();
        throw new IllegalStateException("PruneRegrowListener (" + config.describe() + "): the network has " + (frozen
                ? "only frozen sparse layers, so nothing would be rewired; unfreeze the layers to rewire"
                : "no sparse layer (SparseLinear, SparseConv2D, SparseLSTM), so nothing would be rewired; build it "
                        + "sparse (SparseTwin.of(conf, distribution), MagnitudePruning.toSparse(net, sparsity)) and "
                        + "attach the listener to that network"));
    }

    /** Redistribution changes a layer's count: only a matrix whose count may change (dense storage) allows it. */
    private void requireCountsMayChange(Model model) {
        if (config.redistribution() == Redistribution.NONE) {
            return;
        }
        for (SparseMatrices.InNetwork m : rewired(model)) {
            SparseLayer sparse = m.matrix();
            if (!sparse.activeCountMayChange()) {
                throw new IllegalStateException("redistribution " + config.redistribution() + " moves connections "
                        + "between layers, so a layer's count changes, and layer " + m.name()
                        + " stores a fixed number of active connections (storage "
                        + sparse.sparseConfig().resolvedStorage() + "). Build its sparse layers with "
                        + ".storage(WeightStorage.DENSE), or use Redistribution.NONE");
            }
        }
    }

    private void armIfUpdateStep(Model model) {
        long step = Networks.iterationCount(model) + 1L;
        if (config.needs(Signal.GRADIENT_MOMENTUM)
                || config.needs(Signal.DENSE_GRADIENT) && config.schedule.isUpdateStep(step)) {
            for (SparseMatrices.InNetwork m : rewired(model)) {
                m.matrix().captureDenseWeightGradient();
            }
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        requireOneNetwork(model);
        boolean updateStep = config.schedule.isUpdateStep(iteration + 1L);
        Map<SparseLayer, DenseWeightGradient> gradients = Map.of();
        if (config.needs(Signal.GRADIENT_MOMENTUM) || updateStep) {
            gradients = takeGradients(model);
        }
        if (config.needs(Signal.GRADIENT_MOMENTUM)) {
            for (SparseMatrices.InNetwork m : rewired(model)) {
                DenseWeightGradient g = gradients.get(m.matrix());
                if (g != null) {
                    momentum.add(m.name(), g, config.momentumBeta());
                }
            }
        }
        try {
            if (updateStep) {
                record(update(model, iteration, gradients));
            }
        } finally {
            gradients.values().forEach(DenseWeightGradient::close); // taken at every step by sparse momentum
        }
    }

    /** The dense gradients kept by the armed layers since the last step (none for a layer not armed). */
    private static Map<SparseLayer, DenseWeightGradient> takeGradients(Model model) {
        Map<SparseLayer, DenseWeightGradient> out = new java.util.IdentityHashMap<>(); // DL4J layers hash their arrays
        for (SparseMatrices.InNetwork m : rewired(model)) {
            DenseWeightGradient g = m.matrix().takeWeightGradient();
            if (g != null) {
                out.put(m.matrix(), g);
            }
        }
        return out;
    }

    /**
     * The matrices this listener rewires: every sparse connection matrix of the network (a layer of several, e.g.
     * {@code SparseLSTM}, one per matrix), except those of frozen layers, which do not train.
     */
    static List<SparseMatrices.InNetwork> rewired(Model model) {
        return SparseMatrices.inNetwork(model).stream().filter(m -> !Networks.isFrozen(m.layer())).toList();
    }

    /**
     * Divergence is reported as such, before any mask changes: non-finite weights would rank as the largest (or fail
     * the ranking) and decide which connections survive.
     */
    private static void requireFiniteWeights(SparseMatrices.InNetwork m, long iteration) {
        double[] values = m.matrix().activeValues();
        int bad = 0;
        double first = 0;
        for (double v : values) {
            if (!Double.isFinite(v)) {
                if (bad++ == 0) {
                    first = v;
                }
            }
        }
        if (bad > 0) {
            throw new IllegalStateException("training has diverged: after iteration " + iteration + " layer "
                    + m.name() + " holds " + bad + " non-finite active weight(s) of " + values.length + " (e.g. "
                    + first + "); no mask was changed. Lower the learning rate, clip gradients "
                    + "(.gradientNormalization(GradientNormalization.ClipL2PerLayer)) or resume from a checkpoint");
        }
    }

    /** Keeps and logs an update; one that moved no connection (a drop fraction too small for any layer) is logged as such. */
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
     * @throws UnsupportedOperationException for {@link Signal#GRADIENT_MOMENTUM} (sparse momentum), which needs the
     *                                       gradient of every step, not of one probe
     */
    public MaskUpdate updateNow(Model model, long iteration, org.nd4j.linalg.dataset.DataSet probe) {
        IgnoredListeners.called(this);
        if (config.needs(Signal.GRADIENT_MOMENTUM)) {
            throw new UnsupportedOperationException(config.describe() + " reads the gradient momentum of every "
                    + "training step, which a trainer that calls the listener once per update (ParallelPruneRegrow, "
                    + "SparkPruneRegrow) does not see; there use RigL (PruneRegrowListener.rigl()), whose dense gradient "
                    + "comes from one probe minibatch");
        }
        requireSomethingToRewire(model);
        requireDenseGradientPractical(model);
        requireCountsMayChange(model);
        if (config.needs(Signal.DENSE_GRADIENT) && (probe == null || probe.getFeatures() == null)) {
            throw new IllegalArgumentException(config.describe() + " grows by the dense gradient, which updateNow "
                    + "takes from one forward and backward pass on the probe minibatch; got "
                    + (probe == null ? "null" : "a data set without features") + ". Pass a minibatch of the training "
                    + "data (features and labels)");
        }
        Map<SparseLayer, DenseWeightGradient> gradients = Map.of();
        if (config.needs(Signal.DENSE_GRADIENT)) {
            for (SparseMatrices.InNetwork m : rewired(model)) {
                m.matrix().captureDenseWeightGradient();
            }
            Networks.computeGradient(model, probe);
            gradients = takeGradients(model);
        }
        try {
            MaskUpdate update = update(model, iteration, gradients);
            record(update);
            return update;
        } finally {
            gradients.values().forEach(DenseWeightGradient::close);
        }
    }

    /** Prunes and regrows every sparse layer of {@code model} once, as after {@code iteration}. */
    MaskUpdate update(Model model, long iteration, Map<SparseLayer, DenseWeightGradient> gradients) {
        double dropFraction = config.schedule.dropFraction(iteration + 1L);
        long seed = config.seed != null ? config.seed : Networks.seed(model);
        for (SparseMatrices.InNetwork m : rewired(model)) {
            requireFiniteWeights(m, iteration);
        }
        List<LayerRewiring> plans = new ArrayList<>();
        Layer[] layers = Networks.layers(model);
        for (SparseMatrices.InNetwork m : rewired(model)) {
            int stream = streamOf(layers, m);
            // separate streams: how ties among the dropped are broken never shifts which connections SET grows
            plans.add(new LayerRewiring(model, m, signals(model, m, gradients),
                    new SplittableRandom(mix(seed, iteration, 2 * stream)),
                    new SplittableRandom(mix(seed, iteration, 2 * stream + 1))));
        }
        // every layer's dropped and grown connections are chosen and checked before any layer changes
        for (LayerRewiring plan : plans) {
            plan.drop(config.drop(), dropFraction, iteration);
        }
        int[] growCounts = config.redistribution() == Redistribution.NONE
                ? plans.stream().mapToInt(LayerRewiring::droppedCount).toArray()
                : MomentumRedistribution.growCounts(plans.stream().map(LayerRewiring::momentumShare).toList(),
                        plans.stream().mapToLong(LayerRewiring::inactive).toArray(),
                        plans.stream().mapToInt(LayerRewiring::droppedCount).sum());
        for (int t = 0; t < plans.size(); t++) {
            plans.get(t).grow(config.growth(), config.grownWeights(), growCounts[t], iteration);
        }
        List<LayerUpdate> layerUpdates = new ArrayList<>();
        for (LayerRewiring plan : plans) {
            plan.apply();
            layerUpdates.add(new LayerUpdate(plan.name(), plan.activeAfter(), plan.droppedCount(), plan.grown().length,
                    dropFraction, explored.record(plan.name(), plan.activeBefore(), plan.grown()), plan.connections()));
        }
        return new MaskUpdate(iteration, layerUpdates, SparsityReport.of(model));
    }

    /**
     * The random streams of a matrix: its layer's index in the network (as before layers had several matrices, so
     * seeded runs repeat), offset by 2^20 per further matrix of the layer.
     */
    private static int streamOf(Layer[] layers, SparseMatrices.InNetwork m) {
        int index = java.util.Arrays.asList(layers).indexOf(m.layer());
        return index + (SparseMatrices.of(m.layer()).indexOf(m.matrix()) << 20);
    }

    /** The signals the configured criteria declared, for one matrix. */
    private LayerSignals signals(Model model, SparseMatrices.InNetwork matrix, Map<SparseLayer, DenseWeightGradient> gradients) {
        String name = matrix.name();
        DenseWeightGradient gradient = null;
        if (config.needs(Signal.DENSE_GRADIENT)) {
            gradient = gradients.get(matrix.matrix());
            if (gradient == null) {
                throw new IllegalStateException(config.describe() + " update of layer " + name + ": no dense gradient "
                        + "was kept for this step; the listener must be attached to the network that trains (it arms the "
                        + "layers in onForwardPass)");
            }
        }
        double[] m = null;
        if (config.needs(Signal.GRADIENT_MOMENTUM)) {
            m = momentum.of(name);
            if (m == null) {
                throw new IllegalStateException(config.describe() + " update of layer " + name + ": no gradient "
                        + "momentum was gathered; the listener must be attached to the network from its first step");
            }
        }
        Map<String, double[]> state = Map.of();
        if (config.needs(Signal.UPDATER_STATE)) {
            state = activeUpdaterState(model, matrix.layer(), matrix.matrix());
        }
        return new LayerSignals(gradient, m, state);
    }

    /** The updater state at the active positions, per state key, in the order of the active positions. */
    private static Map<String, double[]> activeUpdaterState(Model model, Layer dl4jLayer, SparseLayer layer) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        long[] active = layer.activePositions();
        boolean perSlot = layer.updaterStatePerActiveConnection(); // else one entry per position
        for (Map.Entry<String, INDArray> e : UpdaterStates.named(model, dl4jLayer, layer.trainableWeightKey()).entrySet()) {
            double[] all = e.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup().data().asDouble();
            double[] values = new double[active.length];
            for (int s = 0; s < active.length; s++) {
                values[s] = all[perSlot ? s : (int) active[s]];
            }
            out.put(e.getKey(), values);
        }
        return out;
    }

    /**
     * @return the updates made so far, one per scheduled update step, oldest first (not saved with checkpoints); those
     *         that moved no connection ({@link MaskUpdate#movedNothing()}) included
     */
    public List<MaskUpdate> updates() {
        return Collections.unmodifiableList(updates);
    }

    /** @return the updates so far that moved at least one connection */
    public long updatesThatMoved() {
        return updates.stream().filter(u -> !u.movedNothing()).count();
    }

    /** @return the schedule */
    public PruneRegrowSchedule schedule() {
        return config.schedule;
    }

    /** @return the growth criterion */
    public GrowthCriterion criterion() {
        return config.growth();
    }

    /** @return the drop criterion */
    public DropCriterion dropCriterion() {
        return config.drop();
    }

    /** @return how grown connections start */
    public GrownWeights grownWeights() {
        return config.grownWeights();
    }

    /** @return whether connections move between layers */
    public Redistribution redistribution() {
        return config.redistribution();
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
            throw new IllegalArgumentException("criteria " + config.describe() + " cannot be saved with the model: one "
                    + "of them (growth, drop or grown weights) is not serialisable (" + e + "); make it and its fields "
                    + "Serializable", e);
        }
        ModelFileObjects.add(modelFile, MODEL_FILE_KEY, config, "PruneRegrowListener");
        if (config.needs(Signal.GRADIENT_MOMENTUM)) {
            ModelFileObjects.add(modelFile, MOMENTUM_FILE_KEY, momentum, "PruneRegrowListener");
        }
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
        GradientMomentum momentum = new GradientMomentum();
        if (config.needs(Signal.GRADIENT_MOMENTUM)) {
            if (!ModelSerializer.listObjectsInFile(modelFile).contains(MOMENTUM_FILE_KEY)) {
                throw new IllegalArgumentException("model file " + modelFile + " holds the configuration of "
                        + config.describe() + " but not its gradient momentum (" + MOMENTUM_FILE_KEY + "); save it "
                        + "with PruneRegrowListener.saveTo after the network");
            }
            momentum = ModelSerializer.getObjectFromFile(modelFile, MOMENTUM_FILE_KEY);
        }
        return new PruneRegrowListener(config, momentum);
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
        return "PruneRegrowListener(" + config.describe() + ", "
                + config.schedule + ", seed " + (config.seed != null ? config.seed : "of the network") + ")";
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** SplitMix64-style mixing of the three so that neighbouring iterations and streams get unrelated seeds. */
    static long mix(long seed, long iteration, int stream) {
        long h = seed;
        h = (h ^ (iteration + 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (stream + 0x94D049BB133111EBL)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The serialisable configuration: what a checkpoint needs to resume. {@code criterion} is the built-in criterion
     * (the only field of that name in files written before growth criteria were pluggable), {@code custom} a
     * user-supplied one. Fields added later ({@code dropRule}, {@code grownInit}, {@code redistributionMode},
     * {@code beta}) read as null or 0 from older files and mean the defaults then.
     */
    private record Config(RegrowCriterion criterion, PruneRegrowSchedule schedule, Long seed, GrowthCriterion custom,
                          DropCriterion dropRule, GrownWeights grownInit, Redistribution redistributionMode, double beta)
            implements Serializable {

        static Config of(GrowthCriterion growth, PruneRegrowSchedule schedule, Long seed, DropCriterion drop,
                         GrownWeights grownWeights, Redistribution redistribution, double momentum) {
            return growth instanceof RegrowCriterion builtIn
                    ? new Config(builtIn, schedule, seed, null, drop, grownWeights, redistribution, momentum)
                    : new Config(null, schedule, seed, growth, drop, grownWeights, redistribution, momentum);
        }

        GrowthCriterion growth() {
            return criterion != null ? criterion : custom;
        }

        DropCriterion drop() {
            return dropRule != null ? dropRule : DropCriterion.MAGNITUDE;
        }

        GrownWeights grownWeights() {
            return grownInit != null ? grownInit : GrownWeights.ZERO;
        }

        Redistribution redistribution() {
            return redistributionMode != null ? redistributionMode : Redistribution.NONE;
        }

        double momentumBeta() {
            return beta > 0.0 ? beta : DEFAULT_MOMENTUM;
        }

        /** @return whether a criterion or the redistribution reads {@code signal} */
        boolean needs(Signal signal) {
            return growth().signals().contains(signal) || drop().signals().contains(signal)
                    || signal == Signal.GRADIENT_MOMENTUM && redistribution() == Redistribution.MOMENTUM;
        }

        String describe() {
            String text = growth().displayName();
            if (drop() != DropCriterion.MAGNITUDE) {
                text += " (drop: " + drop().displayName() + ")";
            }
            return redistribution() == Redistribution.NONE ? text : text + " with " + redistribution() + " redistribution";
        }
    }

    /** SNFS's default: the momentum coefficient of {@link Signal#GRADIENT_MOMENTUM}. */
    public static final double DEFAULT_MOMENTUM = 0.9;

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
        private DropCriterion drop = DropCriterion.MAGNITUDE;
        private GrownWeights grownWeights = GrownWeights.ZERO;
        private Redistribution redistribution = Redistribution.NONE;
        private double momentum = DEFAULT_MOMENTUM;

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

        /** Which active connections are dropped; default {@link DropCriterion#MAGNITUDE}. */
        public Builder drop(DropCriterion drop) {
            if (drop == null) {
                throw new IllegalArgumentException("drop criterion must not be null (the default is DropCriterion.MAGNITUDE)");
            }
            this.drop = drop;
            return this;
        }

        /** The weights grown connections start with; default {@link GrownWeights#ZERO}. */
        public Builder grownWeights(GrownWeights grownWeights) {
            if (grownWeights == null) {
                throw new IllegalArgumentException("grownWeights must not be null (the default is GrownWeights.ZERO)");
            }
            this.grownWeights = grownWeights;
            return this;
        }

        /**
         * Whether connections move between layers; default {@link Redistribution#NONE}. {@link Redistribution#MOMENTUM}
         * needs every sparse layer at {@code WeightStorage.DENSE} (checked at the first step).
         */
        public Builder redistribution(Redistribution redistribution) {
            if (redistribution == null) {
                throw new IllegalArgumentException("redistribution must not be null (the default is Redistribution.NONE)");
            }
            this.redistribution = redistribution;
            return this;
        }

        /** β of {@link Signal#GRADIENT_MOMENTUM}, {@code m ← β · m + (1 − β) · g}, in (0, 1); default 0.9. */
        public Builder momentum(double beta) {
            if (!(beta > 0.0 && beta < 1.0)) {
                throw new IllegalArgumentException("momentum (beta) must be in (0, 1), got " + beta);
            }
            this.momentum = beta;
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
                    decay), seed, drop, grownWeights, redistribution, momentum), new GradientMomentum());
        }
    }
}
