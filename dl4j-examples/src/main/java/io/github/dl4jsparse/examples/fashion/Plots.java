package io.github.dl4jsparse.examples.fashion;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** PNG line plots, one line per method (the mean over seeds), with XChart. */
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
