package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A runtime layer with one sparse connection matrix that answers as a {@link SparseLayer} through the
 * {@link SparseMatrix} it holds: a layer type implements {@link #sparseMatrix()} and nothing else of the interface.
 */
public interface DelegatingSparseLayer extends SparseLayer {

    /** @return the runtime support of the layer's connection matrix */
    SparseMatrix sparseMatrix();

    @Override
    default SparseLayerConfig sparseConfig() {
        return sparseMatrix().sparseConfig();
    }

    @Override
    default BinaryMasks.Counts sparsityCounts() {
        return sparseMatrix().sparsityCounts();
    }

    @Override
    default long[] activePositions() {
        return sparseMatrix().activePositions();
    }

    @Override
    default double[] activeValues() {
        return sparseMatrix().activeValues();
    }

    @Override
    default void rewire(long[] positions, List<INDArray> updaterStates) {
        sparseMatrix().rewire(positions, updaterStates);
    }

    @Override
    default void setActiveValues(long[] positions, double[] values) {
        sparseMatrix().setActiveValues(positions, values);
    }

    @Override
    default String trainableWeightKey() {
        return sparseMatrix().trainableWeightKey();
    }

    @Override
    default boolean activeCountMayChange() {
        return sparseMatrix().activeCountMayChange();
    }

    @Override
    default boolean updaterStatePerActiveConnection() {
        return sparseMatrix().updaterStatePerActiveConnection();
    }

    @Override
    default void captureDenseWeightGradient() {
        sparseMatrix().captureDenseWeightGradient();
    }

    @Override
    default DenseWeightGradient takeWeightGradient() {
        return sparseMatrix().takeWeightGradient();
    }

    @Override
    default INDArray maskedWeights() {
        return sparseMatrix().maskedWeights();
    }

    @Override
    default INDArray weightMask() {
        return sparseMatrix().weightMask();
    }

    @Override
    default void setMaskedWeights(INDArray weights, INDArray mask) {
        sparseMatrix().setMaskedWeights(weights, mask);
    }
}
