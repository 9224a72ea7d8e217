package io.github.dl4jsparse.benchmarks;

import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the JMH benchmarks (any JMH command-line options may be given, e.g. a name regex) and then prints, for every
 * benchmark with a variant parameter, the ratio of each variant to the baseline measured in the same run, as a
 * Markdown table: parameter {@code layers} against {@code dense}, {@code step} against {@code plain}, {@code route}
 * against {@code DENSE}. The
 * ratio's error is propagated from JMH's 99.9% intervals to first order.
 *
 * <pre>
 * mvn -q -f dl4j-examples/pom.xml compile exec:exec@bench -Dbench.args=MlpBenchmark
 * </pre>
 */
public final class BenchmarkSuite {

    private BenchmarkSuite() {
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        System.out.println(ratioTable(results));
    }

    /** Variant parameter → its baseline value. */
    private static final Map<String, String> BASELINES = Map.of("layers", "dense", "step", "plain", "route", "DENSE");

    static String ratioTable(Collection<RunResult> results) {
        // key: benchmark method + every parameter but the variant
        Map<String, Map<String, Result<?>>> groups = new LinkedHashMap<>();
        Map<String, String> baselineOf = new LinkedHashMap<>();
        for (RunResult r : results) {
            String variantKey = BASELINES.keySet().stream().filter(k -> r.getParams().getParam(k) != null)
                    .findFirst().orElse(null);
            if (variantKey == null) {
                continue;
            }
            String layers = r.getParams().getParam(variantKey);
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            List<String> others = new ArrayList<>();
            for (String key : r.getParams().getParamsKeys()) {
                if (!variantKey.equals(key)) {
                    others.add(r.getParams().getParam(key));
                }
            }
            String group = method + " " + String.join(" ", others);
            groups.computeIfAbsent(group, k -> new LinkedHashMap<>()).put(layers, r.getPrimaryResult());
            baselineOf.put(group, BASELINES.get(variantKey));
        }
        StringBuilder sb = new StringBuilder(
                "| benchmark | variant | ms/op | ratio to baseline (dense / plain) |\n|---|---|---|---|\n");
        for (Map.Entry<String, Map<String, Result<?>>> g : groups.entrySet()) {
            String baseline = baselineOf.get(g.getKey());
            Result<?> dense = g.getValue().get(baseline);
            for (Map.Entry<String, Result<?>> v : g.getValue().entrySet()) {
                Result<?> r = v.getValue();
                String ratio = "";
                if (dense != null && !baseline.equals(v.getKey())) {
                    double q = r.getScore() / dense.getScore();
                    double err = q * Math.sqrt(Math.pow(r.getScoreError() / r.getScore(), 2)
                            + Math.pow(dense.getScoreError() / dense.getScore(), 2));
                    ratio = String.format(Locale.ROOT, "%.2f ± %.2f", q, err);
                }
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f ± %.3f | %s |%n", g.getKey(), v.getKey(),
                        r.getScore(), r.getScoreError(), ratio));
            }
        }
        return sb.toString();
    }
}
