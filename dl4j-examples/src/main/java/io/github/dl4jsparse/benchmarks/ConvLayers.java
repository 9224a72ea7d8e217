package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The convolution of the convolution benchmarks alone: LeNet-5's second one, 20 → 50 channels, 5 × 5, on a 12 × 12
 * input, ReLU, in a network that adds only an identity layer in front (so the convolution computes {@code dL/dx}, as
 * inside a network) and a per-position MSE loss behind it.
 */
final class ConvLayers {

    static final int CHANNELS = 20;
    static final int SIZE = 12;
    static final int OUT_CHANNELS = 50;

    private ConvLayers() {
    }

    /**
     * @param layers {@code dense} ({@code ConvolutionLayer}), {@code sparseS} ({@code SparseConv2D} at sparsity
     *               {@code S}, default storage and route)
     */
    static MultiLayerNetwork build(String layers) {
        Layer conv = "dense".equals(layers)
                ? new ConvolutionLayer.Builder(5, 5).nOut(OUT_CHANNELS).activation(Activation.RELU).build()
                : new SparseConv2D.Builder(5, 5).nOut(OUT_CHANNELS).sparsity(Double.parseDouble(layers.substring("sparse".length())))
                .storage(WeightStorage.ACTIVE).activation(Activation.RELU).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3)).list()
                .layer(new ActivationLayer.Builder().activation(Activation.IDENTITY).build())
                .layer(conv)
                .layer(new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutional(SIZE, SIZE, CHANNELS))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** {@code batch} random inputs {@code [batch, 20, 12, 12]} and random targets {@code [batch, 50, 8, 8]}. */
    static DataSet batch(int batch) {
        Nd4j.getRandom().setSeed(5);
        int out = SIZE - 4;
        return new DataSet(Nd4j.rand(DataType.FLOAT, batch, CHANNELS, SIZE, SIZE),
                Nd4j.rand(DataType.FLOAT, batch, OUT_CHANNELS, out, out));
    }
}
