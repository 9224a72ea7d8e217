package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.Networks;
import org.deeplearning4j.nn.api.Layer;

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
}
