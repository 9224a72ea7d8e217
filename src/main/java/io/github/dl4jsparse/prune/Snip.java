package io.github.dl4jsparse.prune;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * SNIP (Lee et al., ICLR 2019, "SNIP: Single-shot Network Pruning based on Connection Sensitivity"): the mask is
 * chosen once, at initialisation, from one minibatch: a connection's sensitivity is {@code |∂L/∂w · w|}, the loss
 * gradient of the dense initialised network times the weight, and the connections of largest sensitivity stay. The
 * result is sparse from its first training step and trains with plain {@code fit()}.
 *
 * <pre>{@code
 * MultiLayerNetwork dense = new MultiLayerNetwork(denseConf);       // DenseLayer / ConvolutionLayer / LSTM
 * dense.init();
 * MultiLayerNetwork sparse = Snip.toSparse(dense, firstMinibatch, MaskBudget.global(0.9));
 * sparse.fit(train, 15);
 * }</pre>
 *
 * <p>Every {@code DenseLayer}, {@code ConvolutionLayer} and {@code LSTM} (also inside {@code LastTimeStep}) becomes a
 * {@code SparseLinear} / {@code SparseConv2D} / {@code SparseLSTM} with its initial weights kept at the chosen
 * connections (as {@link MagnitudePruning} converts); an LSTM's input and recurrent matrices {@code W} and {@code RW}
 * are scored and budgeted as two matrices (a layer-wise budget gives each the sparsity, ERK each its own). Other
 * layers and biases are copied. Ties in sensitivity are broken by position (the earlier one is pruned first), so the
 * mask is a function of the network and the minibatch. The dense network is not changed.
 */
public final class Snip {

    private static final String BATCH_FIX = "a NaN ranks as the largest score and would decide the masks; clean or "
            + "drop the examples with missing values before SNIP";

    private Snip() {
    }

    private static double[] asDoubles(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    /**
     * @param dense   an initialised network with at least one {@code DenseLayer}, {@code ConvolutionLayer} or
     *                {@code LSTM}
     * @param batch   one minibatch, features and labels
     * @param budget  how many connections stay: {@link MaskBudget#global} (SNIP's choice), layer-wise, or ERK
     * @return a new, initialised sparse network
     * @throws IllegalArgumentException for a network without such layers, a null batch, or non-finite features,
     *                                  labels, weights or sensitivities (naming the count and the first position)
     */
    public static MultiLayerNetwork toSparse(MultiLayerNetwork dense, DataSet batch, MaskBudget budget) {
        if (batch == null || batch.getFeatures() == null || batch.getLabels() == null) {
            throw new IllegalArgumentException("SNIP needs one minibatch with features and labels, got "
                    + (batch == null ? "null"
                            : "a data set without " + (batch.getFeatures() == null ? "features" : "labels")));
        }
        MagnitudePruning.requireFinite("SNIP's minibatch features", asDoubles(batch.getFeatures()), BATCH_FIX);
        MagnitudePruning.requireFinite("SNIP's minibatch labels", asDoubles(batch.getLabels()), BATCH_FIX);
        List<Integer> targets = MagnitudePruning.targets(dense, "SNIP", true);
        List<double[]> scores = sensitivities(dense, batch, targets);
        return MagnitudePruning.withMasks(dense, targets,
                MagnitudePruning.masks(scores, budget.layerSparsities(dense, targets), budget.sparsity(),
                        budget.scope()));
    }

    /**
     * @return per weight matrix of each target layer in turn ({@code W}, or {@code W} and {@code RW} of an LSTM),
     *         {@code |∂L/∂w · w|} on {@code batch}, flattened in the 'c' order of the matrix
     */
    static List<double[]> sensitivities(MultiLayerNetwork dense, DataSet batch, List<Integer> targets) {
        MultiLayerNetwork net = dense.clone();
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        Gradient gradient = net.gradient();
        List<double[]> scores = new ArrayList<>();
        for (int i : targets) {
            for (String key : PrunableMatrix.keysOf(dense.getLayer(i).conf().getLayer())) {
                INDArray g = gradient.getGradientFor(i + "_" + key);
                double[] gc = g.dup('c').castTo(DataType.DOUBLE).data().asDouble();
                double[] w = MagnitudePruning.flatWeights(dense.getLayer(i), key);
                double[] s = new double[w.length];
                for (int q = 0; q < s.length; q++) {
                    s[q] = Math.abs(gc[q] * w[q]);
                }
                MagnitudePruning.requireFinite("SNIP's sensitivities |dL/dw · w| of layer '"
                        + dense.getLayer(i).conf().getLayer().getLayerName() + "' weights " + key, s,
                        "the loss on this minibatch overflows; use a minibatch of normalised inputs");
                scores.add(s);
            }
        }
        return scores;
    }
}
