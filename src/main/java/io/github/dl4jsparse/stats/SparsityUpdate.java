package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link SparsityReport} as a stats record: iteration, epoch, each sparse layer's exact counts and the network's
 * weight and parameter totals; {@link #toReport()} gives the report back. From format version 2 it may also hold the
 * {@link ConnectivityReport} measured with it (degrees, dead units, the input heat map).
 */
public final class SparsityUpdate extends SparsityRecord {

    private long iteration;
    private int epoch;
    private List<LayerSparsity> layers = List.of();
    private long networkWeights;
    private long networkWeightZeros;
    private long trainableParameters;
    private ConnectivityReport connectivity;

    /** For decoding. */
    public SparsityUpdate() {
    }

    public SparsityUpdate(String sessionId, String workerId, long timestamp, SparsityReport report) {
        this(sessionId, workerId, timestamp, report, null);
    }

    /**
     * @param connectivity measured with {@code report}, or null
     */
    public SparsityUpdate(String sessionId, String workerId, long timestamp, SparsityReport report,
                          ConnectivityReport connectivity) {
        super(sessionId, workerId, timestamp);
        this.connectivity = connectivity;
        this.iteration = report.iteration();
        this.epoch = report.epoch();
        this.layers = report.layers();
        this.networkWeights = report.networkWeights();
        this.networkWeightZeros = report.networkWeightZeros();
        this.trainableParameters = report.trainableParameters();
    }

    /** @return the connectivity measured with the report, or null (none measured, or a format version 1 record) */
    public ConnectivityReport connectivity() {
        return connectivity;
    }

    /**
     * @return the report this record holds
     * @throws IllegalStateException for a record that could not be read ({@link #readError()})
     */
    public SparsityReport toReport() {
        if (readError() != null) {
            throw new IllegalStateException(readError());
        }
        return SparsityReport.of(iteration, epoch, layers, networkWeights, networkWeightZeros, trainableParameters);
    }

    @Override
    protected void writeBody(DataOutputStream out) throws IOException {
        out.writeLong(iteration);
        out.writeInt(epoch);
        out.writeLong(networkWeights);
        out.writeLong(networkWeightZeros);
        out.writeLong(trainableParameters);
        out.writeInt(layers.size());
        for (LayerSparsity l : layers) {
            out.writeUTF(l.name());
            out.writeLong(l.nIn());
            out.writeLong(l.nOut());
            out.writeLong(l.maskZeros());
            out.writeLong(l.weightZeros());
            out.writeLong(l.leaks());
        }
        out.writeBoolean(connectivity != null);
        if (connectivity != null) {
            ConnectivityCodec.write(out, connectivity);
        }
    }

    @Override
    protected void readBody(DataInputStream in, int version) throws IOException {
        iteration = in.readLong();
        epoch = in.readInt();
        networkWeights = in.readLong();
        networkWeightZeros = in.readLong();
        trainableParameters = in.readLong();
        int n = readCount(in, 100_000, "layer");
        List<LayerSparsity> read = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            read.add(new LayerSparsity(in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                    in.readLong()));
        }
        layers = List.copyOf(read);
        connectivity = version >= 2 && in.readBoolean() ? ConnectivityCodec.read(in, iteration) : null;
    }

    @Override
    public String toString() {
        return readError() != null ? "SparsityUpdate(unreadable: " + readError() + ")"
                : "SparsityUpdate(session " + getSessionID() + ", " + toReport() + ")";
    }
}
