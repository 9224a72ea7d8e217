package io.github.dl4jsparse.sparsity;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Activation sparsity: the fraction of exactly-zero outputs of each layer of a {@link MultiLayerNetwork} on given
 * inputs (inference mode). With ReLU hidden layers this is the share of units that are off.
 *
 * <pre>{@code
 * double[] zeros = ActivationSparsity.of(net, testFeatures);   // zeros[i]: layer i's outputs
 * }</pre>
 */
public final class ActivationSparsity {

    private ActivationSparsity() {
    }

    /**
     * @param net    the network
     * @param inputs a minibatch of inputs
     * @return for every layer {@code i}, the fraction of entries of its output that are exactly 0.0
     */
    public static double[] of(MultiLayerNetwork net, INDArray inputs) {
        List<INDArray> activations = net.feedForward(inputs, false); // [input, layer 0, layer 1, ...]
        double[] fractions = new double[activations.size() - 1];
        for (int i = 1; i < activations.size(); i++) {
            INDArray a = activations.get(i);
            fractions[i - 1] = io.github.dl4jsparse.mask.BinaryMasks.zeros(a) / (double) a.length();
        }
        return fractions;
    }
}
