package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.runtime.DirectBuffers;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

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
        requireBatch(batch == null ? null : new INDArray[]{batch.getFeatures()},
                batch == null ? null : new INDArray[]{batch.getLabels()});
        List<Integer> targets = MagnitudePruning.targets(dense, "SNIP", true);
        MultiLayerNetwork net = dense.clone();
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        List<Layer> layers = targets.stream().map(dense::getLayer).toList();
        List<double[]> weights = weights(layers);
        List<double[]> scores = sensitivities(net.gradient(), layers, targets.stream().map(String::valueOf).toList(),
                weights);
        return MagnitudePruning.withMasks(dense, targets,
                MagnitudePruning.masks(scores, budget.layerSparsities(dense, targets), budget.sparsity(),
                        budget.scope()), weights);
    }

    /**
     * The same for a {@link ComputationGraph} of one input and one output (DL4J's zoo models included): every
     * {@code DenseLayer}, {@code ConvolutionLayer} and {@code LSTM} vertex is scored on {@code batch} and converted;
     * batch normalisation uses the minibatch's statistics, as in training.
     *
     * @throws IllegalArgumentException as for a {@code MultiLayerNetwork}
     */
    public static ComputationGraph toSparse(ComputationGraph dense, DataSet batch, MaskBudget budget) {
        if (batch == null) {
            requireBatch(null, null);
        }
        return toSparse(dense, new org.nd4j.linalg.dataset.MultiDataSet(batch.getFeatures(), batch.getLabels()),
                budget);
    }

    /**
     * The same for a {@link ComputationGraph} of any number of inputs and outputs: one minibatch of each.
     *
     * @throws IllegalArgumentException as for a {@code MultiLayerNetwork}
     */
    public static ComputationGraph toSparse(ComputationGraph dense, MultiDataSet batch, MaskBudget budget) {
        requireBatch(batch == null ? null : batch.getFeatures(), batch == null ? null : batch.getLabels());
        List<String> targets = MagnitudePruning.targets(dense, "SNIP");
        ComputationGraph net = dense.clone();
        net.setInputs(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        List<Layer> layers = targets.stream().map(dense::getLayer).toList();
        List<double[]> weights = weights(layers);
        List<double[]> scores = sensitivities(net.gradient(), layers, targets, weights);
        return MagnitudePruning.withMasks(dense, targets,
                MagnitudePruning.masks(scores, budget.layerSparsities(dense, targets), budget.sparsity(),
                        budget.scope()), weights);
    }

    private static void requireBatch(INDArray[] features, INDArray[] labels) {
        boolean missing = features == null || labels == null || features.length == 0 || labels.length == 0
                || java.util.Arrays.stream(features).anyMatch(java.util.Objects::isNull)
                || java.util.Arrays.stream(labels).anyMatch(java.util.Objects::isNull);
        if (missing) {
            throw new IllegalArgumentException("SNIP needs one minibatch with features and labels, got "
                    + (features == null && labels == null ? "null"
                            : "a data set without " + (features == null || features.length == 0
                            || java.util.Arrays.stream(features).anyMatch(java.util.Objects::isNull)
                            ? "features" : "labels")));
        }
        for (INDArray f : features) {
            MagnitudePruning.requireFinite("SNIP's minibatch features", asDoubles(f), BATCH_FIX);
        }
        for (INDArray l : labels) {
            MagnitudePruning.requireFinite("SNIP's minibatch labels", asDoubles(l), BATCH_FIX);
        }
    }

    /** @return each weight matrix of each layer in turn, as {@link MagnitudePruning#matrixWeights} reads them */
    private static List<double[]> weights(List<Layer> layers) {
        List<double[]> out = new ArrayList<>();
        layers.forEach(l -> out.addAll(MagnitudePruning.matrixWeights(l)));
        return out;
    }

    /**
     * @param gradient the loss gradient of the dense network on the minibatch
     * @param layers   the target layers of the dense network
     * @param prefixes each layer's prefix in the gradient's keys (its index or vertex name)
     * @param weights  each weight matrix of each layer in turn ({@link #weights})
     * @return per weight matrix of each target layer in turn ({@code W}, or {@code W} and {@code RW} of an LSTM),
     *         {@code |∂L/∂w · w|}, flattened in the 'c' order of the matrix
     */
    private static List<double[]> sensitivities(Gradient gradient, List<Layer> layers, List<String> prefixes,
                                                List<double[]> weights) {
        List<double[]> scores = new ArrayList<>();
        int m = 0;
        for (int t = 0; t < layers.size(); t++) {
            Layer layer = layers.get(t);
            for (String key : PrunableMatrix.keysOf(layer.conf().getLayer())) {
                double[] gc = DirectBuffers.rowMajorDoubles(gradient.getGradientFor(prefixes.get(t) + "_" + key));
                double[] w = weights.get(m++);
                double[] s = new double[w.length];
                for (int q = 0; q < s.length; q++) {
                    s[q] = Math.abs(gc[q] * w[q]);
                }
                MagnitudePruning.requireFinite("SNIP's sensitivities |dL/dw · w| of layer '"
                        + layer.conf().getLayer().getLayerName() + "' weights " + key, s,
                        "the loss on this minibatch overflows; use a minibatch of normalised inputs");
                MagnitudePruning.requireNonZero("SNIP's sensitivities |dL/dw · w| of layer '"
                        + layer.conf().getLayer().getLayerName() + "' weights " + key, s, "the minibatch gives this "
                        + "layer no gradient (its inputs all 0, or every unit behind it a dead ReLU), so every "
                        + "connection would tie and the mask be arbitrary; use a minibatch of real examples with their "
                        + "labels");
                scores.add(s);
            }
        }
        return scores;
    }
}
