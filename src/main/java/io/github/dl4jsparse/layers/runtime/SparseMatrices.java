package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.layers.SparseLayers;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;

import java.util.ArrayList;

import java.util.List;

/**
 * A runtime layer that holds sparse connection matrices: one ({@link SparseLayer}, e.g. {@link SparseLinearLayer}) or
 * several ({@link SparseLSTMLayer}: input and recurrent weights). Reports, pruning and prune-and-regrow work on each
 * matrix on its own: its positions, counts, updater state and growth and drop decisions.
 */
public interface SparseMatrices {

    /** @return the layer's sparse connection matrices, in a fixed order */
    List<SparseLayer> sparseMatrices();

    /**
     * @return the sparse connection matrices of {@code layer} (inside DL4J's wrappers, e.g. {@code FrozenLayer}); empty
     *         for a layer that has none
     */
    static List<SparseLayer> of(Layer layer) {
        return Networks.unwrap(layer) instanceof SparseMatrices m ? m.sparseMatrices() : List.of();
    }

    /**
     * A sparse connection matrix of a network.
     *
     * @param layer  the network's layer that holds it (possibly a wrapper)
     * @param matrix the matrix
     * @param name   its name in reports: the layer's name ({@link Networks#layerName}), or {@code layer/matrix} for a
     *               layer of several matrices (e.g. {@code lstm/RW})
     */
    record InNetwork(Layer layer, SparseLayer matrix, String name) {
    }

    /** @return every sparse connection matrix of {@code model}, layer by layer in the network's order */
    static List<InNetwork> inNetwork(Model model) {
        List<InNetwork> out = new ArrayList<>();
        for (Layer layer : Networks.layers(model)) {
            for (SparseLayer m : of(layer)) {
                out.add(new InNetwork(layer, m, SparseLayers.matrixName(Networks.layerName(layer), m.sparseConfig())));
            }
        }
        return out;
    }
}
