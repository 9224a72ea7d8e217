package io.github.dl4jsparse.examples.fashion;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The finished runs of an experiment, one CSV line per run appended the moment it ends, so that a stopped experiment
 * resumes where it stopped ({@code --resume FILE}): runs already in the file are read back instead of trained again.
 * Columns: {@code method, seed, epochs, seconds, model_bytes, accuracy_after_prune, compute_ratio}, then
 * {@code activation_zeros}, {@code train_loss}, {@code test_accuracy} and {@code epoch_seconds} (training seconds after
 * each epoch, cumulative, evaluation left out), each a {@code ;}-separated list. A log written before
 * {@code epoch_seconds} existed is read as it is (its runs without them) and its header brought up to date by the
 * first run appended. What a run read back lacks: its prune-and-regrow updates (they are in the
 * {@code prune-regrow.csv} of the session that ran it).
 */
final class RunLog {

    /** The header of logs written before 2026-12-07: no {@code epoch_seconds}. */
    static final String HEADER_WITHOUT_EPOCH_SECONDS = "method,seed,epochs,seconds,model_bytes,accuracy_after_prune,"
            + "compute_ratio,activation_zeros,train_loss,test_accuracy";
    static final String HEADER = HEADER_WITHOUT_EPOCH_SECONDS + ",epoch_seconds";

    private final Path file;
    private final Map<String, RunResult> finished = new HashMap<>();
    private final List<Logged> runs = new java.util.ArrayList<>();
    /** Whether the file's header is the older one, without {@code epoch_seconds} (upgraded by the first append). */
    private boolean oldHeader;

    /** @return the file the log is read from and appended to */
    Path file() {
        return file;
    }

    /** A run of the log, as it was read or appended. */
    record Logged(String method, int seed, int epochs, RunResult result) {
    }

    private RunLog(Path file) {
        this.file = file;
    }

    /**
     * Opens (or creates, with its header) the log at {@code file} and reads its runs.
     *
     * @throws IOException              if the file cannot be read or created
     * @throws IllegalArgumentException naming the file and the line if a line is not a run of this format
     */
    static RunLog open(Path file) throws IOException {
        RunLog log = new RunLog(file);
        if (!Files.exists(file)) {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
            return log;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !(lines.get(0).equals(HEADER) || lines.get(0).equals(HEADER_WITHOUT_EPOCH_SECONDS))) {
            throw new IllegalArgumentException(file + " is not a run log: its first line should be '" + HEADER + "'");
        }
        for (int n = 1; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            try {
                log.parse(lines.get(n));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + " line " + (n + 1) + " is not a run: " + e.getMessage(), e);
            }
        }
        log.oldHeader = !lines.get(0).equals(HEADER);
        return log;
    }

    private void parse(String line) {
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
        String[] f = rest.split(",", -1);
        if (f.length != 9 && f.length != 10) {
            throw new IllegalArgumentException("expected 11 fields (10 in a log without epoch seconds), got "
                    + (f.length + 1));
        }
        int seed = Integer.parseInt(f[0]);
        int epochs = Integer.parseInt(f[1]);
        double[] loss = numbers(f[7]);
        double[] accuracy = numbers(f[8]);
        if (loss.length != epochs || accuracy.length != epochs) {
            throw new IllegalArgumentException("expected " + epochs + " epochs of loss and accuracy");
        }
        double[] epochSeconds = f.length > 9 ? numbers(f[9]) : new double[0];
        if (epochSeconds.length != 0 && epochSeconds.length != epochs) {
            throw new IllegalArgumentException("expected " + epochs + " epochs of training seconds");
        }
        RunResult r = new RunResult(loss, accuracy, Double.parseDouble(f[4]), numbers(f[6]), Double.parseDouble(f[5]),
                Double.parseDouble(f[2]), List.of(), Long.parseLong(f[3]), epochSeconds);
        finished.put(key(method, seed, epochs), r);
        runs.add(new Logged(method, seed, epochs, r));
    }

    private static double[] numbers(String field) {
        return field.isEmpty() ? new double[0]
                : Arrays.stream(field.split(";")).mapToDouble(Double::parseDouble).toArray();
    }

    /** A run's key: the same method and seed trained for another number of epochs is another run. */
    private static String key(String method, int seed, int epochs) {
        return method + "#" + seed + "#" + epochs;
    }

    /** @return the run of {@code method} and {@code seed} with {@code epochs} epochs in the log, or null */
    RunResult finished(String method, int seed, int epochs) {
        return finished.get(key(method, seed, epochs));
    }

    /**
     * Appends a finished run (one line, written and flushed at once); the first append to a log of the older format
     * upgrades its header first (reading a log never writes it).
     */
    synchronized void append(String method, int seed, RunResult r) throws IOException {
        if (oldHeader) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            lines.set(0, HEADER);
            Files.write(file, lines, StandardCharsets.UTF_8);
            oldHeader = false;
        }
        String line = String.join(",", FashionMnistExperiment.csvField(method), Integer.toString(seed),
                Integer.toString(r.testAccuracy().length), format(r.seconds()), Long.toString(r.modelBytes()),
                format(r.accuracyAfterPrune()), format(r.computeRatio()), join(r.activationZeros()),
                join(r.trainLoss()), join(r.testAccuracy()), join(r.epochSeconds()));
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        finished.put(key(method, seed, r.testAccuracy().length), r);
        runs.add(new Logged(method, seed, r.testAccuracy().length, r));
    }

    /** @return every run of the log, in the order of its lines */
    List<Logged> runs() {
        return List.copyOf(runs);
    }

    private static String join(double[] v) {
        return Arrays.stream(v).mapToObj(RunLog::format).collect(Collectors.joining(";"));
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
