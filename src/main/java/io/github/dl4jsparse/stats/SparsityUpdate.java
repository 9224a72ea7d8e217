package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@link SparsityReport} as a stats record: iteration, epoch, each sparse layer's exact counts and the network's
 * weight and parameter totals; {@link #toReport()} gives the report back.
 */
public final class SparsityUpdate extends SparsityRecord {

    private long iteration;
    private int epoch;
    private List<LayerSparsity> layers = List.of();
    private long networkWeights;
    private long networkWeightZeros;
    private long trainableParameters;

    /** For decoding. */
    public SparsityUpdate() {
    }

    public SparsityUpdate(String sessionId, String workerId, long timestamp, SparsityReport report) {
        super(sessionId, workerId, timestamp);
        this.iteration = report.iteration();
        this.epoch = report.epoch();
        this.layers = report.layers();
        this.networkWeights = report.networkWeights();
        this.networkWeightZeros = report.networkWeightZeros();
        this.trainableParameters = report.trainableParameters();
    }

    /** @return the report this record holds */
    public SparsityReport toReport() {
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
    }

    @Override
    protected void readBody(DataInputStream in) throws IOException {
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
    }

    @Override
    public String toString() {
        return "SparsityUpdate(session " + getSessionID() + ", " + toReport() + ")";
    }
}
