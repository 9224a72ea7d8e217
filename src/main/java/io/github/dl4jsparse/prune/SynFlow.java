package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.mask.RandomMasks;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
 * <p>For networks of {@code DenseLayer}, {@code ConvolutionLayer}, pooling and an output layer whose input size is
 * known from the first layer ({@code nIn}, or {@code InputType.convolutionalFlat}); batch normalisation is not handled,
 * and recurrent layers are refused ({@link Snip} converts an LSTM).
 * Conversion and ties as in {@link Snip}.
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
        if (rounds <= 0) {
            throw new IllegalArgumentException("SynFlow: rounds must be > 0, got " + rounds);
        }
        requireNoRecurrentLayer(dense);
        List<Integer> targets = MagnitudePruning.targets(dense, "SynFlow");
        double[] layerSparsities = budget.layerSparsities(dense, targets);
        MultiLayerNetwork flow = flowNetwork(dense);
        List<double[]> absWeights = new ArrayList<>();
        for (int i : targets) {
            double[] w = MagnitudePruning.flatWeights(dense.getLayer(i));
            for (int q = 0; q < w.length; q++) {
                w[q] = Math.abs(w[q]);
            }
            absWeights.add(w);
        }
        INDArray ones = Nd4j.ones(DataType.DOUBLE, 1, inputSize(dense));
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, flow.output(ones).shape()); // read by no part of R
        List<double[]> masks = new ArrayList<>();
        for (double[] w : absWeights) {
            double[] m = new double[w.length];
            java.util.Arrays.fill(m, 1.0);
            masks.add(m);
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
            flow.setInput(ones);
            flow.setLabels(labels);
            flow.computeGradientAndScore();
            Gradient gradient = flow.gradient();
            List<double[]> scores = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                double[] g = gradient.getGradientFor(targets.get(t) + "_W").dup('c').castTo(DataType.DOUBLE)
                        .data().asDouble();
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
        return MagnitudePruning.withMasks(dense, targets, masks);
    }

    /**
     * SynFlow's objective is the product of |weights| along paths through a linearised network; an LSTM's gates
     * multiply activations by each other, so that product does not describe it, and the paper defines none for
     * recurrent layers.
     */
    private static void requireNoRecurrentLayer(MultiLayerNetwork dense) {
        for (int i = 0; i < dense.getnLayers(); i++) {
            org.deeplearning4j.nn.conf.layers.Layer layer =
                    MagnitudePruning.inner(dense.getLayerWiseConfigurations().getConf(i).getLayer());
            if (layer instanceof BaseRecurrentLayer) {
                throw new IllegalArgumentException("SynFlow: layer " + i + " is a recurrent layer ("
                        + layer.getClass().getSimpleName() + "), for which SynFlow's data-free flow is not defined; "
                        + "use Snip.toSparse (one minibatch) or MagnitudePruning.toSparse, which convert LSTM layers");
            }
        }
    }

    /** {@code 1 − (1 − s)^exponent}; exactly {@code s} in the last round. */
    private static double roundSparsity(double sparsity, double exponent, boolean last) {
        return last ? sparsity : 1.0 - Math.pow(1.0 - sparsity, exponent);
    }

    /** A double-precision copy with |parameters|, no dropout and {@code R = Σ output} as its loss. */
    private static MultiLayerNetwork flowNetwork(MultiLayerNetwork dense) {
        MultiLayerConfiguration conf = dense.getLayerWiseConfigurations().clone();
        conf.setDataType(DataType.DOUBLE);
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            layerConf.getLayer().setIDropout(null);
            if (layerConf.getLayer() instanceof BaseLayer base) {
                base.setRegularization(new ArrayList<>());
                base.setRegularizationBias(new ArrayList<>());
            }
        }
        org.deeplearning4j.nn.conf.layers.Layer last = conf.getConf(conf.getConfs().size() - 1).getLayer();
        if (last instanceof BaseOutputLayer output) {
            output.setActivationFn(new ActivationIdentity());
            output.setLossFn(new SumOfOutputs());
        } else if (last instanceof LossLayer loss) {
            loss.setActivationFn(new ActivationIdentity());
            loss.setLossFn(new SumOfOutputs());
        } else {
            throw new IllegalArgumentException("SynFlow: the network must end in an output layer or a loss layer, got "
                    + last.getClass().getSimpleName());
        }
        MultiLayerNetwork flow = new MultiLayerNetwork(conf);
        flow.init();
        for (int i = 0; i < dense.getnLayers(); i++) {
            for (Map.Entry<String, INDArray> e : dense.getLayer(i).paramTable().entrySet()) {
                flow.getLayer(i).getParam(e.getKey()).assign(Nd4j.math().abs(e.getValue().castTo(DataType.DOUBLE)));
            }
        }
        return flow;
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
