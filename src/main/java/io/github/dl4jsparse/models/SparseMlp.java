package io.github.dl4jsparse.models;

import io.github.dl4jsparse.layers.SparseLinear;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The reference article's {@code SparseMLP}: three fully connected layers {@code fc1, fc2, fc3}
 * (input → hidden → hidden → output), ReLU between them, and softmax cross-entropy on the logits of {@code fc3}.
 * Every layer is a {@link SparseLinear} at the same sparsity, as in the article; {@link #dense} builds the same
 * shape with {@code DenseLayer}s as the baseline.
 *
 * <pre>{@code
 * MultiLayerNetwork net = new MultiLayerNetwork(SparseMlp.sparse(100, 256, 10, 0.8, 42, new Adam(1e-3)));
 * net.init();
 * }</pre>
 *
 * <p>Weights use DL4J's default XAVIER initialisation, biases start at 0.
 */
public final class SparseMlp {

    private SparseMlp() {
    }

    /**
     * @param inputDim  number of inputs, > 0
     * @param hiddenDim width of both hidden layers, > 0
     * @param outputDim number of classes, > 0
     * @param sparsity  fraction of masked weights of every layer, in [0, 1)
     * @param seed      network seed (weights and masks)
     * @param updater   updater of all parameters, e.g. {@code new Adam(1e-3)}
     */
    public static MultiLayerConfiguration sparse(int inputDim, int hiddenDim, int outputDim, double sparsity,
                                                 long seed, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).list()
                .layer(new SparseLinear.Builder().name("fc1").nOut(hiddenDim).sparsity(sparsity).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().name("fc2").nOut(hiddenDim).sparsity(sparsity).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().name("fc3").nOut(outputDim).sparsity(sparsity).activation(Activation.IDENTITY).build())
                .layer(softmaxCrossEntropy())
                .setInputType(InputType.feedForward(inputDim))
                .build();
    }

    /** The same network with {@code DenseLayer}s: the dense baseline. */
    public static MultiLayerConfiguration dense(int inputDim, int hiddenDim, int outputDim, long seed, IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).list()
                .layer(new DenseLayer.Builder().name("fc1").nOut(hiddenDim).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc2").nOut(hiddenDim).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().name("fc3").nOut(outputDim).activation(Activation.IDENTITY).build())
                .layer(softmaxCrossEntropy())
                .setInputType(InputType.feedForward(inputDim))
                .build();
    }

    private static LossLayer softmaxCrossEntropy() {
        return new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).name("loss").activation(Activation.SOFTMAX).build();
    }
}
