package io.github.dl4jsparse.models;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A LeNet-5 style convolutional network for 28×28 grey images: {@code conv1} 5×5 ×20, max-pool 2, {@code conv2} 5×5
 * ×50, max-pool 2, {@code fc1} 500, {@code fc2} 10 (logits), softmax cross-entropy; ReLU, Xavier, biases at 0. Each of
 * the four weight layers is sparse ({@link SparseConv2D}, {@link SparseLinear}) at its given sparsity, or dense
 * ({@code ConvolutionLayer}, {@code DenseLayer}) for {@link SparseMlp#DENSE}.
 *
 * <pre>{@code
 * MultiLayerNetwork net = new MultiLayerNetwork(SparseLeNet5.uniform(0.9, 42, new Adam(1e-3)));
 * }</pre>
 * Input: flat {@code [batch, 784]} rows ({@code InputType.convolutionalFlat(28, 28, 1)}), as Fashion-MNIST loads.
 */
public final class SparseLeNet5 {

    /** Names of the four weight layers, in order. */
    public static final String[] LAYERS = {"conv1", "conv2", "fc1", "fc2"};

    private SparseLeNet5() {
    }

    /** Every weight layer at {@code sparsity} ({@link SparseMlp#DENSE} for the dense network). */
    public static MultiLayerConfiguration uniform(double sparsity, long seed, IUpdater updater) {
        return of(new double[]{sparsity, sparsity, sparsity, sparsity}, seed, updater);
    }

    /**
     * @param sparsities one per weight layer ({@link #LAYERS}): a sparse layer at that sparsity, or
     *                   {@link SparseMlp#DENSE} for a dense one
     * @throws IllegalArgumentException unless there are four sparsities
     */
    public static MultiLayerConfiguration of(double[] sparsities, long seed, IUpdater updater) {
        return of(WIDTHS, sparsities, seed, updater, WeightStorage.AUTO);
    }

    /** LeNet-5's widths: channels of conv1 and conv2, units of fc1. */
    public static final int[] WIDTHS = {20, 50, 500};

    /**
     * As {@link #of(double[], long, IUpdater)} with other widths (e.g. a small dense network of a sparse one's weight
     * count) and the sparse layers' {@link WeightStorage} (dense for methods that change a layer's count).
     *
     * @param widths channels of conv1 and conv2, units of fc1: three values, all {@code > 0}
     * @throws IllegalArgumentException unless there are three widths {@code > 0} and four sparsities
     */
    public static MultiLayerConfiguration of(int[] widths, double[] sparsities, long seed, IUpdater updater,
                                             WeightStorage storage) {
        if (widths.length != 3 || java.util.Arrays.stream(widths).anyMatch(w -> w <= 0)) {
            throw new IllegalArgumentException("SparseLeNet5: 3 widths > 0 (conv1, conv2 channels, fc1 units), got "
                    + java.util.Arrays.toString(widths));
        }
        if (sparsities.length != LAYERS.length) {
            throw new IllegalArgumentException("SparseLeNet5: 4 sparsities (conv1, conv2, fc1, fc2), got " + sparsities.length);
        }
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(conv(LAYERS[0], widths[0], sparsities[0], storage))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(conv(LAYERS[1], widths[1], sparsities[1], storage))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(linear(LAYERS[2], widths[2], sparsities[2], Activation.RELU, storage))
                .layer(linear(LAYERS[3], 10, sparsities[3], Activation.IDENTITY, storage))
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).name("loss").activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    private static Layer conv(String name, int nOut, double sparsity, WeightStorage storage) {
        return Double.isNaN(sparsity)
                ? new ConvolutionLayer.Builder(5, 5).name(name).nOut(nOut).activation(Activation.RELU).build()
                : new SparseConv2D.Builder(5, 5).name(name).nOut(nOut).sparsity(sparsity).activation(Activation.RELU)
                        .storage(storage).build();
    }

    private static Layer linear(String name, int nOut, double sparsity, Activation activation, WeightStorage storage) {
        return Double.isNaN(sparsity)
                ? new DenseLayer.Builder().name(name).nOut(nOut).activation(activation).build()
                : new SparseLinear.Builder().name(name).nOut(nOut).sparsity(sparsity).activation(activation)
                        .storage(storage).build();
    }
}
