package io.github.dl4jsparse.testutil;

import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The dense view of a SparseLinear layer's weights and mask, whatever its storage. */
public final class Layers {

    private Layers() {
    }

    /** @return {@code W ⊙ M} of a SparseLinear layer, {@code [nIn, nOut]} */
    public static INDArray weights(Layer layer) {
        return ((SparseLinearLayer) layer).weightMatrix();
    }

    /** @return the mask of a SparseLinear layer, {@code [nIn, nOut]} */
    public static INDArray mask(Layer layer) {
        return ((SparseLinearLayer) layer).maskMatrix();
    }
}
