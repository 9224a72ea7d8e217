package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.testutil.GradientChecks;
import io.github.dl4jsparse.testutil.Images;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import static io.github.dl4jsparse.testutil.GradientChecks.EPS;
import static io.github.dl4jsparse.testutil.GradientChecks.MAX_REL_ERROR;
import static io.github.dl4jsparse.testutil.GradientChecks.MIN_ABS_ERROR;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Double-precision gradient checks of {@link SparseConv2D} in both storages and, under active storage, on both product
 * routes (the sparse convolution kernels and DL4J's dense convolution), over strides, padding, dilation, rectangular
 * kernels, both data formats and both convolution modes, in a MultiLayerNetwork, a ComputationGraph and a stack
 * conv → SparseConv2D → SparseLinear. The structure parameters (mask, positions) are excluded: they are not trainable.
 */
@ExtendWith(GradientChecks.DoublePrecision.class)
class SparseConv2DGradientCheckTest {

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE).updater(new NoOp());
    }

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(ProductRoute.AUTO);
    }

    @ParameterizedTest(name = "{0}, {1}, stride {2}, padding {3}, dilation {4}, kernel 3x{7}, {5}, {6} products")
    @CsvSource({
            "NCHW, Truncate, 2, 1, 1, DENSE, AUTO, 3", "NCHW, Truncate, 2, 1, 1, ACTIVE, DENSE, 3",
            "NCHW, Truncate, 2, 1, 1, ACTIVE, KERNELS, 3",
            "NCHW, Truncate, 1, 0, 2, DENSE, AUTO, 3", "NCHW, Truncate, 1, 0, 2, ACTIVE, DENSE, 3",
            "NCHW, Truncate, 1, 0, 2, ACTIVE, KERNELS, 2",
            "NHWC, Same, 2, 0, 1, DENSE, AUTO, 3", "NHWC, Same, 2, 0, 1, ACTIVE, DENSE, 3",
            "NHWC, Same, 2, 0, 1, ACTIVE, KERNELS, 2",
            "NHWC, Truncate, 1, 1, 2, DENSE, AUTO, 3", "NHWC, Truncate, 1, 1, 2, ACTIVE, DENSE, 3",
            "NHWC, Truncate, 1, 1, 2, ACTIVE, KERNELS, 3",
            "NCHW, Same, 1, 0, 2, ACTIVE, DENSE, 3", "NCHW, Same, 1, 0, 2, ACTIVE, KERNELS, 2"})
    void sparseConvolutionPassesGradientCheck(CNN2DFormat format, ConvolutionMode mode, int stride, int padding,
                                              int dilation, WeightStorage storage, ProductRoute route, int kernelW) {
        ProductRoute.setDefault(route);
        MultiLayerConfiguration conf = base().convolutionMode(mode).list()
                .layer(new SparseConv2D.Builder(3, kernelW).nOut(4).stride(stride, stride).padding(padding, padding)
                        .dilation(dilation, dilation).dataFormat(format).sparsity(0.5).storage(storage)
                        .activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(7, 7, 2, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertTrue(net.getLayer(0).conf().getLayer() instanceof SparseConv2D s && s.resolvedStorage() == storage);
        DataSet data = Images.classification(3, 2, 7, 7, format, 3, 7, DataType.DOUBLE);
        checkAndReport(net, data, String.format("Gradient check (SparseConv2D %s %s stride %d padding %d dilation %d "
                + "kernel 3x%d, %s, %s products, double)", format, mode, stride, padding, dilation, kernelW, storage,
                route), "0");
    }

    /**
     * 1×1 convolutions on the kernels run as one sparse product over the minibatch's positions
     * ({@code PointwiseConvolution}): stride 1 and 2 (a gather of the input, a scatter of its gradient), ReLU (masked
     * on the kept pre-activation) and tanh (DL4J's derivative), stacked so that {@code dL/dx} of the second one is used.
     */
    @ParameterizedTest(name = "1x1, stride {0}, {1}")
    @CsvSource({"1, TANH", "2, TANH", "1, RELU", "2, SOFTPLUS"})
    void pointwiseConvolutionsOnTheKernelsPassGradientCheck(int stride, Activation activation) {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        MultiLayerConfiguration conf = base().list()
                .layer(new SparseConv2D.Builder(1, 1).nOut(5).stride(stride, stride).sparsity(0.4)
                        .storage(WeightStorage.ACTIVE).biasInit(0.1).activation(activation).build())
                .layer(new SparseConv2D.Builder(1, 1).nOut(4).sparsity(0.5).storage(WeightStorage.ACTIVE)
                        .activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 7, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet data = Images.classification(3, 3, 5, 7, CNN2DFormat.NCHW, 3, 11, DataType.DOUBLE);
        checkAndReport(net, data, String.format("Gradient check (two 1x1 SparseConv2D, stride %d, %s, kernels, double)",
                stride, activation), "0", "1");
    }

    @ParameterizedTest
    @CsvSource({"DENSE, AUTO", "ACTIVE, DENSE", "ACTIVE, KERNELS"})
    void stackOfConvSparseConvAndSparseLinearPassesGradientCheck(WeightStorage storage, ProductRoute route) {
        ProductRoute.setDefault(route);
        MultiLayerConfiguration conf = base().list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.TANH).build())
                .layer(new SparseConv2D.Builder(2, 2).nOut(4).sparsity(0.6).storage(storage).activation(Activation.SOFTPLUS).build())
                .layer(new SparseLinear.Builder().nOut(5).sparsity(0.5).storage(storage).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 6, 2))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet data = Images.classification(3, 2, 6, 6, CNN2DFormat.NCHW, 3, 8, DataType.DOUBLE);
        checkAndReport(net, data, String.format("Gradient check (conv -> SparseConv2D -> SparseLinear, %s, %s products, "
                + "double)", storage, route), "1", "2");
    }

    @ParameterizedTest
    @CsvSource({"DENSE, AUTO", "ACTIVE, DENSE", "ACTIVE, KERNELS"})
    void computationGraphWithSparseConvolutionsPassesGradientCheck(WeightStorage storage, ProductRoute route) {
        ProductRoute.setDefault(route);
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("in")
                .addLayer("a", new SparseConv2D.Builder(3, 3).nOut(3).sparsity(0.5).storage(storage)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "in")
                .addLayer("b", new SparseConv2D.Builder(2, 2).nOut(2).sparsity(0.4).storage(storage)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.TANH).build(), "in")
                .addLayer("c", new SparseConv2D.Builder(3, 3).nOut(3).stride(2, 2).sparsity(0.5).storage(storage)
                        .activation(Activation.RELU).build(), "a", "b")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(6, 6, 2))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        DataSet data = Images.classification(3, 2, 6, 6, CNN2DFormat.NCHW, 3, 9, DataType.DOUBLE);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(new INDArray[]{data.getFeatures()}).labels(new INDArray[]{data.getLabels()})
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("a", "b", "c")));
        assertTrue(ok, "gradient check of a ComputationGraph with a merge into a SparseConv2D, " + storage + ", " + route);
    }

    /** DL4J's gradient check, then the largest relative error of every entry, printed after {@code what} and asserted. */
    private static void checkAndReport(MultiLayerNetwork net, DataSet data, String what, String... sparseLayers) {
        check(net, data, sparseLayers);
        double err = GradientChecks.maxRelativeError(net, data, EPS);
        System.out.printf("%s: max relative error %.3g%n", what, err);
        assertTrue(err < MAX_REL_ERROR, what + ": max relative error " + err);
    }

    private static void check(MultiLayerNetwork net, DataSet data, String... sparseLayers) {
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(data.getFeatures()).labels(data.getLabels())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure(sparseLayers)));
        assertTrue(ok, "gradient check failed");
    }
}
