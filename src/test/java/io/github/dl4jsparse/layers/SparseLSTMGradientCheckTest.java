package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.testutil.GradientChecks;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.layers.runtime.SparseLSTMLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.common.primitives.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static io.github.dl4jsparse.testutil.GradientChecks.EPS;
import static io.github.dl4jsparse.testutil.GradientChecks.MAX_REL_ERROR;
import static io.github.dl4jsparse.testutil.GradientChecks.MIN_ABS_ERROR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Double-precision gradient checks of {@link SparseLSTM} in both storages and, under active storage, on both routes
 * (the sparse kernels and DL4J's LSTM), NCW and NWC, with masking arrays (variable-length sequences), in a
 * MultiLayerNetwork (two stacked SparseLSTMs into an {@code RnnOutputLayer}) and a ComputationGraph
 * ({@code LastTimeStep} into an output layer), both block activations on the kernels, and a truncated-BPTT segment
 * from a stored state on the layer itself. Masks and positions are excluded: not trainable.
 */
@ExtendWith(GradientChecks.DoublePrecision.class)
class SparseLSTMGradientCheckTest {

    private final ProductRoute before = ProductRoute.getDefault();

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(before);
    }

    /** Sets the route and checks that the first layer takes the kernels exactly when asked to. */
    private static void route(ProductRoute route, WeightStorage storage, Layer first) {
        boolean kernels = route == ProductRoute.KERNELS && storage != WeightStorage.DENSE;
        assertEquals(kernels, ((SparseLSTMLayer) first).usesSparseKernels(BATCH, true), "the route taken");
    }

    private static final int N_IN = 3;
    private static final int STEPS = 5;
    private static final int BATCH = 4;
    private static final int CLASSES = 3;

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE).updater(new NoOp());
    }

    /** Features {@code [batch, nIn, steps]} (NCW) or {@code [batch, steps, nIn]} (NWC), seeded. */
    private static INDArray features(RNNFormat format) {
        Nd4j.getRandom().setSeed(7);
        INDArray ncw = Nd4j.rand(DataType.DOUBLE, BATCH, N_IN, STEPS).subi(0.5).muli(2);
        return format == RNNFormat.NCW ? ncw : ncw.permute(0, 2, 1).dup('c');
    }

    /** Sequence lengths 5, 3, 4, 2: a mask {@code [batch, steps]}. */
    private static INDArray mask() {
        int[] lengths = {5, 3, 4, 2};
        INDArray m = Nd4j.zeros(DataType.DOUBLE, BATCH, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                m.putScalar(b, t, 1.0);
            }
        }
        return m;
    }

    private static INDArray oneHot(int rows, long seed) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, CLASSES);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, r.nextInt(CLASSES), 1.0);
        }
        return y;
    }

    @ParameterizedTest(name = "MultiLayerNetwork, {0}, {1}, route {2}, second layer {3}")
    @CsvSource({"NCW, DENSE, DENSE, SOFTSIGN", "NCW, ACTIVE, DENSE, SOFTSIGN", "NCW, ACTIVE, KERNELS, SOFTSIGN",
            "NWC, DENSE, DENSE, SOFTSIGN", "NWC, ACTIVE, DENSE, SOFTSIGN", "NWC, ACTIVE, KERNELS, SOFTSIGN",
            "NCW, ACTIVE, KERNELS, SIGMOID", "NWC, ACTIVE, KERNELS, SIGMOID"})
    void multiLayerNetworkWithMaskedSequences(RNNFormat format, WeightStorage storage, ProductRoute route,
                                              Activation second) {
        ProductRoute.setDefault(route);
        MultiLayerConfiguration conf = base().list()
                .layer(new SparseLSTM.Builder().nOut(4).inputSparsity(0.5).recurrentSparsity(0.6).storage(storage)
                        .dataFormat(format).activation(Activation.TANH).build())
                .layer(new SparseLSTM.Builder().nOut(3).sparsity(0.5).storage(storage).dataFormat(format)
                        .activation(second).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .dataFormat(format).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        route(route, storage, net.getLayer(0));
        assertEquals(route == ProductRoute.KERNELS && second == Activation.SIGMOID,
                ((SparseLSTMLayer) net.getLayer(1)).usesSparseKernels(BATCH, true), "the second layer's route");
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES, STEPS);
        Random r = new Random(3);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                labels.putScalar(b, r.nextInt(CLASSES), t, 1.0);
            }
        }
        if (format == RNNFormat.NWC) {
            labels = labels.permute(0, 2, 1).dup('c');
        }
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(features(format)).labels(labels).inputMask(mask()).labelMask(mask())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("0", "1")));
        assertTrue(ok, "gradient check of SparseLSTM, " + format + ", " + storage + ", route " + route);
    }

    @ParameterizedTest(name = "ComputationGraph, LastTimeStep, {0}, {1}, route {2}")
    @CsvSource({"NCW, DENSE, DENSE", "NCW, ACTIVE, DENSE", "NCW, ACTIVE, KERNELS", "NWC, DENSE, DENSE",
            "NWC, ACTIVE, DENSE", "NWC, ACTIVE, KERNELS"})
    void computationGraphWithLastTimeStep(RNNFormat format, WeightStorage storage, ProductRoute route) {
        ProductRoute.setDefault(route);
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("in")
                .addLayer("lstm", new LastTimeStep(new SparseLSTM.Builder().nOut(5).sparsity(0.7).storage(storage)
                        .dataFormat(format).activation(Activation.TANH).build()), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "lstm")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(N_IN, STEPS, format))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        route(route, storage, ((org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer) graph.getLayer("lstm"))
                .getUnderlying());
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(new INDArray[]{features(format)}).labels(new INDArray[]{oneHot(BATCH, 5)})
                .inputMask(new INDArray[]{mask()})
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("lstm")));
        assertTrue(ok, "gradient check of SparseLSTM in a ComputationGraph, " + format + ", " + storage + ", route "
                + route);
    }

    /**
     * A truncated-BPTT segment on the kernels from a stored state (DL4J's {@code tBpttStateMap} for the forward pass,
     * {@code stateMap} for the backward pass, as DL4J's LSTM reads them), backward through the whole segment: the
     * gradient of {@code L = Σ R ⊙ h} with respect to every trainable entry and to the input, against central
     * differences of the layer's output from the same state.
     */
    @ParameterizedTest(name = "{0}, block activation {1}")
    @CsvSource({"NCW, TANH", "NWC, TANH", "NCW, SIGMOID"})
    void aSegmentFromAStoredStateOnTheKernels(RNNFormat format, Activation activation) {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        MultiLayerNetwork net = new MultiLayerNetwork(base().list()
                .layer(new SparseLSTM.Builder().nOut(4).inputSparsity(0.5).recurrentSparsity(0.6)
                        .storage(WeightStorage.ACTIVE).dataFormat(format).activation(activation).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).dataFormat(format)
                        .activation(Activation.IDENTITY).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, format))
                .build());
        net.init();
        net.initGradientsView();
        SparseLSTMLayer layer = (SparseLSTMLayer) net.getLayer(0);
        route(ProductRoute.KERNELS, WeightStorage.ACTIVE, layer);
        INDArray x = features(format);
        Nd4j.getRandom().setSeed(21);
        INDArray r = Nd4j.randn(DataType.DOUBLE, x.size(0), format == RNNFormat.NCW ? 4 : STEPS,
                format == RNNFormat.NCW ? STEPS : 4);
        Map<String, INDArray> state = new HashMap<>();
        state.put(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_ACTIVATION,
                Nd4j.rand(DataType.DOUBLE, BATCH, 4).subi(0.5));
        state.put(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_MEMCELL, Nd4j.randn(DataType.DOUBLE, BATCH, 4));
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        java.util.function.Supplier<Double> loss = () -> {
            layer.rnnSetTBPTTState(new HashMap<>(state));
            return layer.rnnActivateUsingStoredState(x, false, false, noWorkspaces).mul(r).sumNumber().doubleValue();
        };

        layer.rnnSetPreviousState(new HashMap<>(state));
        layer.rnnSetTBPTTState(new HashMap<>(state));
        layer.rnnActivateUsingStoredState(x, true, false, noWorkspaces);
        Pair<Gradient, INDArray> analytic = layer.tbpttBackpropGradient(r.dup(), STEPS, noWorkspaces);
        Map<String, INDArray> gradients = new HashMap<>();
        analytic.getFirst().gradientForVariable().forEach((k, v) -> gradients.put(k, v.dup()));
        INDArray dx = analytic.getSecond().dup();

        int checked = 0;
        Set<String> structure = Set.of(SparseLayerConfig.ACTIVE_INDEX_KEY, SparseLSTM.RECURRENT_KEYS.activeIndex());
        for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
            if (structure.contains(p.getKey())) {
                continue;
            }
            INDArray param = p.getValue();
            INDArray grad = gradients.get(p.getKey());
            assertNotNull(grad, "a gradient for " + p.getKey());
            checked += checkEntries(loss, param, grad, p.getKey());
        }
        checked += checkEntries(loss, x, dx, "dL/dx");
        assertTrue(checked > 100, checked + " entries checked");
    }

    /** Central differences of {@code loss} over every entry of {@code values} against {@code analytic}; the count. */
    private static int checkEntries(java.util.function.Supplier<Double> loss, INDArray values, INDArray analytic,
                                    String what) {
        for (long i = 0; i < values.length(); i++) {
            double v = values.getDouble(i);
            values.putScalar(i, v + EPS);
            double plus = loss.get();
            values.putScalar(i, v - EPS);
            double minus = loss.get();
            values.putScalar(i, v);
            assertGradient((plus - minus) / (2 * EPS), analytic.getDouble(i), what + "[" + i + "]");
        }
        return (int) values.length();
    }

    private static void assertGradient(double numeric, double analytic, String what) {
        double error = Math.abs(numeric - analytic);
        double relative = error / Math.max(Math.abs(numeric), Math.abs(analytic));
        assertTrue(error < MIN_ABS_ERROR || relative < MAX_REL_ERROR,
                what + ": numeric " + numeric + ", backprop " + analytic + " (relative error " + relative + ")");
    }
}
