package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.dynamic.MaskUpdate;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One prune-and-regrow update ({@link MaskUpdate}) as a stats record (format version 2): the iteration, the growth
 * criterion's name and, per sparse layer, the connections dropped and grown, the drop fraction, the active
 * connections, the distinct connections explored so far and the layer's possible connections.
 */
public final class PruneRegrowUpdate extends SparsityRecord {

    private long iteration;
    private String criterion;
    private List<LayerUpdate> layers = List.of();

    /** For decoding. */
    public PruneRegrowUpdate() {
    }

    /**
     * @param criterion the growth criterion's display name, e.g. {@code RigL}
     */
    public PruneRegrowUpdate(String sessionId, String workerId, long timestamp, MaskUpdate update, String criterion) {
        super(sessionId, workerId, timestamp);
        this.iteration = update.iteration();
        this.criterion = criterion;
        this.layers = update.layers();
    }

    /** @return DL4J's 0-based iteration after which the update happened */
    public long iteration() {
        return iteration;
    }

    /** @return the growth criterion's display name */
    public String criterion() {
        return criterion;
    }

    /** @return per sparse layer, in network order */
    public List<LayerUpdate> layers() {
        return layers;
    }

    @Override
    protected void writeBody(DataOutputStream out) throws IOException {
        out.writeLong(iteration);
        out.writeUTF(criterion);
        out.writeInt(layers.size());
        for (LayerUpdate l : layers) {
            out.writeUTF(l.layer());
            out.writeLong(l.activeConnections());
            out.writeLong(l.dropped());
            out.writeLong(l.grown());
            out.writeDouble(l.dropFraction());
            out.writeLong(l.explored());
            out.writeLong(l.connections());
        }
    }

    @Override
    protected void readBody(DataInputStream in, int version) throws IOException {
        if (version < 2) {
            throw new IOException("a prune-and-regrow record needs format version 2 or later, got " + version);
        }
        iteration = in.readLong();
        criterion = in.readUTF();
        int n = readCount(in, 100_000, "layer");
        List<LayerUpdate> read = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            read.add(new LayerUpdate(in.readUTF(), in.readLong(), in.readLong(), in.readLong(), in.readDouble(),
                    in.readLong(), in.readLong()));
        }
        layers = List.copyOf(read);
    }

    @Override
    public String toString() {
        return "PruneRegrowUpdate(session " + getSessionID() + ", " + criterion + " after iteration " + iteration + ", "
                + layers + ")";
    }
}
