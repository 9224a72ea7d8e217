package io.github.dl4jsparse.examples.fashion;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PNG line plots, one line per method (the mean over seeds), with XChart: one panel, or one panel per sparsity with
 * the dense references in each.
 */
final class Plots {

    private Plots() {
    }

    static void perEpoch(Path file, String title, String yLabel, Map<String, double[]> meanByMethod) throws IOException {
        XYChart chart = new XYChartBuilder().width(1000).height(650).title(title).xAxisTitle("epoch").yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(4);
        for (Map.Entry<String, double[]> e : meanByMethod.entrySet()) {
            double[] y = e.getValue();
            double[] x = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                x[i] = i + 1;
            }
            chart.addSeries(e.getKey(), x, y);
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * One panel per sparsity found in the method names ("static 0.9", "RigL-ERK 0.9" share the 0.9 panel), two panels
     * a row (three for three); methods without a sparsity, or at sparsity 0 ("dense", "SparseMLP 0.0"), are drawn in every panel. With
     * fewer than two sparsities, one panel as {@link #perEpoch}.
     */
    static void perSparsity(Path file, String title, String yLabel, Map<String, double[]> meanByMethod) throws IOException {
        Map<String, double[]> references = new LinkedHashMap<>();
        Map<String, Map<String, double[]>> bySparsity = new TreeMap<>();
        meanByMethod.forEach((method, curve) -> {
            Matcher m = SPARSITY.matcher(method);
            if (m.find() && Double.parseDouble(m.group(1)) > 0.0) {
                bySparsity.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(method, curve);
            } else {
                references.put(method, curve);
            }
        });
        if (bySparsity.size() < 2) {
            perEpoch(file, title, yLabel, meanByMethod);
            return;
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] curve : meanByMethod.values()) {
            for (double v : curve) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        double pad = (hi - lo) * 0.03;
        List<XYChart> panels = new ArrayList<>();
        for (Map.Entry<String, Map<String, double[]>> group : bySparsity.entrySet()) {
            XYChart chart = new XYChartBuilder().width(640).height(420).title(title + ", sparsity " + group.getKey())
                    .xAxisTitle("epoch").yAxisTitle(yLabel).build();
            chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
            chart.getStyler().setMarkerSize(4);
            chart.getStyler().setYAxisMin(lo - pad);
            chart.getStyler().setYAxisMax(hi + pad);
            Map<String, double[]> series = new LinkedHashMap<>(references);
            series.putAll(group.getValue());
            series.forEach((name, y) -> chart.addSeries(name, epochs(y.length), y));
            panels.add(chart);
        }
        int columns = panels.size() == 3 ? 3 : 2;
        BitmapEncoder.saveBitmap(panels, (panels.size() + columns - 1) / columns, columns, file.toString(),
                BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Test accuracy against training seconds, dense and sparse on one chart: one line per method and run length (the
     * mean over its seeds, epoch by epoch, of the cumulative training seconds and the accuracy), the seconds on a
     * logarithmic axis (a sparse run's whole schedule can take less than a dense run's first epochs). A run logged
     * without per-epoch seconds is placed as if its epochs took equal time (its method marked {@code ≈}).
     *
     * @return the file written: the run log's name with {@code -accuracy-vs-seconds.png} for {@code .csv}
     */
    static Path accuracyAgainstSeconds(RunLog log, String title) throws IOException {
        Map<String, List<RunResult>> byMethod = new LinkedHashMap<>();
        for (RunLog.Logged run : log.runs()) {
            String label = run.method() + (run.epochs() == 15 ? "" : ", " + run.epochs() + " epochs");
            byMethod.computeIfAbsent(label, k -> new ArrayList<>()).add(run.result());
        }
        XYChart chart = new XYChartBuilder().width(1000).height(650).title(title)
                .xAxisTitle("training seconds, cumulative (log scale)").yAxisTitle("test accuracy")
                .build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisLogarithmic(true);
        byMethod.forEach((label, runs) -> {
            int epochs = runs.stream().mapToInt(r -> r.testAccuracy().length).min().orElse(0);
            double[] x = new double[epochs];
            double[] y = new double[epochs];
            boolean approximate = false;
            for (RunResult r : runs) {
                boolean exact = r.epochSeconds().length == r.testAccuracy().length;
                approximate |= !exact;
                for (int e = 0; e < epochs; e++) {
                    double seconds = exact ? r.epochSeconds()[e] : r.seconds() * (e + 1) / r.testAccuracy().length;
                    x[e] += seconds / runs.size();
                    y[e] += r.testAccuracy()[e] / runs.size();
                }
            }
            chart.addSeries(label + (approximate ? " ≈" : "") + " (" + runs.size() + " run" + (runs.size() == 1 ? ")" : "s)"),
                    x, y);
        });
        String name = log.file().getFileName().toString().replaceFirst("\\.csv$", "") + "-accuracy-vs-seconds.png";
        Path file = log.file().resolveSibling(name);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        return file;
    }

    private static final Pattern SPARSITY = Pattern.compile("\\b(0\\.\\d+|1\\.0)\\b");

    private static double[] epochs(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    static double[] mean(List<double[]> curves) {
        double[] m = new double[curves.get(0).length];
        for (double[] c : curves) {
            for (int i = 0; i < m.length; i++) {
                m[i] += c[i] / curves.size();
            }
        }
        return m;
    }
}
