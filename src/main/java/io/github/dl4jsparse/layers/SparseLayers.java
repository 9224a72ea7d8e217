package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.mask.RandomMasks;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** What the sparse layer configurations share: validation of the sparsity and the draw of the initial connections. */
final class SparseLayers {

    private SparseLayers() {
    }

    /** @return e.g. {@code SparseLinear layer 'fc1'}, or {@code ... '(name not set)'} */
    static String describe(String kind, String layerName) {
        return kind + " layer '" + (layerName == null ? "(name not set)" : layerName) + "'";
    }

    /**
     * Throws unless {@code sparsity} is in [0, 1).
     *
     * @throws IllegalArgumentException naming the layer, the parameter and the value
     */
    static void validateSparsity(String layerDescription, double sparsity) {
        if (!(sparsity >= 0.0 && sparsity < 1.0)) {
            String what = Double.isNaN(sparsity) ? "NaN (set it with .sparsity(...); it has no default)" : Double.toString(sparsity);
            throw new IllegalArgumentException(layerDescription + ": sparsity must be in [0, 1), got " + what);
        }
    }

    /**
     * Draws the active positions ({@link RandomMasks#activePositions}) and their values (from {@code init} with the
     * given fan-in and fan-out, drawn as a vector of the active count) and writes them through the layer's storage, so
     * that initialisation costs memory and time in proportion to the active connections. Both storages make the same
     * draws: a network seed gives the same {@code W ⊙ M} whichever storage the layer uses.
     *
     * @param order the memory order of the layer's dense weight parameter, in which positions index it
     * @throws IllegalArgumentException for the IDENTITY initialisation, which is not a distribution
     */
    static void initializeConnections(SparseLayerConfig layer, String layerDescription, Map<String, INDArray> params,
                                      char order, IWeightInit init, double fanIn, double fanOut) {
        if (init instanceof WeightInitIdentity) {
            throw new IllegalArgumentException(layerDescription + ": weightInit IDENTITY is not supported: the active "
                    + "weights are drawn from the initialisation's distribution; use e.g. XAVIER or a Distribution");
        }
        long seed = layer.getMaskSeed() != null ? layer.getMaskSeed() : Nd4j.getRandom().nextLong();
        int[] positions = RandomMasks.activePositions(layer.connections(), layer.getSparsity(), seed);
        WeightStorage storage = layer.resolvedStorage();
        INDArray anyWeight = params.get(storage.weightParams(layer).keySet().iterator().next());
        INDArray values = null;
        if (positions.length > 0) {
            values = Nd4j.createUninitialized(anyWeight.dataType(), 1, positions.length);
            init.init(fanIn, fanOut, values.shape(), 'c', values);
        }
        storage.initialize(params, order, positions, values);
    }
}
