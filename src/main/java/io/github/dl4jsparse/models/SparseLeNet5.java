package io.github.dl4jsparse.models;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLinear;
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
        if (sparsities.length != LAYERS.length) {
            throw new IllegalArgumentException("SparseLeNet5: 4 sparsities (conv1, conv2, fc1, fc2), got " + sparsities.length);
        }
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).weightInit(WeightInit.XAVIER).list()
                .layer(conv(LAYERS[0], 20, sparsities[0]))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(conv(LAYERS[1], 50, sparsities[1]))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(linear(LAYERS[2], 500, sparsities[2], Activation.RELU))
                .layer(linear(LAYERS[3], 10, sparsities[3], Activation.IDENTITY))
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).name("loss").activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    private static Layer conv(String name, int nOut, double sparsity) {
        return Double.isNaN(sparsity)
                ? new ConvolutionLayer.Builder(5, 5).name(name).nOut(nOut).activation(Activation.RELU).build()
                : new SparseConv2D.Builder(5, 5).name(name).nOut(nOut).sparsity(sparsity).activation(Activation.RELU).build();
    }

    private static Layer linear(String name, int nOut, double sparsity, Activation activation) {
        return Double.isNaN(sparsity)
                ? new DenseLayer.Builder().name(name).nOut(nOut).activation(activation).build()
                : new SparseLinear.Builder().name(name).nOut(nOut).sparsity(sparsity).activation(activation).build();
    }
}
