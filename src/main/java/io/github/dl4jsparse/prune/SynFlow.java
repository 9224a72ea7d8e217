package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.layers.runtime.DirectBuffers;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SynFlow (Tanaka et al., NeurIPS 2020, "Pruning neural networks without any data by iteratively conserving synaptic
 * flow"): the mask is chosen at initialisation without data. Every parameter is replaced by its absolute value, the
 * input is all ones and the objective is the sum of the network's outputs (before the output activation),
 * {@code R = 1ᵀ (Π |W_l|) 1}; a connection's score is {@code |∂R/∂w · w|}. Over {@code rounds} rounds the kept
 * fraction falls exponentially, {@code d_k = d^(k / rounds)} for the final density {@code d = 1 − s}, the scores
 * recomputed each round on the network pruned so far (pruned connections never come back). Computed in double
 * precision on a working copy, with dropout off.
 *
 * <pre>{@code
 * MultiLayerNetwork sparse = SynFlow.toSparse(dense, MaskBudget.global(0.98), SynFlow.DEFAULT_ROUNDS);
 * }</pre>
 *
 * <p>For feed-forward networks — {@code MultiLayerNetwork}s whose input size is known from the first layer ({@code nIn},
 * or {@code InputType.convolutionalFlat}), and {@code ComputationGraph}s built with {@code setInputTypes} (DL4J's zoo
 * ResNets included) — of {@code DenseLayer}, {@code ConvolutionLayer}, pooling, residual and merge vertices, batch
 * normalisation and output layers. Batch normalisation counts as in the paper's code, in evaluation mode: the affine map
 * {@code |γ| (x − |μ|) / sqrt(|σ²| + ε) + |β|} of its (absolute) running statistics. Recurrent layers are refused
 * ({@link Snip} converts an LSTM). Conversion and ties as in {@link Snip}.
 */
public final class SynFlow {

    /** The paper's number of pruning rounds. */
    public static final int DEFAULT_ROUNDS = 100;

    private SynFlow() {
    }

    /**
     * @param dense  an initialised network with at least one {@code DenseLayer} or {@code ConvolutionLayer}
     * @param budget how many connections stay: {@link MaskBudget#global} (SynFlow's choice), layer-wise, or ERK
     * @param rounds pruning rounds, {@code > 0}
     * @return a new, initialised sparse network with the initial (signed) weights at the kept connections
     * @throws IllegalArgumentException for rounds {@code <= 0}, a network without such layers, a recurrent layer, or
     *                                  an input size that cannot be read from the first layer
     */
    public static MultiLayerNetwork toSparse(MultiLayerNetwork dense, MaskBudget budget, int rounds) {
        requireRounds(rounds);
        for (int i = 0; i < dense.getnLayers(); i++) {
            requireNotRecurrent(String.valueOf(i), dense.getLayerWiseConfigurations().getConf(i).getLayer());
        }
        List<Integer> targets = MagnitudePruning.targets(dense, "SynFlow");
        ComputationGraph graph = dense.toComputationGraph(); // the same layers, in the same order, as vertices
        List<String> vertices = targets.stream().map(i -> graph.getLayer(i).conf().getLayer().getLayerName()).toList();
        List<double[]> weights = new ArrayList<>();
        vertices.forEach(name -> weights.addAll(MagnitudePruning.matrixWeights(graph.getLayer(name))));
        List<double[]> masks = masks(graph, vertices, weights,
                new InputType[]{InputType.feedForward(inputSize(dense))}, budget.layerSparsities(dense, targets), budget,
                rounds);
        return MagnitudePruning.withMasks(dense, targets, masks, weights);
    }

    /**
     * The same for a {@link ComputationGraph}, whose all-ones inputs (one example each) take the shapes of
     * {@code inputTypes}: the types the graph was built with ({@code setInputTypes}), e.g.
     * {@code InputType.convolutional(224, 224, 3)} for DL4J's zoo ResNet-50 (a graph's configuration does not keep
     * them).
     *
     * @param inputTypes one per network input, in order
     * @throws IllegalArgumentException as for a {@code MultiLayerNetwork}, or for input types that do not match the
     *                                  graph's inputs
     */
    public static ComputationGraph toSparse(ComputationGraph dense, MaskBudget budget, int rounds,
                                            InputType... inputTypes) {
        requireRounds(rounds);
        for (org.deeplearning4j.nn.api.Layer l : dense.getLayers()) {
            requireNotRecurrent("'" + l.conf().getLayer().getLayerName() + "'", l.conf().getLayer());
        }
        int inputs = dense.getConfiguration().getNetworkInputs().size();
        if (inputTypes == null || inputTypes.length != inputs || Arrays.asList(inputTypes).contains(null)) {
            throw new IllegalArgumentException("SynFlow: the graph has " + inputs + " input(s), and its all-ones "
                    + "input needs the shape of each: pass the input types it was built with (setInputTypes), e.g. "
                    + "InputType.convolutional(224, 224, 3); got " + (inputTypes == null ? "none"
                    : Arrays.toString(inputTypes)));
        }
        List<String> targets = MagnitudePruning.targets(dense, "SynFlow");
        List<double[]> weights = new ArrayList<>();
        targets.forEach(name -> weights.addAll(MagnitudePruning.matrixWeights(dense.getLayer(name))));
        List<double[]> masks = masks(dense, targets, weights, inputTypes, budget.layerSparsities(dense, targets),
                budget, rounds);
        return MagnitudePruning.withMasks(dense, targets, masks, weights);
    }

    private static void requireRounds(int rounds) {
        if (rounds <= 0) {
            throw new IllegalArgumentException("SynFlow: rounds must be > 0, got " + rounds);
        }
    }

    /**
     * SynFlow's rounds on a graph.
     *
     * @param targets         the layer vertices to prune
     * @param weights         their weights ({@code W}), as {@link MagnitudePruning#matrixWeights} reads them
     * @param layerSparsities per weight matrix, or null for a global ranking
     * @return one mask per target, in the 'c' order of its weights
     */
    private static List<double[]> masks(ComputationGraph dense, List<String> targets, List<double[]> weights,
                                        InputType[] inputTypes, double[] layerSparsities, MaskBudget budget,
                                        int rounds) {
        ComputationGraph flow = FlowGraph.of(dense, inputTypes);
        List<double[]> absWeights = new ArrayList<>();
        List<double[]> masks = new ArrayList<>();
        for (double[] signed : weights) {
            double[] w = new double[signed.length];
            for (int q = 0; q < w.length; q++) {
                w[q] = Math.abs(signed[q]);
            }
            absWeights.add(w);
            double[] m = new double[w.length];
            Arrays.fill(m, 1.0);
            masks.add(m);
        }
        INDArray[] ones = new INDArray[inputTypes.length];
        for (int i = 0; i < ones.length; i++) {
            long[] shape = inputTypes[i].getShape(true);
            shape[0] = 1;
            ones[i] = Nd4j.ones(DataType.DOUBLE, shape);
        }
        INDArray[] outputs = flow.output(ones);
        INDArray[] labels = new INDArray[outputs.length]; // read by no part of R
        for (int o = 0; o < labels.length; o++) {
            labels[o] = Nd4j.zeros(DataType.DOUBLE, outputs[o].shape());
        }
        for (int k = 1; k <= rounds; k++) {
            double exponent = (double) k / rounds;
            for (int t = 0; t < targets.size(); t++) {
                double[] w = absWeights.get(t);
                double[] m = masks.get(t);
                double[] effective = new double[w.length];
                for (int q = 0; q < w.length; q++) {
                    effective[q] = w[q] * m[q];
                }
                INDArray param = flow.getLayer(targets.get(t)).getParam(DefaultParamInitializer.WEIGHT_KEY);
                param.assign(Nd4j.create(effective, param.shape(), 'c'));
            }
            flow.setInputs(ones);
            flow.setLabels(labels);
            flow.computeGradientAndScore();
            Gradient gradient = flow.gradient();
            List<double[]> scores = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                double[] g = DirectBuffers.rowMajorDoubles(gradient.getGradientFor(targets.get(t) + "_W"));
                double[] w = absWeights.get(t);
                double[] m = masks.get(t);
                double[] s = new double[w.length];
                for (int q = 0; q < s.length; q++) {
                    // kept connections score above every pruned one (0), even where their flow is 0
                    s[q] = m[q] == 0.0 ? 0.0 : Math.abs(g[q] * w[q]) + Double.MIN_VALUE;
                }
                MagnitudePruning.requireFinite("SynFlow's scores |dR/dw · w| of layer " + targets.get(t)
                        + " (round " + k + ")", s, "the synaptic flow overflows double precision in this network; "
                        + "use fewer rounds or MagnitudePruning / SNIP");
                scores.add(s);
            }
            double[] roundSparsities = null;
            if (layerSparsities != null) {
                roundSparsities = new double[layerSparsities.length];
                for (int t = 0; t < roundSparsities.length; t++) {
                    roundSparsities[t] = roundSparsity(layerSparsities[t], exponent, k == rounds);
                }
            }
            masks = MagnitudePruning.masks(scores, roundSparsities,
                    layerSparsities == null ? roundSparsity(budget.sparsity(), exponent, k == rounds) : Double.NaN,
                    budget.scope());
        }
        return masks;
    }

    /**
     * SynFlow's objective is the product of |weights| along paths through a linearised network; an LSTM's gates
     * multiply activations by each other, so that product does not describe it, and the paper defines none for
     * recurrent layers.
     */
    private static void requireNotRecurrent(String name, org.deeplearning4j.nn.conf.layers.Layer l) {
        org.deeplearning4j.nn.conf.layers.Layer layer = MagnitudePruning.inner(l);
        if (layer instanceof BaseRecurrentLayer) {
            throw new IllegalArgumentException("SynFlow: layer " + name + " is a recurrent layer ("
                    + layer.getClass().getSimpleName() + "), for which SynFlow's data-free flow is not defined; "
                    + "use Snip.toSparse (one minibatch) or MagnitudePruning.toSparse, which convert LSTM layers");
        }
    }

    /** {@code 1 − (1 − s)^exponent}; exactly {@code s} in the last round. */
    private static double roundSparsity(double sparsity, double exponent, boolean last) {
        return last ? sparsity : 1.0 - Math.pow(1.0 - sparsity, exponent);
    }

    /** The number of input features of one example, from the first layer's preprocessor or nIn. */
    private static long inputSize(MultiLayerNetwork dense) {
        InputPreProcessor pre = dense.getLayerWiseConfigurations().getInputPreProcess(0);
        if (pre instanceof FeedForwardToCnnPreProcessor p) {
            return p.getNumChannels() * p.getInputHeight() * p.getInputWidth();
        }
        org.deeplearning4j.nn.conf.layers.Layer first = dense.getLayerWiseConfigurations().getConf(0).getLayer();
        if (pre == null && first instanceof FeedForwardLayer f
                && !(first instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer)) {
            return f.getNIn();
        }
        throw new IllegalArgumentException("SynFlow: cannot tell the input size from the first layer ("
                + first.getClass().getSimpleName() + "); build the network with InputType.feedForward(n) or "
                + "InputType.convolutionalFlat(h, w, c)");
    }
}
