package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.data.ShuffledDataSetIterator;
import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.layers.DensityScaledInit;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fashion-MNIST as sequences: each image is 28 time steps of 28 pixels (one row per step), read by an LSTM of 128
 * units whose last time step ({@code LastTimeStep}) feeds a softmax layer. Three methods, each for several seeds:
 * {@code dense} (DL4J's {@code LSTM}), {@code static 0.9} ({@link SparseLSTM} at sparsity 0.9 on both {@code W} and
 * {@code RW}, fixed masks) and {@code RigL 0.9} (the same, rewired by {@link PruneRegrowListener#rigl()} every 100
 * steps, drop fraction 0.3 with cosine decay, until 75% of training); with {@code --methods} also
 * {@code RigL-ERK 0.9} (the same global sparsity spread over {@code W} and {@code RW} by ERK), {@code SET 0.9} and
 * {@code SET-ERK 0.9} (the same schedules with random regrowth, {@link PruneRegrowListener#set()}),
 * {@code SNFS 0.9} and {@code SNFS-ERK 0.9} (sparse momentum, {@link PruneRegrowListener#snfs()}: regrowth by momentum
 * and connections moved between {@code W} and {@code RW}; dense weight storage). Adam 2e-3,
 * minibatch 256 ({@code --batch N} to change it).
 *
 * <p>Seconds logged are training only (evaluation left out), after every epoch too; the table of time to accuracy
 * ({@link TimeToAccuracy}) follows the results. One timed run at a time: a second runner refuses to start beside it
 * ({@link TimedRunLock}; {@code --concurrent} trains anyway; a {@code --quick} run takes no lock).
 *
 * <p>Every run is appended to a resumable run log ({@code --resume FILE}, default
 * {@code docs/fashion-mnist-lstm-runs.csv}) as it ends; a stopped experiment goes on where it stopped.
 * {@code --report-only} prints the table of the runs in the log. Options: {@code --quick} (6,000/1,000 examples, 2
 * epochs, 1 seed, prune-and-regrow every 10 steps), {@code --epochs N}, {@code --seeds N}, {@code --first-seed N},
 * {@code --train-limit N},
 * {@code --methods a,b} (e.g. {@code dense,RigL_0.9}; the sparse methods of one call at one sparsity, which their
 * names give: {@code RigL-ERK_0.8}), {@code --data DIR}, {@code --delta-t N} and {@code --alpha A}
 * (the prune-and-regrow schedule, default 100 steps and 0.3), {@code --lr R} (Adam's learning rate, default 2e-3); runs
 * given any of these are logged under their own name, as are those given {@code --scaled-init} (each sparse matrix's
 * starting weights divided by {@code sqrt(density)}) or {@code --lr-decay} (the learning rate lowered linearly to 0
 * over the run). {@code --input-sparsity S} puts {@code W} at sparsity {@code S} and {@code RW} at the sparsity that
 * keeps the global one (not with the ERK methods). Every sparse run prints its sparsity per matrix at the end.
 */
public final class FashionMnistLstmExperiment {

    static final int STEPS = 28;
    static final int PIXELS_PER_STEP = 28;
    static final int HIDDEN = 128;
    static int batch = 256;
    /** Steps between prune-and-regrow updates: 100, or 10 with {@code --quick} (whose run is 48 steps). */
    static int deltaT = 100;
    /** The starting drop fraction of prune-and-regrow (cosine decay): 0.3 unless {@code --alpha} says otherwise. */
    static double alpha = 0.3;
    /** Whether {@code --delta-t} or {@code --alpha} set the schedule (such runs are logged under their own name). */
    static boolean scheduleGiven;
    /** Adam's learning rate: 2e-3 unless {@code --lr} says otherwise (such runs are logged under their own name). */
    static double learningRate = 2e-3;
    /**
     * Whether {@code --scaled-init} starts the sparse LSTM from {@link DensityScaledInit} (XAVIER divided by
     * {@code sqrt(density)} per matrix) instead of plain XAVIER.
     */
    static boolean scaledInit;
    /** Whether {@code --lr-decay} lowers the learning rate linearly to 0 over the run ({@link LinearDecay}). */
    static boolean lrDecay;
    /** The training steps of one run (epochs × minibatches per epoch), over which {@code --lr-decay} decays. */
    static int runSteps;
    /** The sparsity of the sparse methods: 0.9, or the one their names give in {@code --methods} ({@code RigL_0.8}). */
    static double sparsity = 0.9;
    /**
     * The sparsity of the input weights {@code W} given by {@code --input-sparsity} (NaN: both matrices at
     * {@link #sparsity}); {@code RW} then takes the sparsity that keeps the global one at {@link #sparsity}.
     */
    static double inputSparsity = Double.NaN;

    /** Held while this JVM trains, so that no second timed run starts beside it ({@code --concurrent}: not taken). */
    private static TimedRunLock timedRun;

    private FashionMnistLstmExperiment() {
    }

    enum Method {
        DENSE("dense"), STATIC("static"), RIGL("RigL"), RIGL_ERK("RigL-ERK"), SET("SET"), SET_ERK("SET-ERK"),
        SNFS("SNFS"), SNFS_ERK("SNFS-ERK");

        /** The method's name without its sparsity. */
        final String base;

        Method(String base) {
            this.base = base;
        }

        /** @return e.g. {@code dense}, {@code RigL-ERK 0.9}: the name with the sparsity in effect */
        String label() {
            return this == DENSE ? base : base + " " + sparsity;
        }

        /** @return whether prune-and-regrow rewires this method's sparse LSTM during training */
        boolean rewired() {
            return this != DENSE && this != STATIC;
        }

        /** @return whether ERK spreads the global sparsity over {@code W} and {@code RW} */
        boolean erk() {
            return this == RIGL_ERK || this == SET_ERK || this == SNFS_ERK;
        }

        /** @return whether sparse momentum rewires it, which moves connections between {@code W} and {@code RW} */
        boolean momentum() {
            return this == SNFS || this == SNFS_ERK;
        }

        /** @return the prune-and-regrow builder of a rewired method: SET's, sparse momentum's or RigL's */
        PruneRegrowListener.Builder regrowth() {
            return switch (this) {
                case SET, SET_ERK -> PruneRegrowListener.set();
                case SNFS, SNFS_ERK -> PruneRegrowListener.snfs();
                default -> PruneRegrowListener.rigl();
            };
        }
    }

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        boolean concurrent = false;
        boolean reportOnly = false;
        int epochs = 15;
        int seeds = 3;
        int firstSeed = 1;
        int trainLimit = 0;
        int testLimit = 0;
        Path resume = Path.of("docs/fashion-mnist-lstm-runs.csv");
        Path data = null;
        List<Method> methods = new ArrayList<>(List.of(Method.DENSE, Method.STATIC, Method.RIGL));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--concurrent" -> concurrent = true;
                case "--report-only" -> reportOnly = true;
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--first-seed" -> firstSeed = Integer.parseInt(args[++i]);
                case "--train-limit" -> trainLimit = Integer.parseInt(args[++i]);
                case "--resume" -> resume = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--methods" -> methods = parseMethods(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--delta-t" -> {
                    deltaT = Integer.parseInt(args[++i]);
                    scheduleGiven = true;
                }
                case "--lr" -> learningRate = Double.parseDouble(args[++i]);
                case "--scaled-init" -> scaledInit = true;
                case "--lr-decay" -> lrDecay = true;
                case "--input-sparsity" -> inputSparsity = Double.parseDouble(args[++i]);
                case "--alpha" -> {
                    alpha = Double.parseDouble(args[++i]);
                    scheduleGiven = true;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; see the class comment for the options");
            }
        }
        if (!Double.isNaN(inputSparsity)) {
            recurrentSparsity(); // refuses a split that leaves RW no sparsity before any run starts
            if (methods.stream().anyMatch(Method::erk)) {
                throw new IllegalArgumentException("--input-sparsity " + inputSparsity + " sets the split of W and "
                        + "RW, which ERK sets too: drop one of them");
            }
        }
        if (quick) {
            epochs = 2;
            seeds = 1;
            trainLimit = 6000;
            testLimit = 1000;
            deltaT = scheduleGiven ? deltaT : 10;
        }
        RunLog log = RunLog.open(resume);
        if (!reportOnly) {
            if (!concurrent && !quick) { // a quick run is a smoke test: its seconds are not compared
                timedRun = TimedRunLock.acquire("FashionMnistLstmExperiment");
            }
            Path dir = data != null ? data : FashionMnist.defaultDirectory();
            DataSet train = FashionMnist.load(dir, FashionMnist.Split.TRAIN, trainLimit, DataType.FLOAT); // images
            DataSet test = FashionMnist.rowsAsSequences(FashionMnist.load(dir, FashionMnist.Split.TEST, testLimit, DataType.FLOAT));
            runSteps = epochs * ((train.numExamples() + batch - 1) / batch);
            System.out.printf(Locale.ROOT, "Fashion-MNIST as %d steps of %d pixels from %s: %d training sequences, %d "
                            + "test; LSTM(%d) -> LastTimeStep -> softmax; %d epochs, seeds %d..%d%n", STEPS,
                    PIXELS_PER_STEP, dir, train.numExamples(), test.numExamples(), HIDDEN, epochs, firstSeed,
                    firstSeed + seeds - 1);
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                for (Method m : methods) {
                    String label = label(m);
                    if (log.finished(label, seed, epochs) != null) {
                        System.out.printf(Locale.ROOT, "%s seed %d: in %s already%n", label, seed, resume);
                        continue;
                    }
                    RunResult r = run(m, seed, epochs, train, test);
                    log.append(label, seed, r);
                }
            }
        }
        System.out.println(report(log, methods, epochs, firstSeed, seeds));
        System.out.println(TimeToAccuracy.table(log, Method.DENSE.label(), 15));
        System.out.println("Wrote " + Plots.accuracyAgainstSeconds(log,
                "Fashion-MNIST rows as sequences, LSTM(128): test accuracy against training time"));
    }

    /**
     * @return the method's name in the run log: its label, with the prune-and-regrow schedule appended where
     *         {@code --delta-t} or {@code --alpha} set it and the learning rate where {@code --lr} set another than
     *         2e-3 (e.g. {@code RigL-ERK 0.9 (deltaT 50, alpha 0.3, lr 0.004)})
     */
    static String label(Method m) {
        List<String> options = new ArrayList<>();
        if (m.rewired() && scheduleGiven) {
            options.add(String.format(Locale.ROOT, "deltaT %d, alpha %s", deltaT, alpha));
        }
        if (learningRate != 2e-3) {
            options.add("lr " + learningRate);
        }
        if (scaledInit && m != Method.DENSE) {
            options.add("scaled init");
        }
        if (!Double.isNaN(inputSparsity) && m != Method.DENSE) {
            options.add(String.format(Locale.ROOT, "W sparsity %s, RW %.4f", inputSparsity, recurrentSparsity()));
        }
        if (lrDecay) {
            options.add("linear lr decay");
        }
        return options.isEmpty() ? m.label() : m.label() + " (" + String.join(", ", options) + ")";
    }

    /**
     * @param names e.g. {@code dense,RigL_0.9}: {@code dense}, or a sparse method's name, {@code _}, its sparsity in
     *              (0, 1); every sparse method of one call has the same sparsity, which becomes {@link #sparsity}
     */
    static List<Method> parseMethods(String names) {
        List<Method> out = new ArrayList<>();
        Double chosen = null;
        for (String name : names.split(",")) {
            int cut = name.lastIndexOf('_');
            String base = cut < 0 ? name : name.substring(0, cut);
            Method method = java.util.Arrays.stream(Method.values()).filter(m -> m.base.equals(base)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--methods: no method '" + name + "'; the "
                            + "methods are dense, static_S, RigL_S, RigL-ERK_S, SET_S, SET-ERK_S, SNFS_S and "
                            + "SNFS-ERK_S for a sparsity S, e.g. RigL_0.9"));
            if (method == Method.DENSE) {
                if (cut >= 0) {
                    throw new IllegalArgumentException("--methods: '" + name + "': dense takes no sparsity");
                }
            } else {
                double s = parseSparsity(name, base, cut < 0 ? "" : name.substring(cut + 1));
                if (chosen != null && s != chosen) {
                    throw new IllegalArgumentException("--methods: '" + name + "' has another sparsity than "
                            + chosen + "; the sparse methods of one call share one sparsity");
                }
                chosen = s;
            }
            out.add(method);
        }
        if (chosen != null) {
            sparsity = chosen;
        }
        return out;
    }

    private static double parseSparsity(String name, String base, String value) {
        double s;
        try {
            s = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            s = Double.NaN;
        }
        if (!(s > 0 && s < 1)) {
            throw new IllegalArgumentException("--methods: '" + name + "' needs a sparsity in (0, 1) after '_', "
                    + "e.g. " + base + "_0.9; got '" + value + "'");
        }
        return s;
    }

    static MultiLayerNetwork network(Method method, long seed) {
        Layer recurrent;
        if (method == Method.DENSE) {
            recurrent = new LSTM.Builder().nOut(HIDDEN).activation(Activation.TANH).dataFormat(RNNFormat.NWC).build();
        } else {
            SparseLSTM.Builder sparse = new SparseLSTM.Builder().nOut(HIDDEN).sparsity(sparsity);
            if (!Double.isNaN(inputSparsity)) {
                sparse.inputSparsity(inputSparsity).recurrentSparsity(recurrentSparsity());
            }
            if (method.momentum()) {
                sparse.storage(WeightStorage.DENSE); // sparse momentum reads the momentum of inactive positions
            }
            if (scaledInit) {
                sparse.weightInit(new DensityScaledInit(WeightInit.XAVIER));
            }
            recurrent = sparse.activation(Activation.TANH).dataFormat(RNNFormat.NWC).build();
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(lrDecay
                        ? new Adam(new LinearDecay(learningRate, runSteps))
                        : new Adam(learningRate)).list()
                .layer(new LastTimeStep(recurrent))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(FashionMnist.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(PIXELS_PER_STEP, STEPS, RNNFormat.NWC))
                .build();
        if (method.erk()) {
            // the same global sparsity over W and RW, spread by ERK: the input weights (28 rows) denser than RW
            // (128 rows)
            SparsityDistribution.erk(sparsity).build().applyTo(conf);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * @return the sparsity of {@code RW} that, with {@code W} at {@link #inputSparsity}, keeps {@link #sparsity} of the
     *         LSTM's connections inactive
     * @throws IllegalArgumentException naming {@code --input-sparsity} when no such sparsity is in [0, 1)
     */
    static double recurrentSparsity() {
        double inputs = (double) PIXELS_PER_STEP * 4 * HIDDEN;
        double recurrent = (double) HIDDEN * 4 * HIDDEN;
        double activeRecurrent = (1 - sparsity) * (inputs + recurrent) - (1 - inputSparsity) * inputs;
        double result = 1 - activeRecurrent / recurrent;
        if (!(inputSparsity >= 0 && inputSparsity < 1 && result >= 0 && result < 1)) {
            throw new IllegalArgumentException("--input-sparsity " + inputSparsity + " leaves RW no sparsity in "
                    + "[0, 1) at a global sparsity of " + sparsity + " (RW would be " + result + ")");
        }
        return result;
    }

    /** @param train images {@code [n, 784]}; @param test sequences {@code [n, 28, 28]} */
    static RunResult run(Method method, int seed, int epochs, DataSet train, DataSet test) {
        MultiLayerNetwork net = network(method, seed);
        // shuffled as images [n, 784] (the iterator pulls rows), each minibatch then read as sequences
        ShuffledDataSetIterator batches = new ShuffledDataSetIterator(train, batch, true, seed);
        long stepsPerEpoch = (train.numExamples() + batch - 1) / batch;
        PruneRegrowListener rewiring = null;
        if (method.rewired()) {
            rewiring = method.regrowth().deltaT(deltaT).alpha(alpha).plannedEpochs(epochs, stepsPerEpoch).build();
            net.setListeners(rewiring);
        }
        double[] loss = new double[epochs];
        double[] accuracy = new double[epochs];
        double[] epochSeconds = new double[epochs];
        double seconds = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            double sum = 0;
            int count = 0;
            batches.reset();
            long start = System.nanoTime();
            while (batches.hasNext()) {
                net.fit(FashionMnist.rowsAsSequences(batches.next()));
                sum += net.score();
                count++;
            }
            seconds += (System.nanoTime() - start) / 1e9;
            epochSeconds[epoch] = seconds;
            loss[epoch] = sum / count;
            accuracy[epoch] = accuracy(net, test);
            System.out.printf(Locale.ROOT, "%s seed %d epoch %d: train loss %.4f, test accuracy %.4f (%.0f s of "
                    + "training)%n", label(method), seed, epoch + 1, loss[epoch], accuracy[epoch], seconds);
        }
        SparsityReport report = SparsityReport.of(net);
        report.layerLines().forEach(line -> System.out.println("  " + line));
        if (report.leaks() != 0) {
            throw new IllegalStateException(label(method) + ": " + report.leaks() + " masked weights are not 0");
        }
        long stateNumbers = net.getUpdater().getStateViewArray().length();
        long modelBytes = 4L * (net.numParams() + stateNumbers);
        System.out.printf(Locale.ROOT, "%s seed %d: test accuracy %.4f, parameters %d + Adam state %d, %s%s%n",
                label(method), seed, accuracy[epochs - 1], net.numParams(), stateNumbers, report.globalLine(),
                rewiring == null ? "" : "; " + rewiring.updates().size() + " prune-and-regrow updates");
        return new RunResult(loss, accuracy, Double.NaN, new double[0], Double.NaN, seconds,
                rewiring == null ? List.of() : rewiring.updates(), modelBytes, epochSeconds);
    }

    static double accuracy(MultiLayerNetwork net, DataSet test) {
        Evaluation eval = new Evaluation(FashionMnist.CLASSES);
        int n = test.numExamples();
        for (int from = 0; from < n; from += 1000) {
            int to = Math.min(n, from + 1000);
            DataSet part = (DataSet) test.getRange(from, to);
            eval.eval(part.getLabels(), net.output(part.getFeatures(), false));
        }
        return eval.accuracy();
    }

    /** The table of the runs in {@code log}: test accuracy mean ± std, bytes of parameters + Adam state vs dense. */
    static String report(RunLog log, List<Method> methods, int epochs, int firstSeed, int seeds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Fashion-MNIST sequences, LSTM(%d), test accuracy after %d epochs%n%n",
                HIDDEN, epochs));
        sb.append("| method | runs | test accuracy (mean ± std) | per seed | parameters + Adam state |\n");
        sb.append("|---|---|---|---|---|\n");
        Map<Method, Double> bytes = new LinkedHashMap<>();
        for (Method m : Method.values()) {
            List<RunResult> runs = new ArrayList<>();
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                RunResult r = log.finished(label(m), seed, epochs);
                if (r != null) {
                    runs.add(r);
                }
            }
            if (runs.isEmpty() || !methods.contains(m)) {
                continue;
            }
            double[] acc = runs.stream().mapToDouble(RunResult::finalAccuracy).toArray();
            double mean = java.util.Arrays.stream(acc).average().orElse(Double.NaN);
            double var = java.util.Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum()
                    / Math.max(1, acc.length - 1);
            bytes.put(m, (double) runs.get(0).modelBytes());
            Double dense = bytes.get(Method.DENSE);
            String ratio = dense == null ? String.format(Locale.ROOT, "%,d bytes", runs.get(0).modelBytes())
                    : String.format(Locale.ROOT, "%.3fx of dense", runs.get(0).modelBytes() / dense);
            StringBuilder per = new StringBuilder();
            for (double a : acc) {
                per.append(per.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", 100 * a));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% ± %.2f | %s | %s |%n", label(m), runs.size(),
                    100 * mean, 100 * Math.sqrt(var), per, ratio));
        }
        return sb.toString();
    }
}
