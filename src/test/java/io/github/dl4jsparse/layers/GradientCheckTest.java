package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.testutil.GradientChecks;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import static io.github.dl4jsparse.testutil.GradientChecks.EPS;
import static io.github.dl4jsparse.testutil.GradientChecks.MAX_REL_ERROR;
import static io.github.dl4jsparse.testutil.GradientChecks.MIN_ABS_ERROR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Double-precision gradient checks: the backprop gradients of stacks of {@link SparseLinear} equal central finite
 * differences of the loss. The masks are excluded from the perturbation: they are not trainable and their gradient
 * is 0 by design. DL4J 1.0.0-M2.1's stock SameDiff layers fail these checks (gradients 2x, 4x, ... too large).
 */
@ExtendWith(GradientChecks.DoublePrecision.class)
class GradientCheckTest {

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(ProductRoute.AUTO);
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE).updater(new NoOp());
    }

    private static MultiLayerNetwork stack(Dropout dropout, WeightStorage storage) {
        MultiLayerConfiguration conf = base().list()
                .layer(new SparseLinear.Builder().nOut(7).sparsity(0.5).activation(Activation.TANH).dropOut(dropout).storage(storage).build())
                .layer(new SparseLinear.Builder().nOut(6).sparsity(0.3).activation(Activation.SIGMOID).storage(storage).build())
                .layer(new SparseLinear.Builder().nOut(5).sparsity(0.6).activation(Activation.SOFTPLUS).storage(storage).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest(name = "{0} storage, {1} products")
    @CsvSource({"DENSE, AUTO", "ACTIVE, DENSE", "ACTIVE, KERNELS"})
    void stackOfSparseLinearPassesGradientCheck(WeightStorage storage, ProductRoute route) {
        ProductRoute.setDefault(route);
        MultiLayerNetwork net = stack(null, storage);
        DataSet data = TestData.classification(6, 4, 3, 1, DataType.DOUBLE);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(data.getFeatures()).labels(data.getLabels())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("0", "1", "2")));
        assertTrue(ok, "gradient check of a stack of three SparseLinear layers, " + storage);
        double err = GradientChecks.maxRelativeError(net, data, EPS);
        System.out.printf("Gradient check (MultiLayerNetwork, 3 SparseLinear, %s, double): max relative error %.3g%n",
                storage, err);
        assertTrue(err < MAX_REL_ERROR, "max relative error " + err);
    }

    @ParameterizedTest(name = "{0} storage, {1} products")
    @CsvSource({"DENSE, AUTO", "ACTIVE, DENSE", "ACTIVE, KERNELS"})
    void stackWithDropoutPassesGradientCheck(WeightStorage storage, ProductRoute route) {
        ProductRoute.setDefault(route);
        MultiLayerNetwork net = stack(new Dropout(0.6), storage);
        DataSet data = TestData.classification(6, 4, 3, 2, DataType.DOUBLE);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(data.getFeatures()).labels(data.getLabels())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("0", "1", "2"))
                .callEachIter(n -> Nd4j.getRandom().setSeed(12345)));
        assertTrue(ok, "gradient check with dropout on the first SparseLinear layer");
    }

    @ParameterizedTest(name = "{0} storage, {1} products")
    @CsvSource({"DENSE, AUTO", "ACTIVE, DENSE", "ACTIVE, KERNELS"})
    void computationGraphPassesGradientCheck(WeightStorage storage, ProductRoute route) {
        ProductRoute.setDefault(route);
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("in")
                .addLayer("a", new SparseLinear.Builder().nOut(6).sparsity(0.5).activation(Activation.TANH).storage(storage).build(), "in")
                .addLayer("b", new SparseLinear.Builder().nOut(5).sparsity(0.4).activation(Activation.TANH).storage(storage).build(), "in")
                .addLayer("c", new SparseLinear.Builder().nOut(4).sparsity(0.5).activation(Activation.RELU).storage(storage).build(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(4))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        DataSet data = TestData.classification(6, 4, 3, 3, DataType.DOUBLE);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(new INDArray[]{data.getFeatures()}).labels(new INDArray[]{data.getLabels()})
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("a", "b", "c")));
        assertTrue(ok, "gradient check of a ComputationGraph with a merge into a SparseLinear layer");
    }

    @Test
    void maskedWeightsAndMasksGetExactlyZeroGradient() {
        MultiLayerNetwork net = stack(null, WeightStorage.DENSE);
        DataSet data = TestData.classification(6, 4, 3, 4, DataType.DOUBLE);
        net.setInput(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        Gradient g = net.gradient();
        for (int i = 0; i < 3; i++) {
            INDArray mask = net.getLayer(i).getParam(SparseLinear.WEIGHT_MASK_KEY);
            INDArray dW = g.getGradientFor(i + "_" + SparseLinear.WEIGHT_KEY);
            assertEquals(0.0, dW.mul(mask.rsub(1.0)).amaxNumber().doubleValue(), 0.0, "dW where mask is 0, layer " + i);
            assertTrue(dW.amaxNumber().doubleValue() > 0, "dW is not all zero, layer " + i);
            assertEquals(0.0, g.getGradientFor(i + "_" + SparseLinear.WEIGHT_MASK_KEY).amaxNumber().doubleValue(), 0.0);
        }
    }

    @ParameterizedTest(name = "{0} storage, {1}")
    @CsvSource({"DENSE, NCW", "ACTIVE, NCW", "ACTIVE, NWC"})
    void sparseLinearAfterAnLstmPassesGradientCheck(WeightStorage storage, org.deeplearning4j.nn.conf.RNNFormat format) {
        MultiLayerConfiguration conf = base().list()
                .layer(new org.deeplearning4j.nn.conf.layers.LSTM.Builder().nOut(4).activation(Activation.TANH)
                        .dataFormat(format).build())
                .layer(new SparseLinear.Builder().nOut(5).sparsity(0.5).activation(Activation.TANH).storage(storage).build())
                .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3).activation(Activation.SOFTMAX).dataFormat(format).build())
                .setInputType(InputType.recurrent(3, 4, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(3);
        boolean ncw = format == org.deeplearning4j.nn.conf.RNNFormat.NCW;
        INDArray x = ncw ? Nd4j.randn(DataType.DOUBLE, 2, 3, 4) : Nd4j.randn(DataType.DOUBLE, 2, 4, 3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, ncw ? new long[]{2, 3, 4} : new long[]{2, 4, 3});
        java.util.Random random = new java.util.Random(3);
        for (int n = 0; n < 2; n++) {
            for (int t = 0; t < 4; t++) {
                int c = random.nextInt(3);
                y.putScalar(ncw ? new long[]{n, c, t} : new long[]{n, t, c}, 1.0);
            }
        }
        assertEquals(ncw ? java.util.List.of(2L, 3L, 4L) : java.util.List.of(2L, 4L, 3L),
                java.util.Arrays.stream(net.output(x).shape()).boxed().toList(), "per time step output");
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(x).labels(y)
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("1")));
        assertTrue(ok, "gradient check of LSTM -> SparseLinear -> RnnOutputLayer, " + storage + ", " + format);
        double err = GradientChecks.maxRelativeError(net, new DataSet(x, y), EPS);
        System.out.printf("Gradient check (LSTM -> SparseLinear -> RnnOutputLayer, %s, %s, double): max relative error %.3g%n",
                storage, format, err);
        assertTrue(err < MAX_REL_ERROR, "max relative error " + err);
    }
}
