package io.github.dl4jsparse.models;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
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
        return of(new int[]{inputDim, hiddenDim, hiddenDim, outputDim}, new double[]{sparsity, sparsity, sparsity},
                seed, updater);
    }

    /** The same network with {@code DenseLayer}s: the dense baseline. */
    public static MultiLayerConfiguration dense(int inputDim, int hiddenDim, int outputDim, long seed, IUpdater updater) {
        return of(new int[]{inputDim, hiddenDim, hiddenDim, outputDim}, new double[]{DENSE, DENSE, DENSE}, seed, updater);
    }

    /** Sparsity value that makes {@link #of} build a {@code DenseLayer}. */
    public static final double DENSE = Double.NaN;

    /**
     * Any depth and widths: layer {@code i} ({@code fc1, fc2, ...}) maps {@code widths[i]} to {@code widths[i+1]}, ReLU
     * on all but the last, softmax cross-entropy on the last one's output. For LeNet-300-100 pass
     * {@code {784, 300, 100, 10}}.
     *
     * @param widths     {@code layers + 1} widths, all > 0
     * @param sparsities one per layer: a {@link SparseLinear} at that sparsity, or {@link #DENSE} for a {@code DenseLayer}
     * @throws IllegalArgumentException if the lengths do not match
     */
    public static MultiLayerConfiguration of(int[] widths, double[] sparsities, long seed, IUpdater updater) {
        return of(widths, sparsities, seed, updater, WeightStorage.AUTO);
    }

    /**
     * As {@link #of(int[], double[], long, IUpdater)} with the sparse layers' {@link WeightStorage} (e.g.
     * {@link WeightStorage#DENSE} for methods that change a layer's count: sparse momentum, gradual pruning).
     */
    public static MultiLayerConfiguration of(int[] widths, double[] sparsities, long seed, IUpdater updater,
                                             WeightStorage storage) {
        if (widths.length != sparsities.length + 1) {
            throw new IllegalArgumentException("SparseMlp: " + widths.length + " widths need " + (widths.length - 1)
                    + " sparsities, got " + sparsities.length);
        }
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(updater).list();
        for (int i = 0; i < sparsities.length; i++) {
            String name = "fc" + (i + 1);
            Activation activation = i == sparsities.length - 1 ? Activation.IDENTITY : Activation.RELU;
            list.layer(Double.isNaN(sparsities[i])
                    ? new DenseLayer.Builder().name(name).nOut(widths[i + 1]).activation(activation).build()
                    : new SparseLinear.Builder().name(name).nOut(widths[i + 1]).sparsity(sparsities[i]).activation(activation)
                            .storage(storage).build());
        }
        return list.layer(softmaxCrossEntropy()).setInputType(InputType.feedForward(widths[0])).build();
    }

    private static LossLayer softmaxCrossEntropy() {
        return new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).name("loss").activation(Activation.SOFTMAX).build();
    }
}
