package io.github.dl4jsparse.testutil;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Networks of shape nIn-8-6-3 (tanh, relu, softmax output) in two flavours that compute the same function at
 * sparsity 0: with two {@link SparseLinear} hidden layers, or with two {@code DenseLayer}s.
 */
public final class Nets {

    public static final int N_IN = 5;
    public static final int CLASSES = 3;

    private Nets() {
    }

    public static Layer hidden(boolean sparse, int nOut, Activation activation, double sparsity) {
        return hidden(sparse, nOut, activation, sparsity, WeightStorage.AUTO);
    }

    public static Layer hidden(boolean sparse, int nOut, Activation activation, double sparsity, WeightStorage storage) {
        return sparse
                ? new SparseLinear.Builder().nOut(nOut).sparsity(sparsity).activation(activation).storage(storage).build()
                : new DenseLayer.Builder().nOut(nOut).activation(activation).build();
    }

    public static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES).activation(Activation.SOFTMAX).build();
    }

    public static MultiLayerNetwork mlp(NeuralNetConfiguration.Builder base, boolean sparse, double sparsity) {
        return mlp(base, sparse, sparsity, WeightStorage.AUTO);
    }

    public static MultiLayerNetwork mlp(NeuralNetConfiguration.Builder base, boolean sparse, double sparsity,
                                        WeightStorage storage) {
        MultiLayerConfiguration conf = base.list()
                .layer(hidden(sparse, 8, Activation.TANH, sparsity, storage))
                .layer(hidden(sparse, 6, Activation.RELU, sparsity, storage))
                .layer(output())
                .setInputType(InputType.feedForward(N_IN))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    public static ComputationGraph graph(NeuralNetConfiguration.Builder base, boolean sparse, double sparsity) {
        ComputationGraphConfiguration conf = base.graphBuilder()
                .addInputs("in")
                .addLayer("h1", hidden(sparse, 8, Activation.TANH, sparsity), "in")
                .addLayer("h2", hidden(sparse, 6, Activation.RELU, sparsity), "h1")
                .addLayer("out", output(), "h2")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(N_IN))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }
}
