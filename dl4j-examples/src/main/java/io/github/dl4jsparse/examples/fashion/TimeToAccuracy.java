package io.github.dl4jsparse.examples.fashion;

import java.util.List;
import java.util.Locale;

/**
 * Time to accuracy from a run log: for every run, the training seconds (evaluation left out) after which its test
 * accuracy first reached dense's final accuracy (the mean over the dense runs of the given length) minus 0, 0.5 and
 * 1.0 points, and the epoch that did. A run logged without per-epoch training seconds is read as if its epochs took
 * equal time, and its logged seconds (which may include evaluation) as its training time (both marked {@code ≈}).
 */
final class TimeToAccuracy {

    /** Points below dense's final accuracy that a run has to reach. */
    static final double[] GAPS = {0.0, 0.5, 1.0};

    private TimeToAccuracy() {
    }

    /**
     * @param log         the run log
     * @param dense       the dense method's label in the log
     * @param denseEpochs the length of the dense runs whose final accuracy is the reference
     * @return the table in Markdown, or a line saying that the log holds no dense run of that length
     */
    static String table(RunLog log, String dense, int denseEpochs) {
        List<RunLog.Logged> runs = log.runs();
        double reference = runs.stream().filter(r -> r.method().equals(dense) && r.epochs() == denseEpochs)
                .mapToDouble(r -> r.result().finalAccuracy()).average().orElse(Double.NaN);
        if (Double.isNaN(reference)) {
            return "Time to accuracy: no " + dense + " run of " + denseEpochs + " epochs in the log yet.\n";
        }
        long denseRuns = runs.stream().filter(r -> r.method().equals(dense) && r.epochs() == denseEpochs).count();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "Time to accuracy: training seconds (epoch) "
                + "until the test accuracy first reached %s's final %.2f%% (mean of %d run(s) of %d epochs) minus 0 / "
                + "0.5 / 1.0 points; ≈: the run's epochs taken as equally long%n%n", dense, 100 * reference, denseRuns,
                denseEpochs));
        sb.append("| method | seed | epochs | final accuracy | training s |");
        for (double gap : GAPS) {
            sb.append(String.format(Locale.ROOT, " reached %.2f%% |", 100 * reference - gap));
        }
        sb.append("\n|---|---|---|---|---|").append("---|".repeat(GAPS.length)).append('\n');
        for (RunLog.Logged run : runs) {
            RunResult r = run.result();
            boolean exact = r.epochSeconds().length == run.epochs();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f%% | %s%.0f |", run.method(), run.seed(),
                    run.epochs(), 100 * r.finalAccuracy(), exact ? "" : "≈",
                    exact ? r.epochSeconds()[run.epochs() - 1] : r.seconds()));
            for (double gap : GAPS) {
                sb.append(' ').append(reached(r, reference - gap / 100)).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** @return "seconds s (epoch e)" for the first epoch at or above {@code target}, or "never" */
    static String reached(RunResult r, double target) {
        double[] accuracy = r.testAccuracy();
        boolean exact = r.epochSeconds().length == accuracy.length;
        for (int e = 0; e < accuracy.length; e++) {
            if (accuracy[e] >= target - 1e-9) {
                double seconds = exact ? r.epochSeconds()[e] : r.seconds() * (e + 1) / accuracy.length;
                return String.format(Locale.ROOT, "%s%.0f s (%d)", exact ? "" : "≈", seconds, e + 1);
            }
        }
        return "never";
    }
}
