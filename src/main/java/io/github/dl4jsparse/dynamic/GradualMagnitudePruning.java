package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.io.ModelFiles;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.mask.Positions;
import io.github.dl4jsparse.mask.RandomMasks;
import io.github.dl4jsparse.prune.MagnitudePruning;
import io.github.dl4jsparse.prune.PruneScope;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gradual magnitude pruning (Zhu &amp; Gupta 2017; the core of TF Model Optimization's {@code prune_low_magnitude}),
 * dense to sparse during plain {@code fit()}: at every pruning step of its {@link PruningSchedule} the active
 * connections of smallest |W| are dropped until each sparse layer (or all of them together, {@link PruneScope#GLOBAL})
 * has exactly the schedule's sparsity: {@code round(s · connections)} inactive. Pruned connections become exact zeros,
 * their updater state is reset to 0, and they never come back.
 *
 * <pre>{@code
 * MultiLayerNetwork net = GradualMagnitudePruning.prepare(denseNet);     // DenseLayer/ConvolutionLayer -> sparsity 0
 * net.addListeners(GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.0, 0.9, 469, 4690, 100)).build());
 * net.fit(train, 15);
 * }</pre>
 *
 * <p>The sparse layers keep {@link WeightStorage#DENSE} (a mask of any number of ones) throughout: the count of a
 * layer falls at every pruning step, and active storage has a fixed number of slots (checked at the first step). Once
 * the schedule is done, {@link #toActiveStorage} gives the same network with only its active connections stored.
 *
 * <p>Exact ties at the boundary are broken at random from a generator seeded by (network seed, iteration, layer), so
 * a run is reproducible; the schedule's position is DL4J's iteration count, so a checkpoint ({@code ModelSerializer}
 * with the updater, and {@link #saveTo} / {@link #restoreFrom} for this listener) resumes bit-identically.
 */
public final class GradualMagnitudePruning extends BaseTrainingListener implements Serializable {

    private static final Logger log = LoggerFactory.getLogger(GradualMagnitudePruning.class);
    /** The key under which {@link #saveTo(File)} stores the configuration in a model file. */
    public static final String MODEL_FILE_KEY = "dl4j-sparse.gradualPruning";

    private final Config config;
    private final List<PruningStep> steps = new ArrayList<>();
    /** Whether {@link #iterationDone} ran before (the first call checks for a ParallelWrapper worker). */
    private transient boolean calledBefore;

    private GradualMagnitudePruning(Config config) {
        this.config = config;
    }

    /** @return a builder for {@code schedule} */
    public static Builder builder(PruningSchedule schedule) {
        return new Builder(schedule);
    }

    /**
     * A network ready for gradual pruning: every {@code DenseLayer} and {@code ConvolutionLayer} of {@code dense}
     * replaced by a sparse layer at sparsity 0 (all connections active, dense storage), with all parameters copied.
     * Sparse layers already in it are kept as they are.
     *
     * @return a new, initialised network; {@code dense} is not changed
     */
    public static MultiLayerNetwork prepare(MultiLayerNetwork dense) {
        return MagnitudePruning.toSparse(dense, 0.0);
    }

    /** As {@link #prepare(MultiLayerNetwork)} for a graph. */
    public static ComputationGraph prepare(ComputationGraph dense) {
        return MagnitudePruning.toSparse(dense, 0.0);
    }

    /**
     * The same network with every sparse layer at its mask's sparsity under {@link WeightStorage#ACTIVE}: weights,
     * masks, biases and all other parameters copied, so its outputs are the same; for inference or further training
     * after the schedule (the updater state starts fresh).
     *
     * @return a new, initialised network; {@code net} is not changed
     */
    public static MultiLayerNetwork toActiveStorage(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        for (int i = 0; i < net.getnLayers(); i++) {
            List<SparseLayer> matrices = SparseMatrices.of(net.getLayer(i));
            List<io.github.dl4jsparse.layers.SparseLayerConfig> configs =
                    io.github.dl4jsparse.layers.SparseLayers.matricesOf(conf.getConf(i).getLayer());
            for (int k = 0; k < matrices.size(); k++) {
                long connections = matrices.get(k).sparseConfig().connections();
                long zeros = connections - matrices.get(k).activePositions().length;
                configs.get(k).setSparsity(Math.min((double) zeros / connections, Math.nextDown(1.0)));
                configs.get(k).setStorage(WeightStorage.ACTIVE);
            }
            if (!matrices.isEmpty()) {
                conf.getConf(i).clearVariables(); // the dense storage's parameter names; the new one declares its own
            }
        }
        MultiLayerNetwork out = new MultiLayerNetwork(conf);
        out.init();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer from = net.getLayer(i);
            Layer to = out.getLayer(i);
            List<SparseLayer> fromMatrices = SparseMatrices.of(from);
            List<SparseLayer> toMatrices = SparseMatrices.of(to);
            for (int k = 0; k < fromMatrices.size(); k++) {
                toMatrices.get(k).setMaskedWeights(fromMatrices.get(k).maskedWeights(), fromMatrices.get(k).weightMask());
            }
            // every other parameter (bias...) under the same key
            from.paramTable().forEach((key, value) -> {
                if (to.paramTable().containsKey(key) && to.getParam(key).length() == value.length()
                        && fromMatrices.stream().allMatch(m -> m.sparseConfig().paramKeys().isTrainable(key)
                        && !m.trainableWeightKey().equals(key))) {
                    to.getParam(key).assign(value.reshape(to.getParam(key).shape()));
                }
            });
        }
        return out;
    }

    @Override
    public void onForwardPass(Model model, java.util.List<org.nd4j.linalg.api.ndarray.INDArray> activations) {
        NonFiniteGuard.requireFiniteInputs("GradualMagnitudePruning",
                activations.isEmpty() ? java.util.List.of() : activations.subList(0, 1));
    }

    @Override
    public void onForwardPass(Model model, java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> activations) {
        NonFiniteGuard.requireFiniteInputs("GradualMagnitudePruning",
                PruneRegrowListener.networkInputs(model, activations));
    }

    /** Before DL4J applies the update: a non-finite weight, gradient or updater state stops the step. */
    @Override
    public void onGradientCalculation(Model model) {
        NonFiniteGuard.requireFiniteStep("GradualMagnitudePruning", model, Networks.iterationCount(model));
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        IgnoredListeners.called(this);
        AttachedOnce.require(model, this, "GradualMagnitudePruning");
        long step = iteration + 1L;
        if (!calledBefore) {
            calledBefore = true;
            requireNotParallelWrapperWorker();
            if (step > config.schedule.endStep()) {
                log.warn("GradualMagnitudePruning: the network is at iteration {}, after the end of its schedule ({}, "
                        + "last step {}): this listener will never prune. Use a schedule that starts at or after "
                        + "iteration {}; if this run resumes one whose pruning has finished, the listener is not "
                        + "needed", iteration, config.schedule, config.schedule.endStep(), step);
            }
        }
        if (config.schedule.isPruningStep(step)) {
            requireNotParallelWrapperWorker();
            PruningStep done = prune(model, iteration, config.schedule.sparsity(step));
            steps.add(done);
            log.info("{}", done);
        }
    }

    /**
     * Throws if this listener runs under DL4J's {@code ParallelWrapper}, which hands it to every worker: each would
     * prune its own copy at a different |W|, and parameter averaging would then mix masks (to fractions) and
     * weights of different connections. Checked at the first step this listener sees and before every pruning step,
     * so nothing is pruned in a worker.
     *
     * @throws IllegalStateException naming the way to train the result on several workers
     */
    private static void requireNotParallelWrapperWorker() {
        if (PruneRegrowListener.calledByParallelWrapper()) {
            throw new IllegalStateException("GradualMagnitudePruning runs in a ParallelWrapper worker: ParallelWrapper "
                    + "hands the same listener to every worker, each would prune its own copy differently, and "
                    + "averaging would mix the masks. Prune on one worker (net.fit(...) with this listener); once the "
                    + "schedule is done, GradualMagnitudePruning.toActiveStorage(net) gives the pruned network, whose "
                    + "fixed masks train correctly under ParallelWrapper.");
        }
    }

    /** Prunes every sparse layer of {@code model} to {@code sparsity} now, as after {@code iteration}. */
    PruningStep prune(Model model, long iteration, double sparsity) {
        List<SparseMatrices.InNetwork> matrices = PruneRegrowListener.rewired(model);
        List<SparseLayer> layers = new ArrayList<>();
        for (SparseMatrices.InNetwork m : matrices) {
            SparseLayer sparse = m.matrix();
            if (!sparse.activeCountMayChange()) {
                throw new IllegalStateException("GradualMagnitudePruning lowers the count of every sparse layer, "
                        + "and layer " + m.name() + " stores a fixed number of active connections "
                        + "(storage " + sparse.sparseConfig().resolvedStorage() + "). Start from "
                        + "GradualMagnitudePruning.prepare(denseNetwork), or build the sparse layers with "
                        + ".storage(WeightStorage.DENSE)");
            }
            layers.add(sparse);
        }
        if (layers.isEmpty()) {
            throw new IllegalStateException("GradualMagnitudePruning: the network has no sparse layer; start from "
                    + "GradualMagnitudePruning.prepare(denseNetwork)");
        }
        long seed = config.seed != null ? config.seed : Networks.seed(model);
        List<long[]> active = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        for (SparseLayer layer : layers) {
            active.add(layer.activePositions());
            values.add(layer.activeValues());
        }
        int[] drops = new int[layers.size()];
        if (config.scope == PruneScope.LAYERWISE) {
            for (int l = 0; l < layers.size(); l++) {
                long connections = layers.get(l).sparseConfig().connections();
                long keep = connections - RandomMasks.zeroCount(connections, sparsity);
                drops[l] = (int) Math.max(0, active.get(l).length - keep);
            }
        }
        List<long[]> dropped = config.scope == PruneScope.LAYERWISE
                ? layerwise(active, values, drops, seed, iteration)
                : global(layers, active, values, sparsity, seed, iteration);
        for (int l = 0; l < layers.size(); l++) {
            if (active.get(l).length > 0 && dropped.get(l).length == active.get(l).length) {
                long connections = layers.get(l).sparseConfig().connections();
                throw new IllegalStateException("GradualMagnitudePruning: at iteration " + iteration + " sparsity "
                        + sparsity + " would leave " + matrices.get(l).name() + " (" + connections + " connections) "
                        + "no connection, and the layer would compute a constant; nothing was pruned. Use a final "
                        + "sparsity below " + (1.0 - 0.5 / connections) + (config.scope == PruneScope.GLOBAL
                        ? " or PruneScope.LAYERWISE (a global ranking can empty a small layer)" : ""));
            }
        }
        List<String> names = new ArrayList<>();
        long[] after = new long[layers.size()];
        for (int l = 0; l < layers.size(); l++) {
            long size = layers.get(l).sparseConfig().connections();
            long[] keep = Positions.of(matrices.get(l).name() + ": active", active.get(l), size)
                    .without(Positions.of(matrices.get(l).name() + ": dropped", dropped.get(l), size)).toArray();
            if (dropped.get(l).length > 0) {
                layers.get(l).rewire(keep, UpdaterStates.of(model, matrices.get(l).layer(),
                        layers.get(l).trainableWeightKey()));
            }
            names.add(matrices.get(l).name());
            after[l] = keep.length;
        }
        return new PruningStep(iteration, sparsity, names, Arrays.stream(after).boxed().toList(),
                dropped.stream().mapToLong(d -> d.length).sum(), SparsityReport.of(model));
    }

    private static List<long[]> layerwise(List<long[]> active, List<double[]> values, int[] drops, long seed,
                                          long iteration) {
        List<long[]> out = new ArrayList<>();
        for (int l = 0; l < active.size(); l++) {
            double[] magnitude = abs(values.get(l));
            int[] slots = ConnectionSelection.smallest(magnitude, allSlots(magnitude.length), drops[l],
                    new SplittableRandom(mix(seed, iteration, l)));
            out.add(positions(active.get(l), slots));
        }
        return out;
    }

    /** One ranking over all layers: the smallest |W| until the layers together have {@code sparsity}. */
    private static List<long[]> global(List<SparseLayer> layers, List<long[]> active, List<double[]> values,
                                       double sparsity, long seed, long iteration) {
        long connections = 0;
        int total = 0;
        for (int l = 0; l < layers.size(); l++) {
            connections += layers.get(l).sparseConfig().connections();
            total += active.get(l).length;
        }
        long keep = connections - RandomMasks.zeroCount(connections, sparsity);
        int drop = (int) Math.max(0, total - keep);
        double[] magnitude = new double[total];
        int offset = 0;
        for (double[] v : values) {
            for (int s = 0; s < v.length; s++) {
                magnitude[offset + s] = Math.abs(v[s]);
            }
            offset += v.length;
        }
        int[] chosen = ConnectionSelection.smallest(magnitude, allSlots(total), drop,
                new SplittableRandom(mix(seed, iteration, -1)));
        Arrays.sort(chosen);
        List<long[]> out = new ArrayList<>();
        offset = 0;
        int c = 0;
        for (long[] a : active) {
            int from = c;
            while (c < chosen.length && chosen[c] < offset + a.length) {
                c++;
            }
            int[] slots = new int[c - from];
            for (int t = 0; t < slots.length; t++) {
                slots[t] = chosen[from + t] - offset;
            }
            out.add(positions(a, slots));
            offset += a.length;
        }
        return out;
    }

    private static long[] positions(long[] active, int[] slots) {
        long[] p = new long[slots.length];
        for (int t = 0; t < slots.length; t++) {
            p[t] = active[slots[t]];
        }
        Arrays.sort(p);
        return p;
    }


    private static int[] allSlots(int n) {
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = i;
        }
        return s;
    }

    private static double[] abs(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }

    /** Prune-and-regrow's seed mixing, on a seed of its own so that the two never share a stream. */
    private static long mix(long seed, long iteration, int stream) {
        return PruneRegrowListener.mix(seed ^ 0x5DEECE66DL, iteration, stream);
    }

    /** @return the pruning steps made so far, oldest first (not saved with checkpoints) */
    public List<PruningStep> steps() {
        return Collections.unmodifiableList(steps);
    }

    /** @return the schedule */
    public PruningSchedule schedule() {
        return config.schedule;
    }

    /** @return per layer or global */
    public PruneScope scope() {
        return config.scope;
    }

    /** Stores this listener's configuration in a model file written by {@code ModelSerializer}. */
    public void saveTo(File modelFile) {
        ModelFileObjects.add(modelFile, MODEL_FILE_KEY, config, "GradualMagnitudePruning");
    }

    /**
     * A listener with the configuration that {@link #saveTo(File)} stored in {@code modelFile}, checked as a whole
     * first ({@link ModelFiles#requireComplete}).
     *
     * @throws IllegalArgumentException naming the file and what is missing
     */
    public static GradualMagnitudePruning restoreFrom(File modelFile) {
        ModelFiles.requireComplete(modelFile, true);
        if (!ModelSerializer.listObjectsInFile(modelFile).contains(MODEL_FILE_KEY)) {
            throw new IllegalArgumentException("model file " + modelFile + " holds no gradual pruning configuration ("
                    + MODEL_FILE_KEY + "); was it saved with GradualMagnitudePruning.saveTo?");
        }
        return new GradualMagnitudePruning(ModelSerializer.getObjectFromFile(modelFile, MODEL_FILE_KEY));
    }

    @Override
    public String toString() {
        return "GradualMagnitudePruning(" + config.schedule + ", " + config.scope + ")";
    }

    /**
     * One pruning step.
     *
     * @param iteration DL4J's 0-based iteration after which it happened
     * @param sparsity  the schedule's target sparsity
     * @param layers    the sparse layers' names, in network order
     * @param active    their active connections after the step
     * @param pruned    connections pruned at this step, over all layers
     * @param after     the network's sparsity after the step
     */
    public record PruningStep(long iteration, double sparsity, List<String> layers, List<Long> active, long pruned,
                              SparsityReport after) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "gradual pruning after iteration %d: target %.4f, pruned %d | %s",
                    iteration, sparsity, pruned, after.globalLine());
        }
    }

    private record Config(PruningSchedule schedule, PruneScope scope, Long seed) implements Serializable {
    }

    /** Builds a {@link GradualMagnitudePruning}. */
    public static final class Builder {
        private final PruningSchedule schedule;
        private PruneScope scope = PruneScope.LAYERWISE;
        private Long seed;

        private Builder(PruningSchedule schedule) {
            if (schedule == null) {
                throw new IllegalArgumentException("schedule must not be null: PolynomialDecay.cubic(...) or "
                        + "new ConstantSparsity(...)");
            }
            this.schedule = schedule;
        }

        /** Per layer (default: every layer reaches the sparsity) or one ranking over all layers. */
        public Builder scope(PruneScope scope) {
            if (scope == null) {
                throw new IllegalArgumentException("scope must not be null");
            }
            this.scope = scope;
            return this;
        }

        /** The seed of ties; default: the network's seed. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public GradualMagnitudePruning build() {
            return new GradualMagnitudePruning(new Config(schedule, scope, seed));
        }
    }
}
