package io.github.dl4jsparse.sparsity;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.SparseLayers;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A snapshot of a network's sparsity: per sparse layer ({@link SparseLinear},
 * {@link io.github.dl4jsparse.layers.SparseConv2D}) its mask sparsity, weight sparsity, active
 * connections and leaks, and global figures over all sparse layers and over all weights of the network.
 * The reference design's {@code measure_sparsity(model)} is {@link #maskSparsity()}.
 *
 * <pre>{@code
 * SparsityReport report = SparsityReport.of(net);
 * System.out.println("Model sparsity: " + report.maskSparsity());
 * }</pre>
 *
 * <p>All counts are exact (a weight is zero only if it is exactly 0.0). A mask that holds anything other than 0 and
 * 1 is an error, never a figure.
 */
public final class SparsityReport {

    private final long iteration;
    private final int epoch;
    private final List<LayerSparsity> layers;
    private final long networkWeights;
    private final long networkWeightZeros;
    private final long trainableParameters;

    private SparsityReport(long iteration, int epoch, List<LayerSparsity> layers, long networkWeights,
                           long networkWeightZeros, long trainableParameters) {
        this.iteration = iteration;
        this.epoch = epoch;
        this.layers = List.copyOf(layers);
        this.networkWeights = networkWeights;
        this.networkWeightZeros = networkWeightZeros;
        this.trainableParameters = trainableParameters;
    }

    /**
     * Measures a {@link MultiLayerNetwork} or a {@link ComputationGraph}.
     *
     * @throws IllegalArgumentException for any other kind of model
     * @throws IllegalStateException    if a layer's mask is not binary
     */
    public static SparsityReport of(Model model) {
        return measure(Networks.layers(model), Networks.iterationCount(model), Networks.epochCount(model));
    }

    /**
     * A report from figures measured elsewhere, e.g. read back from a stats file.
     *
     * @throws IllegalArgumentException for negative counts or more zeros than weights
     */
    public static SparsityReport of(long iteration, int epoch, List<LayerSparsity> layers, long networkWeights,
                                    long networkWeightZeros, long trainableParameters) {
        if (networkWeights < 0 || networkWeightZeros < 0 || networkWeightZeros > networkWeights || trainableParameters < 0) {
            throw new IllegalArgumentException("inconsistent counts: networkWeights " + networkWeights
                    + ", networkWeightZeros " + networkWeightZeros + ", trainableParameters " + trainableParameters);
        }
        return new SparsityReport(iteration, epoch, layers, networkWeights, networkWeightZeros, trainableParameters);
    }

    /**
     * @return the same figures labelled with another iteration and epoch, e.g. DL4J's index of the last iteration done
     *         where the network's counter has already moved past it
     * @throws IllegalArgumentException for a negative iteration or epoch
     */
    public SparsityReport labelled(long iteration, int epoch) {
        if (iteration < 0 || epoch < 0) {
            throw new IllegalArgumentException("iteration and epoch must be >= 0, got iteration " + iteration
                    + ", epoch " + epoch);
        }
        return new SparsityReport(iteration, epoch, layers, networkWeights, networkWeightZeros, trainableParameters);
    }

    /** Measures a {@link MultiLayerNetwork}; layers without a name are named by their index. */
    public static SparsityReport of(MultiLayerNetwork net) {
        return of((Model) net);
    }

    /** Measures a {@link ComputationGraph}. */
    public static SparsityReport of(ComputationGraph graph) {
        return of((Model) graph);
    }

    private static SparsityReport measure(Layer[] networkLayers, long iteration, int epoch) {
        List<LayerSparsity> sparseLayers = new ArrayList<>();
        long weights = 0;
        long weightZeros = 0;
        long trainable = 0;
        for (Layer layer : networkLayers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            String name = Networks.layerName(layer);
            // a frozen sparse layer (transfer learning) is measured through its wrapper's inside layer; a layer of
            // several matrices (SparseLSTM) as one entry per matrix, named layer/matrix
            List<SparseLayer> matrices = SparseMatrices.of(layer);
            for (SparseLayer sparse : matrices) {
                SparseLayerConfig sparseConf = sparse.sparseConfig();
                BinaryMasks.Counts counts = sparse.sparsityCounts();
                LayerSparsity measured = new LayerSparsity(SparseLayers.matrixName(name, sparseConf),
                        sparseConf.connectionRows(), sparseConf.connectionColumns(), counts.maskZeros(),
                        counts.weightZeros(), counts.leaks());
                sparseLayers.add(measured);
                // counted as the masked-dense layer it computes (all connections and b), however it is stored, so a
                // report does not depend on the storage
                weights += measured.connections();
                weightZeros += measured.weightZeros();
                trainable += measured.connections() + sparseConf.biasCount();
            }
            if (!matrices.isEmpty()) {
                continue;
            }
            ParamInitializer initializer = conf.initializer();
            for (Map.Entry<String, INDArray> e : layer.paramTable().entrySet()) {
                trainable += e.getValue().length();
                if (initializer.isWeightParam(conf, e.getKey())) {
                    weights += e.getValue().length();
                    weightZeros += BinaryMasks.zeros(e.getValue());
                }
            }
        }
        return new SparsityReport(iteration, epoch, sparseLayers, weights, weightZeros, trainable);
    }

    /**
     * @return the network's iteration counter when measured: inside DL4J's {@code iterationDone} the 0-based index of
     *         the iteration just done, after {@code fit} the number of iterations done
     */
    public long iteration() {
        return iteration;
    }

    /** @return the network's epoch counter when measured: during an epoch its 0-based index, after it the epochs done */
    public int epoch() {
        return epoch;
    }

    /** @return one entry per sparse layer ({@link SparseLinear}, {@link io.github.dl4jsparse.layers.SparseConv2D}), in network order */
    public List<LayerSparsity> layers() {
        return layers;
    }

    /** @return the connections of all sparse layers together */
    public long connections() {
        return layers.stream().mapToLong(LayerSparsity::connections).sum();
    }

    /** @return the active (mask 1) connections of all sparse layers together */
    public long activeConnections() {
        return connections() - maskZeros();
    }

    private long maskZeros() {
        return layers.stream().mapToLong(LayerSparsity::maskZeros).sum();
    }

    /** @return the fraction of zero mask entries over all sparse layers (the seed's {@code measure_sparsity}); NaN without sparse layers */
    public double maskSparsity() {
        return (double) maskZeros() / connections();
    }

    /** @return the fraction of exactly-zero entries of W over all sparse layers; NaN without sparse layers */
    public double weightSparsity() {
        return (double) layers.stream().mapToLong(LayerSparsity::weightZeros).sum() / connections();
    }

    /** @return leaks over all sparse layers: non-zero weights where the mask is 0; must be 0 */
    public long leaks() {
        return layers.stream().mapToLong(LayerSparsity::leaks).sum();
    }

    /** @return every weight parameter of the network (dense layers included, biases and masks excluded) */
    public long networkWeights() {
        return networkWeights;
    }

    /** @return the fraction of exactly-zero entries over all weights of the network, dense layers included */
    public double networkWeightSparsity() {
        return (double) networkWeightZeros / networkWeights;
    }

    /**
     * @return parameters of the function the network computes: every parameter except the masks, a
     *         sparse layer counted as all its connections (weights) plus its bias whatever its
     *         {@link io.github.dl4jsparse.layers.WeightStorage}
     */
    public long trainableParameters() {
        return trainableParameters;
    }

    /** @return trainable parameters that can be non-zero: trainable minus the masked-out weights */
    public long activeParameters() {
        return trainableParameters - maskZeros();
    }

    /** @return one line per sparse layer, e.g. {@code layer 0 [100x256]: mask sparsity 0.8000, ...} */
    public List<String> layerLines() {
        List<String> lines = new ArrayList<>(layers.size());
        for (LayerSparsity l : layers) {
            lines.add(String.format(Locale.ROOT,
                    "layer %s [%dx%d]: mask sparsity %.4f, weight sparsity %.4f, active %d/%d, leaks %d",
                    l.name(), l.nIn(), l.nOut(), l.maskSparsity(), l.weightSparsity(), l.activeConnections(),
                    l.connections(), l.leaks()));
        }
        return lines;
    }

    /** @return weights of the whole network (dense layers included) that are exactly 0.0 */
    public long networkWeightZeros() {
        return networkWeightZeros;
    }

    /** @return the global figures on one line; for a network without sparse layers, a line that says so */
    public String globalLine() {
        if (layers.isEmpty()) {
            return String.format(Locale.ROOT, "global: no sparse layer in this network (no SparseLinear, SparseConv2D "
                    + "or SparseLSTM), so there is no mask sparsity to report; network weight sparsity %.4f, "
                    + "parameters trainable %d", networkWeightSparsity(), trainableParameters);
        }
        return String.format(Locale.ROOT,
                "global: mask sparsity %.4f, weight sparsity %.4f, network weight sparsity %.4f, active %d/%d, "
                        + "leaks %d, parameters trainable %d active %d",
                maskSparsity(), weightSparsity(), networkWeightSparsity(), activeConnections(), connections(), leaks(),
                trainableParameters, activeParameters());
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SparsityReport)) {
            return false;
        }
        SparsityReport r = (SparsityReport) o;
        return iteration == r.iteration && epoch == r.epoch && layers.equals(r.layers)
                && networkWeights == r.networkWeights && networkWeightZeros == r.networkWeightZeros
                && trainableParameters == r.trainableParameters;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(iteration, epoch, layers, networkWeights, networkWeightZeros, trainableParameters);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SparsityReport(iteration " + iteration + ", epoch " + epoch + ")\n");
        for (String line : layerLines()) {
            sb.append("  ").append(line).append('\n');
        }
        return sb.append("  ").append(globalLine()).toString();
    }
}
