package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.data.ShuffledDataSetIterator;
import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.dynamic.PruneRegrowSchedule;
import io.github.dl4jsparse.dynamic.RegrowCriterion;
import io.github.dl4jsparse.dynamic.ParallelPruneRegrow;
import io.github.dl4jsparse.dynamic.GradualMagnitudePruning;
import io.github.dl4jsparse.dynamic.PolynomialDecay;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.models.SparseLeNet5;
import io.github.dl4jsparse.prune.MaskBudget;
import io.github.dl4jsparse.prune.Snip;
import io.github.dl4jsparse.prune.SynFlow;
import io.github.dl4jsparse.models.SparseMlp;
import io.github.dl4jsparse.prune.MagnitudePruning;
import io.github.dl4jsparse.sparsity.ActivationSparsity;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Fashion-MNIST: dense against sparse from scratch (static random masks), dynamic sparse training (SET, RigL, RigL
 * with ERK sparsities; prune-and-regrow every 100 steps) and dense → magnitude prune → fine-tune, at equal epochs, on
 * LeNet-300-100 and on the reference article's SparseMLP shape (784-256-256-10).
 * Recipe for every method: Xavier init, Adam 1e-3, minibatch 128 reshuffled each epoch (seeded), 15 epochs, the same
 * sparsity on all three layers unless the name says otherwise, seeds 1..3. Pruning runs train dense for 2/3 of the
 * epochs, prune layer-wise by magnitude, and fine-tune for the rest.
 *
 * <p>Writes {@code curves.csv}, {@code prune-regrow.csv}, {@code results.md}, {@code test-accuracy.png} and {@code train-loss.png} to the output
 * directory (default {@code dl4j-examples/target/fashion-mnist}).
 *
 * <pre>
 * mvn -q install -DskipTests &amp;&amp; mvn -q -f dl4j-examples/pom.xml compile exec:java \
 *     -Dexec.mainClass=io.github.dl4jsparse.examples.fashion.FashionMnistExperiment [-Dexec.args="--quick"]
 * </pre>
 * Options: {@code --quick} (6,000/1,000 examples, 2 epochs, 1 seed, a few methods, prune-and-regrow every 10 steps:
 * the CI smoke test),
 * {@code --epochs N}, {@code --seeds N}, {@code --train-limit N}, {@code --out DIR}, {@code --data DIR},
 * {@code --threads N} (runs at a time; default: the number of cores; set {@code OMP_NUM_THREADS=1} then),
 * {@code --workers N} (each run trains on N ParallelWrapper workers, parameter averaging every {@code --averaging K}
 * steps, default 4; prune-and-regrow through {@code ParallelPruneRegrow}, its schedule in global steps; the loss
 * column is then the last minibatch's; default 1: plain {@code fit}),
 * {@code --cnn} (the LeNet-5 grid instead: dense; static, SET and RigL-ERK at 0.9 and 0.95 on every layer; with
 * {@code --quick} 3,000/1,000 examples, 1 epoch, 1 seed), {@code --first-seed N} (seeds N, N+1, ...; default 1), {@code --methods a,b} (only these, by table name with spaces as underscores, e.g. {@code dense,static_0.9}),
 * {@code --plot-from CSV} (no training: draw the plots of a curves CSV, e.g. {@code docs/fashion-mnist-curves.csv},
 * for {@code --methods} or all), {@code --resume FILE} (a {@link RunLog}: every run is appended to it as it ends, and
 * runs already in it are read back instead of trained again, so a stopped experiment continues where it stopped),
 * {@code --report-only} (with {@code --resume}: the table, curves and plot of the runs in the log, training nothing),
 * {@code --schedule-multiplier K} (sparse methods train K times {@code --epochs}, their rewiring and pruning schedules
 * stretched to match; dense ones {@code --epochs}; default 1).
 */
public final class FashionMnistExperiment {

    private static final int[] LENET = {784, 300, 100, 10};
    private static final int[] SEED_MLP = {784, 256, 256, 10};
    private static final int BATCH = 128;

    private FashionMnistExperiment() {
    }

    public static void main(String[] args) throws IOException {
        boolean quick = false;
        boolean cnn = false;
        boolean compare = false;
        int epochs = 15;
        int seeds = 3;
        int trainLimit = 0;
        int testLimit = 0;
        Path out = Path.of("dl4j-examples/target/fashion-mnist");
        Path data = FashionMnist.defaultDirectory();
        int threads = Runtime.getRuntime().availableProcessors();
        int firstSeed = 1;
        int workers = 1;
        int averaging = 4;
        List<String> only = null;
        Path plotFrom = null;
        Path resume = null;
        boolean reportOnly = false;
        int multiplier = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--cnn" -> cnn = true;
                case "--compare" -> compare = true;
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--train-limit" -> trainLimit = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--workers" -> workers = Integer.parseInt(args[++i]);
                case "--averaging" -> averaging = Integer.parseInt(args[++i]);
                case "--first-seed" -> firstSeed = Integer.parseInt(args[++i]);
                case "--methods" -> only = List.of(args[++i].split(",(?!_)"));
                case "--plot-from" -> plotFrom = Path.of(args[++i]);
                case "--resume" -> resume = Path.of(args[++i]);
                case "--report-only" -> reportOnly = true;
                case "--schedule-multiplier" -> multiplier = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (multiplier < 1) {
            throw new IllegalArgumentException("--schedule-multiplier must be >= 1 (sparse runs train that many times "
                    + "--epochs), got " + multiplier);
        }
        if (plotFrom != null) {
            replot(plotFrom, only, out);
            return;
        }
        if (quick && cnn) {
            epochs = 1;
            seeds = 1;
            trainLimit = 3000;
            testLimit = 1000;
        } else if (quick) {
            epochs = 2;
            seeds = 1;
            trainLimit = 6000;
            testLimit = 1000;
        }
        List<Method> methods = compare ? compareGrid() : cnn ? cnnGrid() : quick
                ? List.of(Method.dense("dense", LENET), Method.sparse("static 0.9", LENET, 0.9),
                        Method.prune("prune 0.9", LENET, 0.9),
                        Method.dynamic("RigL-ERK 0.9", LENET, 0.9, RegrowCriterion.GRADIENT, true))
                : fullGrid();
        if (only != null) {
            List<String> wanted = only;
            if (cnn) {
                methods = new ArrayList<>(methods);
                methods.addAll(cnnMethods());
            }
            methods = methods.stream().filter(m -> wanted.contains(m.name().replace(" ", "_"))).toList();
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("--methods names none of the methods: " + wanted);
            }
        }
        if (multiplier > 1 && methods.stream().allMatch(Method::trainsDense)) {
            System.out.println("--schedule-multiplier " + multiplier + " changes nothing here: every method chosen "
                    + "trains dense (" + methods.stream().map(Method::name).toList() + ")");
        }
        Files.createDirectories(out);
        maskWorkLog = out.resolve("mask-work.csv");
        if (reportOnly) {
            if (resume == null) {
                throw new IllegalArgumentException("--report-only needs --resume FILE: the run log to report on");
            }
            report(RunLog.open(resume), methods, firstSeed, seeds, new Schedule(epochs, multiplier), cnn, compare, out);
            return;
        }

        DataSet train = FashionMnist.load(data, FashionMnist.Split.TRAIN, trainLimit, DataType.FLOAT);
        DataSet test = FashionMnist.load(data, FashionMnist.Split.TEST, testLimit, DataType.FLOAT);
        System.out.printf(Locale.ROOT, "Fashion-MNIST from %s: %d training examples, %d test; %d epochs, %d seed(s), "
                        + "%d methods, %d run(s) at a time%n",
                data, train.numExamples(), test.numExamples(), epochs, seeds, methods.size(), threads);

        // runs are independent: one per thread (ND4J's workspaces are per thread; the data sets are only read)
        ProgressBar progress = new ProgressBar(System.out, threads > 1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        Map<String, List<Future<RunResult>>> futures = new LinkedHashMap<>();
        final Parallelism parallelism = new Parallelism(workers, averaging);
        // prune-and-regrow every 100 steps (RigL's default); the quick run has only 94 steps, so every 10
        final int deltaT = quick ? 10 : PruneRegrowSchedule.DEFAULT_DELTA_T;
        RunLog log = resume == null ? null : RunLog.open(resume);
        int skipped = 0;
        for (Method method : methods) {
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                final int s = seed;
                final int runEpochs = new Schedule(epochs, multiplier).of(method);
                RunResult done = log == null ? null : log.finished(method.name(), seed, runEpochs);
                if (done != null) {
                    futures.computeIfAbsent(method.name(), k -> new ArrayList<>()).add(CompletableFuture.completedFuture(done));
                    skipped++;
                    continue;
                }
                futures.computeIfAbsent(method.name(), k -> new ArrayList<>()).add(pool.submit(() -> {
                    RunResult r = run(method, s, runEpochs, deltaT, new ShuffledDataSetIterator(train, BATCH, true, s),
                            test, progress, parallelism);
                    if (log != null) {
                        log.append(method.name(), s, r);
                    }
                    return r;
                }));
            }
        }
        if (log != null) {
            System.out.printf(Locale.ROOT, "%s: %d of %d runs already finished, not trained again%n", resume, skipped,
                    methods.size() * seeds);
        }
        pool.shutdown();
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("curves.csv")))) {
            csv.println("method,seed,epoch,train_loss,test_accuracy");
            for (Map.Entry<String, List<Future<RunResult>>> e : futures.entrySet()) {
                for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                    RunResult r = get(e.getValue().get(seed - firstSeed));
                    results.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(r);
                    for (int ep = 0; ep < r.testAccuracy().length; ep++) {
                        csv.printf(Locale.ROOT, "%s,%d,%d,%.6f,%.6f%n", csvField(e.getKey()), seed, ep + 1, r.trainLoss()[ep], r.testAccuracy()[ep]);
                    }
                }
            }
        }

        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("prune-regrow.csv")))) {
            csv.println("method,seed,iteration,layer,active,dropped,grown,drop_fraction");
            for (Map.Entry<String, List<RunResult>> e : results.entrySet()) {
                String name = e.getKey();
                List<RunResult> runs = e.getValue();
                for (int r = 0; r < runs.size(); r++) {
                    for (MaskUpdate u : runs.get(r).maskUpdates()) {
                        for (LayerUpdate l : u.layers()) {
                            csv.printf(Locale.ROOT, "%s,%d,%d,%s,%d,%d,%d,%.6f%n", csvField(name), firstSeed + r, u.iteration(),
                                    csvField(l.layer()), l.activeConnections(), l.dropped(), l.grown(), l.dropFraction());
                        }
                    }
                }
            }
        }

        String table = cnn ? cnnTable(methods, results, epochs, seeds) : table(methods, results, epochs, seeds);
        if (compare) {
            table += System.lineSeparator() + compareTable(methods, results, epochs);
        }
        table += new Schedule(epochs, multiplier).note();
        Files.writeString(out.resolve("results.md"), table);
        System.out.println();
        System.out.println(table);
        if (log != null) {
            System.out.println(TimeToAccuracy.table(log, denseName(methods), epochs));
            System.out.println("Wrote " + Plots.accuracyAgainstSeconds(log, title(cnn)));
        }
        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, double[]> loss = new LinkedHashMap<>();
        results.forEach((name, runs) -> {
            acc.put(name, Plots.mean(runs.stream().map(RunResult::testAccuracy).toList()));
            loss.put(name, Plots.mean(runs.stream().map(RunResult::trainLoss).toList()));
        });
        Plots.perSparsity(out.resolve("test-accuracy.png"), "Fashion-MNIST test accuracy (mean over seeds)", "test accuracy", acc);
        Plots.perSparsity(out.resolve("train-loss.png"), "Fashion-MNIST training loss (mean over seeds)", "training loss", loss);
        System.out.println("Wrote " + out.resolve("curves.csv") + ", results.md, prune-regrow.csv, test-accuracy.png, "
                + "train-loss.png");
    }

    /**
     * Draws the plots of a curves CSV written by this runner (e.g. {@code docs/fashion-mnist-curves.csv}), for the
     * methods in {@code only} (underscored names; all if null), in that order, without training anything.
     */
    static void replot(Path csv, List<String> only, Path out) throws IOException {
        Map<String, Map<Integer, List<double[]>>> rows = new LinkedHashMap<>(); // method → seed → (epoch, loss, acc)
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String method;
            String rest;
            if (line.startsWith("\"")) {
                int close = line.indexOf("\",", 1);
                method = line.substring(1, close).replace("\"\"", "\"");
                rest = line.substring(close + 2);
            } else {
                method = line.substring(0, line.indexOf(','));
                rest = line.substring(method.length() + 1);
            }
            String[] f = rest.split(",");
            rows.computeIfAbsent(method, k -> new LinkedHashMap<>()).computeIfAbsent(Integer.parseInt(f[0]), k -> new ArrayList<>())
                    .add(new double[]{Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])});
        }
        List<String> order = only != null ? only.stream().map(n -> n.replace("_", " ")).toList() : new ArrayList<>(rows.keySet());
        Map<String, double[]> acc = new LinkedHashMap<>();
        Map<String, double[]> loss = new LinkedHashMap<>();
        for (String method : order) {
            Map<Integer, List<double[]>> bySeed = rows.get(method);
            if (bySeed == null) {
                throw new IllegalArgumentException("method '" + method + "' is not in " + csv + "; it has " + rows.keySet());
            }
            List<double[]> accCurves = new ArrayList<>();
            List<double[]> lossCurves = new ArrayList<>();
            for (List<double[]> epochs : bySeed.values()) {
                epochs.sort((a, b) -> Double.compare(a[0], b[0]));
                accCurves.add(epochs.stream().mapToDouble(e -> e[2]).toArray());
                lossCurves.add(epochs.stream().mapToDouble(e -> e[1]).toArray());
            }
            acc.put(method, Plots.mean(accCurves));
            loss.put(method, Plots.mean(lossCurves));
        }
        Files.createDirectories(out);
        Plots.perSparsity(out.resolve("test-accuracy.png"), "Fashion-MNIST test accuracy (mean over seeds)", "test accuracy", acc);
        Plots.perSparsity(out.resolve("train-loss.png"), "Fashion-MNIST training loss (mean over seeds)", "training loss", loss);
        System.out.println("Wrote " + out.resolve("test-accuracy.png") + " and train-loss.png from " + csv);
    }

    /**
     * How long each method trains: {@code epochs} for a network that trains dense, {@code multiplier} times as many
     * for a sparse one ({@code --schedule-multiplier}: the RigL paper's way to close the gap; its rewiring and pruning
     * schedules are planned over the longer run, and it is logged with its own epoch count).
     */
    record Schedule(int epochs, int multiplier) {
        int of(Method m) {
            return m.trainsDense() ? epochs : epochs * multiplier;
        }

        /** @return a line under the tables saying how long the sparse runs trained, or nothing at 1x */
        String note() {
            return multiplier == 1 ? "" : String.format(Locale.ROOT, "%nSparse methods trained %d epochs "
                    + "(--schedule-multiplier %d), dense ones %d.%n", epochs * multiplier, multiplier, epochs);
        }
    }

    private static String title(boolean cnn) {
        return "Fashion-MNIST, " + (cnn ? "LeNet-5" : "MLP") + ": test accuracy against training time (1 thread)";
    }

    /** A CSV field, quoted (RFC 4180) when it holds a comma or a quote, as in "static 0.98, dense fc3". */
    static String csvField(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static RunResult get(Future<RunResult> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a run failed", e.getCause());
        }
    }

    /**
     * The table, curves and plots of the runs of {@code methods} that are in {@code log}, without training the missing
     * ones: a grid still under way reported so far. Each row says how many seeds it has.
     */
    private static void report(RunLog log, List<Method> methods, int firstSeed, int seeds, Schedule schedule, boolean cnn,
                               boolean compare, Path out) throws IOException {
        int epochs = schedule.epochs();
        Map<String, List<RunResult>> results = new LinkedHashMap<>();
        List<Method> present = new ArrayList<>();
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out.resolve("curves.csv")))) {
            csv.println("method,seed,epoch,train_loss,test_accuracy");
            for (Method m : methods) {
                for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                    RunResult r = log.finished(m.name(), seed, schedule.of(m));
                    if (r == null) {
                        continue;
                    }
                    results.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(r);
                    for (int ep = 0; ep < r.testAccuracy().length; ep++) {
                        csv.printf(Locale.ROOT, "%s,%d,%d,%.6f,%.6f%n", csvField(m.name()), seed, ep + 1,
                                r.trainLoss()[ep], r.testAccuracy()[ep]);
                    }
                }
                if (results.containsKey(m.name())) {
                    present.add(m);
                }
            }
        }
        if (present.isEmpty()) {
            throw new IllegalArgumentException("the run log holds no finished run of these methods with " + epochs + " epochs");
        }
        String table = cnn ? cnnTable(present, results, epochs, seeds) : table(present, results, epochs, seeds);
        if (compare) {
            table += System.lineSeparator() + compareTable(present, results, epochs);
        }
        table += schedule.note();
        Files.writeString(out.resolve("results.md"), table);
        System.out.println(table);
        System.out.println(TimeToAccuracy.table(log, denseName(present), epochs));
        System.out.println("Wrote " + Plots.accuracyAgainstSeconds(log, title(cnn)));
        Map<String, double[]> acc = new LinkedHashMap<>();
        results.forEach((name, runs) -> acc.put(name, Plots.mean(runs.stream().map(RunResult::testAccuracy).toList())));
        Plots.perSparsity(out.resolve("test-accuracy.png"), "Fashion-MNIST test accuracy (mean over seeds)", "test accuracy", acc);
        System.out.println("Wrote " + out.resolve("curves.csv") + ", results.md, test-accuracy.png");
    }

    /**
     * The LeNet-5 grid: dense; static, SET and RigL-ERK at 0.9 and 0.95 on every weight layer; and (by name with
     * {@code --methods} only) small-dense, SNIP, SynFlow, SNFS and GMP at each sparsity. SNFS and GMP keep dense
     * storage, so their convolutions run DL4J's dense convolution (about as slow as the dense network here).
     */
    private static List<Method> cnnGrid() {
        List<Method> m = new ArrayList<>();
        m.add(Method.lenet5("LeNet-5 dense", Double.NaN, null, false));
        for (double s : new double[]{0.9, 0.95}) {
            m.add(Method.lenet5("LeNet-5 static " + s, s, null, false));
            m.add(Method.lenet5("LeNet-5 SET " + s, s, RegrowCriterion.RANDOM, false));
            m.add(Method.lenet5("LeNet-5 RigL-ERK " + s, s, RegrowCriterion.GRADIENT, true));
        }
        return m;
    }

    /** The LeNet-5 methods of issue 24, run only when named with {@code --methods}. */
    private static List<Method> cnnMethods() {
        List<Method> m = new ArrayList<>();
        for (double s : new double[]{0.9, 0.95, 0.98}) {
            m.add(Method.lenet5SmallDense("LeNet-5 small-dense " + s, s));
            m.add(Method.lenet5("LeNet-5 SNIP " + s, s, Method.Technique.SNIP));
            m.add(Method.lenet5("LeNet-5 SynFlow " + s, s, Method.Technique.SYNFLOW));
            m.add(Method.lenet5("LeNet-5 SNFS " + s, s, Method.Technique.SNFS));
            m.add(Method.lenet5("LeNet-5 GMP " + s, s, Method.Technique.GMP));
        }
        return m;
    }

    /**
     * The methods of sparse training side by side on LeNet-300-100 (issue 24): dense; and at 0.9, 0.95, 0.98 the dense
     * network of the same weight count, static random masks, SET, RigL, RigL-ERK, SNIP, SynFlow, sparse momentum and
     * gradual magnitude pruning.
     */
    private static List<Method> compareGrid() {
        List<Method> m = new ArrayList<>();
        m.add(Method.dense("dense", LENET));
        for (double s : new double[]{0.9, 0.95, 0.98}) {
            m.add(Method.smallDense("small-dense " + s, LENET, s));
            m.add(Method.sparse("static " + s, LENET, s));
            m.add(Method.dynamic("SET " + s, LENET, s, RegrowCriterion.RANDOM, false));
            m.add(Method.dynamic("RigL " + s, LENET, s, RegrowCriterion.GRADIENT, false));
            m.add(Method.dynamic("RigL-ERK " + s, LENET, s, RegrowCriterion.GRADIENT, true));
            m.add(Method.technique("SNIP " + s, LENET, s, Method.Technique.SNIP));
            m.add(Method.technique("SynFlow " + s, LENET, s, Method.Technique.SYNFLOW));
            m.add(Method.technique("SNFS " + s, LENET, s, Method.Technique.SNFS));
            m.add(Method.technique("GMP " + s, LENET, s, Method.Technique.GMP));
        }
        return m;
    }

    private static List<Method> fullGrid() {
        List<Method> m = new ArrayList<>();
        m.add(Method.dense("dense", LENET));
        for (double s : new double[]{0.8, 0.9, 0.95, 0.98}) {
            m.add(Method.sparse("static " + s, LENET, s));
        }
        m.add(Method.sparseDenseOutput("static 0.98, dense fc3", LENET, 0.98));
        for (double s : new double[]{0.8, 0.9, 0.95, 0.98}) {
            m.add(Method.prune("prune " + s, LENET, s));
        }
        for (double s : new double[]{0.9, 0.95, 0.98}) {
            m.add(Method.dynamic("SET " + s, LENET, s, RegrowCriterion.RANDOM, false));
            m.add(Method.dynamic("RigL " + s, LENET, s, RegrowCriterion.GRADIENT, false));
            m.add(Method.dynamic("RigL-ERK " + s, LENET, s, RegrowCriterion.GRADIENT, true));
        }
        m.add(Method.sparse("SparseMLP 0.0", SEED_MLP, 0.0));
        m.add(Method.sparse("SparseMLP 0.8", SEED_MLP, 0.8));
        m.add(Method.sparse("SparseMLP 0.9", SEED_MLP, 0.9));
        return m;
    }

    /** How many ParallelWrapper workers a run trains on (1: plain {@code fit}), averaging every {@code averaging} steps. */
    record Parallelism(int workers, int averaging) {
        static final Parallelism NONE = new Parallelism(1, 1);
    }

    static RunResult run(Method method, int seed, int epochs, int deltaT, ShuffledDataSetIterator train, DataSet test,
                         ProgressBar progress) {
        return run(method, seed, epochs, deltaT, train, test, progress, Parallelism.NONE);
    }

    static RunResult run(Method method, int seed, int epochs, int deltaT, ShuffledDataSetIterator train, DataSet test,
                         ProgressBar progress, Parallelism parallelism) {
        long start = System.nanoTime();
        WeightStorage storage = method.technique() == Method.Technique.SNFS ? WeightStorage.DENSE : WeightStorage.AUTO;
        MultiLayerConfiguration conf = method.cnn()
                ? SparseLeNet5.of(method.widths(), method.sparsities(), seed, new Adam(1e-3), storage)
                : SparseMlp.of(method.widths(), method.sparsities(), seed, new Adam(1e-3), storage);
        if (method.erk()) {
            SparsityDistribution.erk(method.sparsities()[0]).build().applyTo(conf);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        long iterationsPerEpoch = (train.numExamples() + BATCH - 1) / BATCH;
        long maskStart = System.nanoTime();
        TimedListener gradualPruning = null;
        switch (method.technique()) {
            case SNIP -> {
                ShuffledDataSetIterator first = train.fresh();
                first.reset(); // the first epoch's order, as the run will see it
                net = Snip.toSparse(net, first.next(), MaskBudget.global(method.pruneTo()));
            }
            case SYNFLOW -> net = SynFlow.toSparse(net, MaskBudget.global(method.pruneTo()), SynFlow.DEFAULT_ROUNDS);
            case GMP -> {
                // dense for the first epoch, the cubic schedule to the target by 2/3 of the epochs (10 of 15), every
                // deltaT steps, then 5 epochs at the target
                net = GradualMagnitudePruning.prepare(net);
                long end = Math.round(epochs * 2.0 / 3.0) * iterationsPerEpoch;
                gradualPruning = new TimedListener(GradualMagnitudePruning.builder(PolynomialDecay.cubic(0.0,
                        method.pruneTo(), epochs >= 3 ? iterationsPerEpoch : 0, end, deltaT)).build());
                net.setListeners(gradualPruning);
            }
            default -> {
            }
        }
        double selectionSeconds = (System.nanoTime() - maskStart) / 1e9;
        PruneRegrowListener pruneRegrow = null;
        TimedListener timedPruneRegrow = null;
        // all connections of the SparseLinear layers, active or not: fixed for a run that prunes and regrows
        double sparseConnections = SparsityReport.of(net).connections();
        int workers = parallelism.workers();
        ParallelPruneRegrow parallelPruneRegrow = null;
        if (method.isDynamic() || method.technique() == Method.Technique.SNFS) {
            long stepsPerEpoch = (iterationsPerEpoch + workers - 1) / workers; // global steps
            pruneRegrow = (method.technique() == Method.Technique.SNFS ? PruneRegrowListener.snfs()
                    : PruneRegrowListener.builder(method.regrow())).plannedEpochs(epochs, stepsPerEpoch)
                    .deltaT(deltaT).build();
            if (workers > 1) {
                parallelPruneRegrow = ParallelPruneRegrow.builder(net, pruneRegrow).workers(workers)
                        .averagingFrequency(parallelism.averaging()).build();
            } else {
                timedPruneRegrow = new TimedListener(pruneRegrow);
                net.setListeners(timedPruneRegrow);
            }
        }
        int pruneAt = method.prunes() ? Math.round(epochs * 2f / 3f) : -1;
        double[] loss = new double[epochs];
        double[] accuracy = new double[epochs];
        double[] epochSeconds = new double[epochs];
        double trainingSeconds = selectionSeconds; // choosing a mask at initialisation (SNIP, SynFlow) is training
        double afterPrune = Double.NaN;
        // compute against the full-size dense network: LeNet-300-100 for its small-dense twins
        double denseMacs = denseConnections(method.name().startsWith("small-dense") ? LENET : method.widths());
        double spentMacs = 0;
        String label = method.name() + " (seed " + seed + ")";
        for (int e = 0; e < epochs; e++) {
            if (e == pruneAt) {
                long pruneStart = System.nanoTime();
                net = MagnitudePruning.toSparse(net, method.pruneTo());
                trainingSeconds += (System.nanoTime() - pruneStart) / 1e9;
                afterPrune = accuracy(net, test);
            }
            long epochStart = System.nanoTime();
            double active = method.cnn() ? Double.NaN : activeConnections(net, method.widths()); // MACs: MLPs only
            double sum = 0;
            int batches = 0;
            train.reset();
            if (workers > 1) {
                if (parallelPruneRegrow != null) {
                    parallelPruneRegrow.fit(train, 1);
                } else {
                    ParallelWrapper wrapper = new ParallelWrapper.Builder<>(net).workers(workers)
                            .averagingFrequency(parallelism.averaging()).prefetchBuffer(0).build();
                    wrapper.fit(train);
                    wrapper.shutdown();
                }
                sum = net.score(); // the last minibatch's: ParallelWrapper reports no per-minibatch loss
                batches = 1;
                spentMacs = Double.NaN;
            }
            while (train.hasNext()) {
                DataSet batch = train.next();
                net.fit(batch);
                sum += net.score();
                batches++;
                spentMacs += 3.0 * active * batch.numExamples(); // forward, dL/dx and dL/dW products
                if (method.regrow() == RegrowCriterion.GRADIENT
                        && pruneRegrow.schedule().isUpdateStep(net.getIterationCount())) {
                    spentMacs += sparseConnections * batch.numExamples(); // RigL's dense dL/dW on update steps
                }
                if (method.technique() == Method.Technique.SNFS) {
                    spentMacs += sparseConnections * batch.numExamples(); // sparse momentum's dense dL/dW, every step
                }
            }
            trainingSeconds += (System.nanoTime() - epochStart) / 1e9;
            epochSeconds[e] = trainingSeconds;
            loss[e] = sum / batches;
            accuracy[e] = accuracy(net, test);
            progress.update(label, e + 1, epochs, loss[e], accuracy[e]);
        }
        double[] zeros = ActivationSparsity.of(net, test.getFeatures());
        double[] hidden = java.util.Arrays.copyOf(zeros, zeros.length - 2); // drop the logits layer and the loss layer
        double denseSpent = 3.0 * denseMacs * (double) train.numExamples() * epochs;
        List<MaskUpdate> updates = pruneRegrow != null ? pruneRegrow.updates() : List.of();
        long modelBytes = 4L * (net.numParams() + net.getUpdater().getStateViewArray().length());
        double seconds = (System.nanoTime() - start) / 1e9;
        TimedListener timed = timedPruneRegrow != null ? timedPruneRegrow : gradualPruning;
        logMaskWork(method.name(), seed, selectionSeconds, timed == null ? 0.0 : timed.maskSeconds(),
                timed == null ? 0.0 : timed.otherSeconds(), timed == null ? 0 : timed.maskSteps(), seconds, epochs);
        return new RunResult(loss, accuracy, afterPrune, hidden, spentMacs / denseSpent, seconds, updates, modelBytes,
                epochSeconds);
    }

    /** Where {@link #logMaskWork} appends; set by {@code main}, null when a run is made from elsewhere (tests). */
    private static Path maskWorkLog;

    /**
     * Appends a run's mask work to {@code mask-work.csv}: seconds choosing the mask before training (SNIP, SynFlow),
     * seconds in the mask-changing listener's step callback on the steps that changed masks (prune-and-regrow updates,
     * gradual pruning steps) and on the other steps (sparse momentum's per-step momentum), the number of steps that
     * changed masks, and the run's wall time; not the dense gradient the layers compute in the backward pass. See
     * {@link TimedListener}.
     */
    private static synchronized void logMaskWork(String method, int seed, double selection, double maskSteps,
                                                 double otherSteps, int maskStepCount, double runSeconds, int epochs) {
        if (maskWorkLog == null) {
            return;
        }
        try {
            boolean header = !Files.exists(maskWorkLog);
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(maskWorkLog, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND))) {
                if (header) {
                    w.println("method,seed,selection_s,mask_steps_s,other_steps_s,mask_steps,run_s,epochs");
                }
                w.printf(Locale.ROOT, "%s,%d,%.3f,%.3f,%.3f,%d,%.1f,%d%n", csvField(method), seed, selection, maskSteps,
                        otherSteps, maskStepCount, runSeconds, epochs);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double accuracy(MultiLayerNetwork net, DataSet test) {
        return net.evaluate(new ShuffledDataSetIterator(test, 1000, false, 0)).accuracy();
    }

    private static double denseConnections(int[] widths) {
        double c = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            c += (double) widths[i] * widths[i + 1];
        }
        return c;
    }

    /** Active connections: the sparse layers' mask ones plus every connection of the dense layers. */
    private static double activeConnections(MultiLayerNetwork net, int[] widths) {
        SparsityReport report = SparsityReport.of(net);
        double sparseAll = report.layers().stream().mapToLong(LayerSparsity::connections).sum();
        return report.activeConnections() + (denseConnections(widths) - sparseAll);
    }

    /** @return the name of the dense method among {@code methods} (the time-to-accuracy reference), or "dense" */
    private static String denseName(List<Method> methods) {
        return methods.stream().map(Method::name).filter(n -> n.endsWith("dense") && !n.startsWith("small"))
                .findFirst().orElse("dense");
    }

    private static String table(List<Method> methods, Map<String, List<RunResult>> results, int epochs, int seeds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Fashion-MNIST test accuracy after %d epochs, mean ± std over %d seed(s)%n%n", epochs, seeds));
        sb.append("| method | final test accuracy | right after pruning | zero activations (hidden layers) | training compute vs dense | s per run |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (Method m : methods) {
            List<RunResult> runs = results.get(m.name());
            double[] finals = runs.stream().mapToDouble(RunResult::finalAccuracy).toArray();
            double[] pruned = runs.stream().mapToDouble(RunResult::accuracyAfterPrune).toArray();
            StringBuilder zeros = new StringBuilder();
            int layers = runs.get(0).activationZeros().length;
            for (int l = 0; l < layers; l++) {
                final int layer = l;
                zeros.append(l == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f",
                        runs.stream().mapToDouble(r -> r.activationZeros()[layer]).average().orElse(Double.NaN)));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f | %.0f |%n", m.name(), meanStd(finals),
                    m.prunes() ? meanStd(pruned) : "", zeros,
                    runs.stream().mapToDouble(RunResult::computeRatio).average().orElse(Double.NaN),
                    runs.stream().mapToDouble(RunResult::seconds).average().orElse(Double.NaN)));
        }
        return sb.toString();
    }

    /**
     * The methods side by side: one row per method, one column per sparsity (the number at the end of its name),
     * final test accuracy mean ± std over the seeds run (their number in brackets when not all ran).
     */
    static String compareTable(List<Method> methods, Map<String, List<RunResult>> results, int epochs) {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        java.util.TreeSet<String> sparsities = new java.util.TreeSet<>();
        for (Method m : methods) {
            List<RunResult> runs = results.get(m.name());
            if (runs == null) {
                continue;
            }
            int space = m.name().lastIndexOf(' ');
            boolean hasSparsity = space > 0 && m.name().substring(space + 1).matches("0\\.\\d+");
            String family = hasSparsity ? m.name().substring(0, space) : m.name();
            String sparsity = hasSparsity ? m.name().substring(space + 1) : "any";
            sparsities.add(sparsity);
            rows.computeIfAbsent(family, k -> new LinkedHashMap<>()).put(sparsity,
                    meanStd(runs.stream().mapToDouble(RunResult::finalAccuracy).toArray())
                            + (runs.size() < 3 ? " (" + runs.size() + " seed" + (runs.size() == 1 ? ")" : "s)") : ""));
        }
        sparsities.remove("any");
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Test accuracy after %d epochs by method and sparsity, mean ± std over seeds%n%n",
                epochs));
        sb.append("| method |");
        sparsities.forEach(sp -> sb.append(' ').append(sp).append(" |"));
        sb.append("\n|---|");
        sparsities.forEach(sp -> sb.append("---|"));
        sb.append('\n');
        rows.forEach((family, cells) -> {
            sb.append("| ").append(family).append(" |");
            for (String sp : sparsities) {
                sb.append(' ').append(cells.getOrDefault(sp, cells.getOrDefault("any", ""))).append(" |");
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    /** The CNN table: accuracy, parameters + updater state against the dense network's, wall time. */
    private static String cnnTable(List<Method> methods, Map<String, List<RunResult>> results, int epochs, int seeds) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Fashion-MNIST, LeNet-5, test accuracy after %d epochs, mean ± std over the "
                + "seeds run (of %d)%n%n", epochs, seeds));
        sb.append("| method | seeds | final test accuracy | parameters + Adam state | vs dense | s per run |\n");
        sb.append("|---|---|---|---|---|---|\n");
        double denseBytes = results.values().iterator().next().get(0).modelBytes();
        for (Method m : methods) {
            if (m.name().endsWith("dense")) {
                denseBytes = results.get(m.name()).get(0).modelBytes();
            }
        }
        for (Method m : methods) {
            List<RunResult> runs = results.get(m.name());
            long bytes = runs.get(0).modelBytes();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2f MB | %.3fx | %.0f |%n", m.name(), runs.size(),
                    meanStd(runs.stream().mapToDouble(RunResult::finalAccuracy).toArray()), bytes / 1e6,
                    bytes / denseBytes, runs.stream().mapToDouble(RunResult::seconds).average().orElse(Double.NaN)));
        }
        return sb.toString();
    }

    private static String meanStd(double[] v) {
        double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
        double var = 0;
        for (double x : v) {
            var += (x - mean) * (x - mean);
        }
        double std = v.length > 1 ? Math.sqrt(var / (v.length - 1)) : 0.0;
        return String.format(Locale.ROOT, "%.2f%% ± %.2f", 100 * mean, 100 * std);
    }
}
