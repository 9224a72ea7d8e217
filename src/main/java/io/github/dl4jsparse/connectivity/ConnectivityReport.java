package io.github.dl4jsparse.connectivity;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a network's active connections are, measured exactly from the active positions: the in- and out-degrees of
 * every sparse layer's units, and, when the network's first layer is a sparse fully connected layer reading an image,
 * its {@link InputConnectivity} heat map. Costs one pass over each layer's active positions.
 *
 * <p>The image shape is the one given, else the one DL4J's {@code setInputType(InputType.convolutional(h, w, c))}
 * left in the first layer's {@code CnnToFeedForwardPreProcessor}, or the {@code InputType.convolutionalFlat(h, w, c)}
 * a {@link io.github.dl4jsparse.layers.SparseLinear} first layer was built for; without one there is no heat map.
 *
 * @param iteration DL4J's iteration count when measured
 * @param layers    per sparse layer, in network order
 * @param input     the first layer's heat map, or null
 */
public record ConnectivityReport(long iteration, List<LayerConnectivity> layers, InputConnectivity input) {

    public ConnectivityReport {
        layers = List.copyOf(layers);
    }

    /**
     * Measures {@code model}.
     *
     * @param inputShape the image shape of the network's input, or null to detect it (see the class comment)
     * @throws IllegalArgumentException for a model that is neither a MultiLayerNetwork nor a ComputationGraph, or an
     *                                  {@code inputShape} that does not fit the first layer (see {@link #requireFits})
     */
    public static ConnectivityReport of(Model model, ImageShape inputShape) {
        Layer first = firstLayer(model);
        ImageShape shape = inputShape != null ? requireFits(first, inputShape) : detectedShape(model, first);
        List<LayerConnectivity> layers = new ArrayList<>();
        InputConnectivity input = null;
        for (SparseMatrices.InNetwork m : SparseMatrices.inNetwork(model)) {
            SparseLayerConfig conf = m.matrix().sparseConfig();
            long rows = conf.connectionRows();
            long columns = conf.connectionColumns();
            long rowsPerUnit = conf.rowsPerInputUnit();
            long[] in = new long[(int) columns];
            long[] out = new long[(int) (rows / rowsPerUnit)];
            for (long p : m.matrix().activePositions()) {
                in[(int) (p / rows)]++;
                out[(int) (p % rows / rowsPerUnit)]++;
            }
            layers.add(new LayerConnectivity(m.name(), DegreeSummary.of(in, rows),
                    DegreeSummary.of(out, columns * rowsPerUnit)));
            if (m.layer() == first && shape != null && conf.matrixName() == null) {
                input = InputConnectivity.of(m.name(), shape, out);
            }
        }
        return new ConnectivityReport(Networks.iterationCount(model), layers, input);
    }

    /**
     * Checks that {@code shape} can be the input of {@code model}'s first layer: a sparse fully connected layer with
     * {@code shape.size()} inputs.
     *
     * @return {@code shape}
     * @throws IllegalArgumentException naming the shape and the first layer's inputs otherwise
     */
    public static ImageShape requireFits(Model model, ImageShape shape) {
        return requireFits(firstLayer(model), shape);
    }

    private static ImageShape requireFits(Layer first, ImageShape shape) {
        if (first == null || !(Networks.unwrap(first) instanceof SparseLayer sparse)
                || sparse.sparseConfig().rowsPerInputUnit() != 1) {
            throw new IllegalArgumentException("inputShape " + shape + " is given, but the network's first layer "
                    + (first == null ? "(none)" : "'" + Networks.layerName(first) + "' ("
                    + first.conf().getLayer().getClass().getSimpleName() + ")")
                    + " is not a sparse fully connected layer (SparseLinear), whose input connectivity the heat map shows");
        }
        long nIn = sparse.sparseConfig().connectionRows();
        if (nIn != shape.size()) {
            throw new IllegalArgumentException("inputShape " + shape + " (" + shape.size() + " inputs) does not match "
                    + "the first layer '" + Networks.layerName(first) + "', whose nIn is " + nIn);
        }
        return shape;
    }

    /** The network's first layer: layer 0, or the first layer of a graph that reads a network input. */
    static Layer firstLayer(Model model) {
        Layer[] layers = Networks.layers(model);
        if (model instanceof ComputationGraph graph) {
            ComputationGraphConfiguration conf = graph.getConfiguration();
            for (Layer layer : layers) {
                List<String> inputs = conf.getVertexInputs().get(layer.conf().getLayer().getLayerName());
                if (inputs != null && inputs.stream().anyMatch(conf.getNetworkInputs()::contains)) {
                    return layer;
                }
            }
            return null;
        }
        return layers.length > 0 ? layers[0] : null;
    }

    private static ImageShape detectedShape(Model model, Layer first) {
        if (first == null || !(Networks.unwrap(first) instanceof SparseLayer sparse)
                || sparse.sparseConfig().rowsPerInputUnit() != 1) {
            return null;
        }
        InputPreProcessor pre = null;
        if (model instanceof MultiLayerNetwork net) {
            pre = net.getLayerWiseConfigurations().getInputPreProcess(0);
        } else if (model instanceof ComputationGraph graph) {
            GraphVertex vertex = graph.getConfiguration().getVertices().get(first.conf().getLayer().getLayerName());
            pre = vertex instanceof LayerVertex lv ? lv.getPreProcessor() : null;
        }
        ImageShape shape = null;
        if (pre instanceof CnnToFeedForwardPreProcessor cnn) {
            shape = new ImageShape(cnn.getInputHeight(), cnn.getInputWidth(), cnn.getNumChannels(),
                    cnn.getFormat() == CNN2DFormat.NHWC);
        } else if (sparse.sparseConfig().imageInput() != null) {
            long[] hwc = sparse.sparseConfig().imageInput();
            shape = ImageShape.of(hwc[0], hwc[1], hwc[2]);
        }
        return shape != null && shape.size() == sparse.sparseConfig().connectionRows() ? shape : null;
    }
}
