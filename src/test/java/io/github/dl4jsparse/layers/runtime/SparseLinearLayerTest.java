package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.testutil.CapturedOutput;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseLinearLayerTest {

    private static MultiLayerNetwork singleLayer(Activation activation, double sparsity, DataType dataType) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(21).dataType(dataType).list()
                .layer(new SparseLinear.Builder().nOut(6).sparsity(sparsity).activation(activation).biasInit(0.3)
                        .storage(WeightStorage.DENSE).build())
                .layer(Nets.output())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * The fast runtime against the plain SameDiff definition of the layer ({@link SparseLinear#defineLayer}, run with
     * SameDiff's own autodiff): same output, same dL/dW, dL/db and dL/dx for a given upstream gradient, and dL/dM = 0.
     */
    @ParameterizedTest
    @CsvSource({"IDENTITY,false", "RELU,false", "TANH,false", "SIGMOID,false", "SOFTPLUS,false",
            "IDENTITY,true", "RELU,true", "TANH,true", "SIGMOID,true", "SOFTPLUS,true"})
    void runtimeEqualsTheSameDiffDefinition(String activationName, boolean trainingForward) {
        // trainingForward: backprop reuses the pre-activation kept by the training forward pass (the fit() path);
        // otherwise it recomputes it (backprop without a preceding training pass)
        Activation activation = Activation.valueOf(activationName);
        MultiLayerNetwork net = singleLayer(activation, 0.6, DataType.DOUBLE);
        net.initGradientsView();
        Layer layer = net.getLayer(0);
        SparseLinear conf = (SparseLinear) layer.conf().getLayer();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 7, 5);
        INDArray eps = Nd4j.randn(DataType.DOUBLE, 7, 6);

        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(x, mgr);
        INDArray out = layer.activate(trainingForward, mgr).dup();
        if (!trainingForward) {
            layer.setInput(x, mgr);
        }
        assertEquals(trainingForward, ((SparseLinearLayer) layer).hasCachedPreOutput());
        Pair<Gradient, INDArray> bp = layer.backpropGradient(eps.dup(), mgr);
        assertFalse(((SparseLinearLayer) layer).hasCachedPreOutput(), "the kept pre-activation is used once");

        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("input", DataType.DOUBLE, -1, 5);
        Map<String, SDVariable> params = new LinkedHashMap<>();
        for (String key : new String[]{SparseLinear.WEIGHT_KEY, SparseLinear.WEIGHT_MASK_KEY, SparseLinear.BIAS_KEY}) {
            params.put(key, sd.var(key, layer.getParam(key).dup()));
        }
        SDVariable sdOut = conf.defineLayer(sd, in, params, null);
        SDVariable loss = sdOut.mul(sd.constant("eps", eps)).sum();
        loss.markAsLoss();
        INDArray reference = sdOut.eval(Map.of("input", x));
        Map<String, INDArray> grads = sd.calculateGradients(Map.of("input", x),
                "input", SparseLinear.WEIGHT_KEY, SparseLinear.BIAS_KEY, SparseLinear.WEIGHT_MASK_KEY);

        assertEquals(0.0, TestData.maxAbsDiff(reference, out), 1e-12, "forward");
        assertEquals(0.0, TestData.maxAbsDiff(grads.get(SparseLinear.WEIGHT_KEY),
                bp.getFirst().getGradientFor(SparseLinear.WEIGHT_KEY)), 1e-12, "dL/dW");
        assertEquals(0.0, TestData.maxAbsDiff(grads.get(SparseLinear.BIAS_KEY).reshape(1, 6),
                bp.getFirst().getGradientFor(SparseLinear.BIAS_KEY).reshape(1, 6)), 1e-12, "dL/db");
        assertEquals(0.0, TestData.maxAbsDiff(grads.get("input"), bp.getSecond()), 1e-12, "dL/dx");
        assertEquals(0.0, grads.get(SparseLinear.WEIGHT_MASK_KEY).amaxNumber().doubleValue(), 0.0, "dL/dM in the reference");
        assertEquals(0.0, bp.getFirst().getGradientFor(SparseLinear.WEIGHT_MASK_KEY).amaxNumber().doubleValue(), 0.0, "dL/dM");
    }

    @Test
    void forwardIgnoresWeightsUnderTheMask() {
        MultiLayerNetwork net = singleLayer(Activation.IDENTITY, 0.5, DataType.FLOAT);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 5);
        INDArray before = net.output(x);
        INDArray w = net.getLayer(0).getParam(SparseLinear.WEIGHT_KEY);
        INDArray mask = net.getLayer(0).getParam(SparseLinear.WEIGHT_MASK_KEY);
        w.addi(mask.rsub(1.0).muli(100.0)); // write 100 into every masked position, in place
        assertEquals(before, net.output(x), "W ⊙ M on every forward pass");
    }

    @Test
    void trainingForwardPassRemovesValuesWrittenUnderTheMask() {
        MultiLayerNetwork net = singleLayer(Activation.RELU, 0.5, DataType.FLOAT);
        DataSet data = TestData.classification(8, 5, Nets.CLASSES, 3, DataType.FLOAT);
        INDArray w = net.getLayer(0).getParam(SparseLinear.WEIGHT_KEY);
        INDArray mask = net.getLayer(0).getParam(SparseLinear.WEIGHT_MASK_KEY);
        w.addi(mask.rsub(1.0).muli(100.0));
        assertTrue(io.github.dl4jsparse.sparsity.SparsityReport.of(net).leaks() > 0);
        net.fit(data);
        assertEquals(0, io.github.dl4jsparse.sparsity.SparsityReport.of(net).leaks(), "W ← W ⊙ M in the training pass");
    }

    @Test
    void dropoutConfiguredOnTheLayerIsApplied() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).list()
                .layer(new SparseLinear.Builder().nOut(50).sparsity(0.5).activation(Activation.IDENTITY).dropOut(0.5).build())
                .layer(Nets.output())
                .setInputType(InputType.feedForward(40)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 40);
        INDArray test1 = net.output(x, false);
        INDArray test2 = net.output(x, false);
        INDArray train = net.output(x, true);
        assertEquals(test1, test2, "no dropout at test time");
        assertNotEquals(test1, train, "dropout at training time");
    }

    @Test
    void regularizationIsPartOfTheScoreAsForDenseLayer() {
        NeuralNetConfiguration.Builder reg = new NeuralNetConfiguration.Builder().seed(8).updater(new Sgd(0.1)).l1(0.01).l2(0.02);
        MultiLayerNetwork dense = Nets.mlp(reg, false, 0.0);
        MultiLayerNetwork sparse = Nets.mlp(reg, true, 0.0);
        for (int i = 0; i < 3; i++) {
            TestData.copyParams(dense.getLayer(i), sparse.getLayer(i));
        }
        DataSet data = TestData.classification(10, Nets.N_IN, Nets.CLASSES, 1, DataType.FLOAT);
        double withReg = sparse.score(data);
        assertEquals(dense.score(data), withReg, 1e-6);
        MultiLayerNetwork plain = Nets.mlp(new NeuralNetConfiguration.Builder().seed(8).updater(new Sgd(0.1)), true, 0.0);
        for (int i = 0; i < 3; i++) {
            TestData.copyParams(dense.getLayer(i), plain.getLayer(i));
        }
        double hiddenPenalty = 0;
        for (int i = 0; i < 2; i++) {
            INDArray w = Layers.weights(sparse.getLayer(i));
            hiddenPenalty += 0.01 * w.norm1Number().doubleValue() + 0.5 * 0.02 * Math.pow(w.norm2Number().doubleValue(), 2);
        }
        assertTrue(withReg - plain.score(data) > hiddenPenalty * 0.999, "L1/L2 of the SparseLinear layers are in the score");
    }

    @Test
    void trainingPrintsNothingToStdout() {
        String out = CapturedOutput.stdout(() -> {
            MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(1), true, 0.5);
            DataSet data = TestData.classification(10, Nets.N_IN, Nets.CLASSES, 1, DataType.FLOAT);
            for (int i = 0; i < 3; i++) {
                net.fit(data);
            }
            net.output(data.getFeatures());
        });
        assertFalse(out.contains("Added differentiated op"), out);
        assertEquals("", out.trim(), "nothing at all on stdout");
    }
}
