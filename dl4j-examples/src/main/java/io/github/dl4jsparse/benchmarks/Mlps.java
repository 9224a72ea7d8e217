package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The 3-layer MLPs the benchmarks compare: {@code in-h1-h2-out}, ReLU hidden layers, softmax output, Adam(1e-3).
 * The two hidden layers are {@code DenseLayer}s or {@link SparseLinear}s; the output layer is DL4J's
 * {@code OutputLayer} in both, so the difference measured is the hidden layers'.
 */
final class Mlps {

    private Mlps() {
    }

    /**
     * @param shape   e.g. {@code "784-1024-1024-10"}
     * @param variant {@code dense}: DenseLayer hidden layers; {@code sparseX}: SparseLinear at sparsity X with the
     *                default storage ({@link WeightStorage#AUTO}); {@code maskedX}: SparseLinear at sparsity X with
     *                {@link WeightStorage#DENSE} storage (masked dense weights, the layer before active storage)
     */
    static MultiLayerNetwork build(String shape, String variant) {
        if ("dense".equals(variant)) {
            return build(shape, Double.NaN, WeightStorage.AUTO);
        }
        if (variant.startsWith("masked")) {
            return build(shape, Double.parseDouble(variant.substring("masked".length())), WeightStorage.DENSE);
        }
        if (variant.startsWith("sparse")) {
            return build(shape, Double.parseDouble(variant.substring("sparse".length())), WeightStorage.AUTO);
        }
        throw new IllegalArgumentException("variant must be dense, sparseX or maskedX, got " + variant);
    }

    /**
     * @param shape    e.g. {@code "784-1024-1024-10"}
     * @param sparsity NaN for DenseLayer hidden layers, else the SparseLinear sparsity
     */
    static MultiLayerNetwork build(String shape, double sparsity, WeightStorage storage) {
        int[] dims = parse(shape);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3)).list()
                .layer(hidden(dims[1], sparsity, storage))
                .layer(hidden(dims[2], sparsity, storage))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(dims[3])
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(dims[0]))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static Layer hidden(int nOut, double sparsity, WeightStorage storage) {
        return Double.isNaN(sparsity)
                ? new DenseLayer.Builder().nOut(nOut).activation(Activation.RELU).build()
                : new SparseLinear.Builder().nOut(nOut).sparsity(sparsity).activation(Activation.RELU).storage(storage).build();
    }

    /** A seeded minibatch of N(0,1) inputs with one-hot labels for {@code shape}. */
    static DataSet batch(String shape, int size) {
        int[] dims = parse(shape);
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.randn(DataType.FLOAT, size, dims[0]);
        INDArray y = Nd4j.zeros(DataType.FLOAT, size, dims[3]);
        for (int i = 0; i < size; i++) {
            y.putScalar(i, i % dims[3], 1.0);
        }
        return new DataSet(x, y);
    }

    static int[] parse(String shape) {
        String[] parts = shape.split("-");
        if (parts.length != 4) {
            throw new IllegalArgumentException("shape must be in-h1-h2-out, got " + shape);
        }
        int[] dims = new int[4];
        for (int i = 0; i < 4; i++) {
            dims[i] = Integer.parseInt(parts[i]);
        }
        return dims;
    }
}
