package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.data.ShuffledDataSetIterator;
import io.github.dl4jsparse.distribution.SparseTwin;
import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
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
import java.util.List;
import java.util.Locale;

/**
 * A small residual network with batch norm on Fashion-MNIST, dense and sparse from scratch: a 3 × 3 stem of 16
 * channels, then three stages of one basic block each (16, 32 and 64 channels; the last two halve the map with a
 * stride-2 convolution and a 1 × 1 stride-2 projection on the shortcut), global average pooling and softmax — nine
 * convolutions, every one followed by batch norm, as a ComputationGraph (the shape of DL4J's zoo ResNets, small).
 * Methods: {@code dense}, {@code static 0.9} (the graph's {@code SparseTwin} at uniform 0.9, fixed masks) and
 * {@code RigL-ERK 0.9} (the twin at ERK 0.9, rewired by {@link PruneRegrowListener#rigl()} every 100 steps until 75%
 * of training), each for several seeds; Adam 1e-3, minibatch 128.
 *
 * <p>Every run is appended to a resumable run log ({@code --resume FILE}, default
 * {@code docs/fashion-mnist-resnet-runs.csv}) as it ends, and a stopped grid goes on where it stopped; the seconds logged
 * are training only (evaluation after each epoch is left out). A run saves itself after every epoch
 * ({@link EpochCheckpoint}, in {@code <run log>.checkpoints/}), so a grid stopped in the middle of a run resumes at that
 * run's next epoch. The table of time to accuracy ({@link TimeToAccuracy}) follows the results. One timed run at a time:
 * a second runner refuses to start beside it ({@link TimedRunLock}; {@code --concurrent} trains anyway; a {@code --quick}
 * run takes no lock). Options:
 * {@code --stop-after N} (train at most N epochs in this invocation, then stop with the run in
 * progress saved: a grid longer than a session goes on in the next one), {@code --quick} (6,000/1,000 examples, 2
 * epochs, 1 seed, rewiring every 10 steps), {@code --epochs N} (15), {@code --seeds N} (3), {@code --first-seed N},
 * {@code --methods dense,static,RigL-ERK}, {@code --data DIR}, {@code --report-only}.
 */
public final class FashionMnistResNetExperiment {

    static final int BATCH = 128;
    static final double SPARSITY = 0.9;

    /** Held while this JVM trains, so that no second timed run starts beside it ({@code --concurrent}: not taken). */
    private static TimedRunLock timedRun;

    private FashionMnistResNetExperiment() {
    }

    enum Method {
        DENSE("dense"), STATIC("static 0.9"), RIGL_ERK("RigL-ERK 0.9");

        final String label;

        Method(String label) {
            this.label = label;
        }

        static Method parse(String name) {
            return switch (name) {
                case "dense" -> DENSE;
                case "static" -> STATIC;
                case "RigL-ERK" -> RIGL_ERK;
                default -> throw new IllegalArgumentException("--methods: no method '" + name
                        + "'; the methods are dense, static and RigL-ERK");
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
        EpochBudget budget = new EpochBudget(Integer.MAX_VALUE);
        Path resume = Path.of("docs/fashion-mnist-resnet-runs.csv");
        Path data = null;
        List<Method> methods = new ArrayList<>(List.of(Method.DENSE, Method.STATIC, Method.RIGL_ERK));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--concurrent" -> concurrent = true;
                case "--report-only" -> reportOnly = true;
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--first-seed" -> firstSeed = Integer.parseInt(args[++i]);
                case "--stop-after" -> budget = new EpochBudget(Integer.parseInt(args[++i]));
                case "--resume" -> resume = Path.of(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--methods" -> {
                    methods = new ArrayList<>();
                    for (String name : args[++i].split(",")) {
                        methods.add(Method.parse(name));
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; see the class comment for the options");
            }
        }
        int trainLimit = 0;
        int testLimit = 0;
        int deltaT = 100;
        if (quick) {
            epochs = 2;
            seeds = 1;
            trainLimit = 6000;
            testLimit = 1000;
            deltaT = 10;
        }
        RunLog log = RunLog.open(resume);
        if (!reportOnly) {
            if (!concurrent && !quick) { // a quick run is a smoke test: its seconds are not compared
                timedRun = TimedRunLock.acquire("FashionMnistResNetExperiment");
            }
            Path dir = data != null ? data : FashionMnist.defaultDirectory();
            DataSet train = FashionMnist.load(dir, FashionMnist.Split.TRAIN, trainLimit, DataType.FLOAT);
            DataSet test = FashionMnist.load(dir, FashionMnist.Split.TEST, testLimit, DataType.FLOAT);
            System.out.printf(Locale.ROOT, "Fashion-MNIST from %s: %d training images, %d test; residual network of "
                            + "nine convolutions with batch norm; %d epochs, seeds %d..%d%n", dir, train.numExamples(),
                    test.numExamples(), epochs, firstSeed, firstSeed + seeds - 1);
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                for (Method m : methods) {
                    if (log.finished(m.label, seed, epochs) != null) {
                        System.out.printf(Locale.ROOT, "%s seed %d: in %s already%n", m.label, seed, resume);
                        continue;
                    }
                    EpochCheckpoint checkpoint = EpochCheckpoint.of(resume, m.label, seed, epochs);
                    RunResult result = run(m, seed, epochs, deltaT, train, test, checkpoint, budget);
                    if (result == null) {
                        System.out.printf(Locale.ROOT, "stopped after %d epoch(s) (--stop-after); %s seed %d goes on "
                                + "from %s on the next start%n", budget.granted, m.label, seed, checkpoint.file());
                        System.out.println(report(log, methods, epochs, firstSeed, seeds));
                        return;
                    }
                    log.append(m.label, seed, result);
                    checkpoint.delete();
                }
            }
        }
        System.out.println(report(log, methods, epochs, firstSeed, seeds));
        System.out.println(TimeToAccuracy.table(log, Method.DENSE.label, epochs));
        System.out.println("Wrote " + Plots.accuracyAgainstSeconds(log,
                "Fashion-MNIST, residual network: test accuracy against training time"));
    }

    /** The dense residual network (its sparse methods use its {@link SparseTwin}). */
    static ComputationGraphConfiguration dense(long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutionalFlat(28, 28, 1));
        String last = convBn(g, "stem", 3, 1, 16, "in", true);
        last = block(g, "stage1", 16, 1, last, false);
        last = block(g, "stage2", 32, 2, last, true);
        last = block(g, "stage3", 64, 2, last, true);
        g.addLayer("pool", new GlobalPoolingLayer(PoolingType.AVG), last)
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(FashionMnist.CLASSES)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out");
        return g.build();
    }

    /** A basic block: two 3 × 3 convolutions with batch norm, added to the shortcut (projected when it changes). */
    private static String block(ComputationGraphConfiguration.GraphBuilder g, String name, int channels, int stride,
                                String in, boolean project) {
        String a = convBn(g, name + "_a", 3, stride, channels, in, true);
        String b = convBn(g, name + "_b", 3, 1, channels, a, false);
        String shortcut = project ? convBn(g, name + "_proj", 1, stride, channels, in, false) : in;
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), b, shortcut);
        g.addLayer(name + "_relu", new ActivationLayer(Activation.RELU), name + "_add");
        return name + "_relu";
    }

    /** A convolution (no bias: batch norm follows), batch norm and, if {@code relu}, ReLU; @return the last name */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String name, int kernel, int stride,
                                 int channels, String in, boolean relu) {
        g.addLayer(name, new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(channels)
                .hasBias(false).activation(Activation.IDENTITY).build(), in);
        g.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name);
        if (!relu) {
            return name + "_bn";
        }
        g.addLayer(name + "_relu", new ActivationLayer(Activation.RELU), name + "_bn");
        return name + "_relu";
    }

    /** How many more epochs this invocation may train ({@code --stop-after N}; unlimited by default). */
    static final class EpochBudget {
        private final int limit;
        private int granted;

        EpochBudget(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("--stop-after must be >= 0 epochs, got " + limit);
            }
            this.limit = limit;
        }

        boolean take() {
            if (granted >= limit) {
                return false;
            }
            granted++;
            return true;
        }
    }

    static ComputationGraph network(Method method, long seed) {
        ComputationGraphConfiguration conf = switch (method) {
            case DENSE -> dense(seed);
            case STATIC -> SparseTwin.of(dense(seed), SparsityDistribution.uniform(SPARSITY).build());
            case RIGL_ERK -> SparseTwin.of(dense(seed), SparsityDistribution.erk(SPARSITY).build());
        };
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /**
     * Trains (or resumes from {@code checkpoint}) one run; after every epoch but the last the run is saved to its
     * checkpoint.
     *
     * @return the run, or null if {@code budget} ran out first (the run stays in its checkpoint)
     */
    static RunResult run(Method method, int seed, int epochs, int deltaT, DataSet train, DataSet test,
                         EpochCheckpoint checkpoint, EpochBudget budget) {
        ShuffledDataSetIterator batches = new ShuffledDataSetIterator(train, BATCH, true, seed);
        long stepsPerEpoch = (train.numExamples() + BATCH - 1) / BATCH;
        double[] loss = new double[epochs];
        double[] accuracy = new double[epochs];
        double[] epochSeconds = new double[epochs];
        double trainingSeconds = 0;
        int firstEpoch = 0;
        ComputationGraph net;
        PruneRegrowListener rewiring = null;
        if (checkpoint.exists()) {
            EpochCheckpoint.Progress done = checkpoint.progress(epochs);
            net = checkpoint.network();
            if (method == Method.RIGL_ERK) {
                rewiring = checkpoint.rewiring();
            }
            firstEpoch = done.epochs();
            System.arraycopy(done.loss(), 0, loss, 0, firstEpoch);
            System.arraycopy(done.accuracy(), 0, accuracy, 0, firstEpoch);
            System.arraycopy(done.epochSeconds(), 0, epochSeconds, 0, firstEpoch);
            trainingSeconds = done.seconds();
            for (int e = 0; e < firstEpoch; e++) {
                batches.reset();
            }
            System.out.printf(Locale.ROOT, "%s seed %d: resumed after epoch %d from %s%n", method.label, seed,
                    firstEpoch, checkpoint.file());
        } else {
            net = network(method, seed);
            if (method == Method.RIGL_ERK) {
                rewiring = PruneRegrowListener.rigl().deltaT(deltaT).plannedEpochs(epochs, stepsPerEpoch).build();
            }
        }
        if (rewiring != null) {
            net.setListeners(rewiring);
        }
        for (int epoch = firstEpoch; epoch < epochs; epoch++) {
            if (!budget.take()) {
                return null;
            }
            double sum = 0;
            int count = 0;
            batches.reset();
            long start = System.nanoTime();
            while (batches.hasNext()) {
                net.fit(batches.next());
                sum += net.score();
                count++;
            }
            trainingSeconds += (System.nanoTime() - start) / 1e9;
            epochSeconds[epoch] = trainingSeconds;
            loss[epoch] = sum / count;
            accuracy[epoch] = accuracy(net, test);
            System.out.printf(Locale.ROOT, "%s seed %d epoch %d: train loss %.4f, test accuracy %.4f (%.0f s of "
                    + "training)%n", method.label, seed, epoch + 1, loss[epoch], accuracy[epoch], trainingSeconds);
            if (epoch + 1 < epochs) {
                checkpoint.save(net, rewiring, new EpochCheckpoint.Progress(java.util.Arrays.copyOf(loss, epoch + 1),
                        java.util.Arrays.copyOf(accuracy, epoch + 1), trainingSeconds,
                        java.util.Arrays.copyOf(epochSeconds, epoch + 1)));
            }
        }
        long modelBytes = 4L * (net.numParams() + net.getUpdater().getStateViewArray().length());
        if (method != Method.DENSE) {
            SparsityReport report = SparsityReport.of(net);
            report.layerLines().forEach(line -> System.out.println("  " + line));
            if (report.leaks() != 0) {
                throw new IllegalStateException(method.label + ": " + report.leaks() + " masked weights are not 0");
            }
            System.out.println("  " + report.globalLine());
        }
        return new RunResult(loss, accuracy, Double.NaN, new double[0], Double.NaN, trainingSeconds,
                rewiring == null ? List.of() : rewiring.updates(), modelBytes, epochSeconds);
    }

    static double accuracy(ComputationGraph net, DataSet test) {
        Evaluation eval = new Evaluation(FashionMnist.CLASSES);
        int n = test.numExamples();
        for (int from = 0; from < n; from += 1000) {
            DataSet part = (DataSet) test.getRange(from, Math.min(n, from + 1000));
            eval.eval(part.getLabels(), net.outputSingle(false, part.getFeatures()));
        }
        return eval.accuracy();
    }

    /** The table of the runs in {@code log}: final test accuracy per seed, mean ± std, training seconds. */
    static String report(RunLog log, List<Method> methods, int epochs, int firstSeed, int seeds) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "Fashion-MNIST, residual network with batch norm, test accuracy after %d epochs%n%n", epochs));
        sb.append("| method | runs | test accuracy (mean ± std) | per seed | training s per run |\n|---|---|---|---|---|\n");
        for (Method m : methods) {
            List<RunResult> runs = new ArrayList<>();
            for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
                RunResult r = log.finished(m.label, seed, epochs);
                if (r != null) {
                    runs.add(r);
                }
            }
            if (runs.isEmpty()) {
                continue;
            }
            double[] acc = runs.stream().mapToDouble(RunResult::finalAccuracy).toArray();
            double mean = java.util.Arrays.stream(acc).average().orElse(Double.NaN);
            double var = java.util.Arrays.stream(acc).map(a -> (a - mean) * (a - mean)).sum()
                    / Math.max(1, acc.length - 1);
            StringBuilder per = new StringBuilder();
            for (double a : acc) {
                per.append(per.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", 100 * a));
            }
            double seconds = runs.stream().mapToDouble(RunResult::seconds).average().orElse(Double.NaN);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% ± %.2f | %s | %.0f |%n", m.label, runs.size(),
                    100 * mean, 100 * Math.sqrt(var), per, seconds));
        }
        return sb.toString();
    }
}
