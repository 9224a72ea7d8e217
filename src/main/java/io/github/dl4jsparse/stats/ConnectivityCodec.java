package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.connectivity.DegreeSummary;
import io.github.dl4jsparse.connectivity.ImageShape;
import io.github.dl4jsparse.connectivity.InputConnectivity;
import io.github.dl4jsparse.connectivity.LayerConnectivity;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The binary form of a {@link ConnectivityReport} inside a {@link SparsityUpdate} (format version 2). */
final class ConnectivityCodec {

    private static final int MAX_LAYERS = 100_000;

    private ConnectivityCodec() {
    }

    static void write(DataOutputStream out, ConnectivityReport report) throws IOException {
        out.writeInt(report.layers().size());
        for (LayerConnectivity l : report.layers()) {
            out.writeUTF(l.name());
            write(out, l.inDegree());
            write(out, l.outDegree());
        }
        InputConnectivity input = report.input();
        out.writeBoolean(input != null);
        if (input != null) {
            out.writeUTF(input.layer());
            ImageShape shape = input.shape();
            out.writeLong(shape.height());
            out.writeLong(shape.width());
            out.writeLong(shape.channels());
            out.writeBoolean(shape.channelsLast());
            out.writeInt(input.cellSize());
            out.writeInt(input.rows());
            out.writeInt(input.columns());
            for (long c : input.counts()) {
                out.writeLong(c);
            }
        }
    }

    /** @throws IOException for a truncated record or inconsistent figures */
    static ConnectivityReport read(DataInputStream in, long iteration) throws IOException {
        try {
            int n = SparsityRecord.readCount(in, MAX_LAYERS, "connectivity layer");
            List<LayerConnectivity> layers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                layers.add(new LayerConnectivity(in.readUTF(), readDegrees(in), readDegrees(in)));
            }
            InputConnectivity input = null;
            if (in.readBoolean()) {
                String layer = in.readUTF();
                ImageShape shape = new ImageShape(in.readLong(), in.readLong(), in.readLong(), in.readBoolean());
                int cell = in.readInt();
                int rows = SparsityRecord.readCount(in, InputConnectivity.MAX_SIDE, "heat map row");
                int columns = SparsityRecord.readCount(in, InputConnectivity.MAX_SIDE, "heat map column");
                long[] counts = new long[rows * columns];
                for (int i = 0; i < counts.length; i++) {
                    counts[i] = in.readLong();
                }
                input = new InputConnectivity(layer, shape, cell, rows, columns, counts);
            }
            return new ConnectivityReport(iteration, layers, input);
        } catch (IllegalArgumentException e) {
            throw new IOException("inconsistent connectivity: " + e.getMessage(), e);
        }
    }

    private static void write(DataOutputStream out, DegreeSummary d) throws IOException {
        out.writeLong(d.units());
        out.writeLong(d.dead());
        out.writeLong(d.min());
        out.writeLong(d.max());
        out.writeLong(d.total());
        out.writeLong(d.binWidth());
        long[] histogram = d.histogram();
        out.writeInt(histogram.length);
        for (long c : histogram) {
            out.writeLong(c);
        }
    }

    private static DegreeSummary readDegrees(DataInputStream in) throws IOException {
        long units = in.readLong();
        long dead = in.readLong();
        long min = in.readLong();
        long max = in.readLong();
        long total = in.readLong();
        long binWidth = in.readLong();
        long[] histogram = new long[SparsityRecord.readCount(in, DegreeSummary.MAX_BINS, "histogram bin")];
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] = in.readLong();
        }
        return new DegreeSummary(units, dead, min, max, total, binWidth, histogram);
    }
}
