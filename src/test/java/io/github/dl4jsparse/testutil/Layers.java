package io.github.dl4jsparse.testutil;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The dense view of a sparse layer's weights and mask, whatever its kind and storage. */
public final class Layers {

    private Layers() {
    }

    /** @return {@code W ⊙ M} of a sparse layer, in its weight shape ({@code [nIn, nOut]} for SparseLinear) */
    public static INDArray weights(Layer layer) {
        return ((SparseLayer) Networks.unwrap(layer)).maskedWeights();
    }

    /** @return the mask of a sparse layer, in its weight shape ({@code [nIn, nOut]} for SparseLinear) */
    public static INDArray mask(Layer layer) {
        return ((SparseLayer) Networks.unwrap(layer)).weightMask();
    }

    /** @return the sparse layers of a network, in order */
    public static java.util.List<SparseLayer> sparseLayers(org.deeplearning4j.nn.api.Model net) {
        java.util.List<SparseLayer> out = new java.util.ArrayList<>();
        for (Layer l : Networks.layers(net)) {
            if (l instanceof SparseLayer s) {
                out.add(s);
            }
        }
        return out;
    }

    /** @return the mask of a sparse layer as a vector over its connection positions (1.0 where active) */
    public static INDArray maskByPosition(Layer layer) {
        SparseLayer sparse = (SparseLayer) Networks.unwrap(layer);
        double[] m = new double[(int) sparse.sparseConfig().connections()];
        for (long p : sparse.activePositions()) {
            m[(int) p] = 1.0;
        }
        return org.nd4j.linalg.factory.Nd4j.create(m, new long[]{m.length}, 'c');
    }
}
