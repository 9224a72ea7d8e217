package io.github.dl4jsparse.stats;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.SparseLayers;
import org.deeplearning4j.nn.api.Model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a training session's sparse layers are, posted once: the model class, the network seed and, per
 * sparse layer ({@code SparseLinear}, {@code SparseConv2D}), its name, shape (inputs per output unit, outputs) and
 * configured (target) sparsity.
 */
public final class SparsityStaticInfo extends SparsityRecord {

    /**
     * One sparse layer's configuration.
     *
     * @param name           the layer's name (its index in a MultiLayerNetwork without names)
     * @param nIn            inputs
     * @param nOut           outputs
     * @param targetSparsity the sparsity set in its configuration
     */
    public record Layer(String name, long nIn, long nOut, double targetSparsity) {
    }

    private String modelClass;
    private long seed;
    private List<Layer> layers = List.of();

    /** For decoding. */
    public SparsityStaticInfo() {
    }

    public SparsityStaticInfo(String sessionId, String workerId, long timestamp, String modelClass, long seed,
                              List<Layer> layers) {
        super(sessionId, workerId, timestamp);
        this.modelClass = modelClass;
        this.seed = seed;
        this.layers = List.copyOf(layers);
    }

    /**
     * Describes {@code model}'s sparse layers, named as {@link io.github.dl4jsparse.sparsity.SparsityReport} names
     * them.
     *
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph
     */
    public static SparsityStaticInfo describe(Model model, String sessionId, String workerId, long timestamp) {
        List<Layer> layers = new ArrayList<>();
        for (org.deeplearning4j.nn.api.Layer layer : Networks.layers(model)) {
            for (SparseLayerConfig conf : SparseLayers.matricesOf(layer.conf().getLayer())) {
                layers.add(new Layer(SparseLayers.matrixName(Networks.layerName(layer), conf), conf.connectionRows(),
                        conf.connectionColumns(), conf.getSparsity()));
            }
        }
        return new SparsityStaticInfo(sessionId, workerId, timestamp, model.getClass().getName(), Networks.seed(model),
                layers);
    }

    /** @return the model's class name, e.g. {@code org.deeplearning4j.nn.multilayer.MultiLayerNetwork} */
    public String modelClass() {
        return modelClass;
    }

    /** @return the network's seed */
    public long seed() {
        return seed;
    }

    /** @return the sparse layers in network order */
    public List<Layer> layers() {
        return layers;
    }

    @Override
    protected void writeBody(DataOutputStream out) throws IOException {
        out.writeUTF(modelClass);
        out.writeLong(seed);
        out.writeInt(layers.size());
        for (Layer l : layers) {
            out.writeUTF(l.name());
            out.writeLong(l.nIn());
            out.writeLong(l.nOut());
            out.writeDouble(l.targetSparsity());
        }
    }

    @Override
    protected void readBody(DataInputStream in, int version) throws IOException {
        modelClass = in.readUTF();
        seed = in.readLong();
        int n = readCount(in, 100_000, "layer");
        List<Layer> read = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            read.add(new Layer(in.readUTF(), in.readLong(), in.readLong(), in.readDouble()));
        }
        layers = List.copyOf(read);
    }

    @Override
    public String toString() {
        return "SparsityStaticInfo(session " + getSessionID() + ", " + modelClass + ", seed " + seed + ", " + layers + ")";
    }
}
