package io.github.dl4jsparse.testutil;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.example.sparselayer.MaskedDeconvolution2D;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * The registry of sparse layer kinds that the shared invariant suite ({@code TrainingInvariantsTest},
 * {@code LayerKindContractTest}) runs on: one entry per kind, the only thing a new layer type adds to be checked.
 * Every kind reads {@value #FEATURES} features per example (reshaped to its input by {@link LayerKind#input}) and feeds
 * a feed-forward layer.
 */
public final class LayerKinds {

    /** Features per example of the suite's data, {@code [n, 10]}. */
    public static final int FEATURES = 10;

    private LayerKinds() {
    }

    /**
     * One sparse layer kind.
     *
     * @param name      shown in test names
     * @param layer     the layer at (storage, sparsity), its output feed-forward (a recurrent layer in LastTimeStep)
     * @param inputType the network's input type for data of {@value #FEATURES} features
     * @param input     the {@code [n, 10]} features as this kind's input
     */
    public record LayerKind(String name, BiFunction<WeightStorage, Double, Layer> layer, InputType inputType,
                            UnaryOperator<INDArray> input) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** @return every registered kind */
    public static List<LayerKind> all() {
        return List.of(
                new LayerKind("SparseLinear", (storage, sparsity) -> new SparseLinear.Builder().nOut(16)
                        .sparsity(sparsity).activation(Activation.TANH).storage(storage).build(),
                        InputType.feedForward(FEATURES), x -> x),
                new LayerKind("SparseConv2D", (storage, sparsity) -> new SparseConv2D.Builder(2, 3).nOut(6)
                        .sparsity(sparsity).activation(Activation.TANH).storage(storage)
                        .convolutionMode(ConvolutionMode.Same).build(),
                        InputType.convolutionalFlat(2, 5, 1), x -> x),
                new LayerKind("SparseLSTM", (storage, sparsity) -> new LastTimeStep(new SparseLSTM.Builder().nOut(6)
                        .sparsity(sparsity).activation(Activation.TANH).storage(storage).build()),
                        InputType.recurrent(2, 5, RNNFormat.NCW), x -> x.reshape('c', x.size(0), 2, 5)),
                // written outside the library (package org.example.sparselayer), with its public API only
                new LayerKind("MaskedDeconvolution2D", (storage, sparsity) -> new MaskedDeconvolution2D.Builder(2, 2)
                        .sparsity(sparsity).storage(storage).nOut(3).activation(Activation.TANH).build(),
                        InputType.convolutionalFlat(2, 5, 1), x -> x));
    }
}
