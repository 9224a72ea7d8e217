package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.testutil.Images;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jsparse.testutil.TestData.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SparseConv2D} on the sparse convolution kernels computes what DL4J's dense convolution of the same masked
 * kernel computes: outputs, parameter gradients and the input gradient agree within 1e-5 of the largest value in
 * float (1e-12 in double), over strides, padding, dilation, rectangular kernels, both convolution modes and data
 * formats, activations with their own backward pass, and minibatches of one tile, several tiles and a partial tile.
 */
class ConvolutionKernelRouteTest {

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(ProductRoute.AUTO);
        SparseKernels.setThreads(1);
    }

    private static MultiLayerNetwork net(CNN2DFormat format, ConvolutionMode mode, int kh, int kw, int stride,
                                         int padding, int dilation, Activation activation, DataType type, int h, int w) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).dataType(type)
                .updater(new Adam(1e-2)).convolutionMode(mode).list()
                .layer(new SparseConv2D.Builder(kh, kw).nOut(6).stride(stride, stride).padding(padding, padding)
                        .dilation(dilation, dilation).dataFormat(format).sparsity(0.7).biasInit(0.05)
                        .storage(WeightStorage.ACTIVE).activation(activation).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(h, w, 3, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Output, flat parameter gradient and input gradient of one pass on the given route. */
    private static INDArray[] pass(MultiLayerNetwork net, DataSet data, ProductRoute route) {
        ProductRoute.setDefault(route);
        INDArray out = net.output(data.getFeatures());
        Pair<Gradient, INDArray> g = net.calculateGradients(data.getFeatures(), data.getLabels(), null, null);
        return new INDArray[]{out, g.getFirst().gradient().dup(), g.getSecond().dup()};
    }

    @ParameterizedTest(name = "{0} {1} kernel {2}x{3} stride {4} padding {5} dilation {6} {7} {8} batch {9}")
    @CsvSource({
            "NCHW, Truncate, 3, 3, 1, 0, 1, RELU, FLOAT, 8",
            "NCHW, Truncate, 3, 3, 1, 0, 1, RELU, FLOAT, 130",
            "NCHW, Truncate, 5, 3, 2, 1, 1, TANH, FLOAT, 70",
            "NCHW, Truncate, 3, 2, 1, 1, 2, RELU, FLOAT, 1",
            "NCHW, Same, 3, 3, 2, 0, 1, RELU, FLOAT, 33",
            "NCHW, Same, 4, 4, 1, 0, 2, SOFTPLUS, FLOAT, 16",
            "NHWC, Truncate, 3, 3, 1, 1, 1, RELU, FLOAT, 65",
            "NHWC, Same, 2, 3, 2, 0, 1, TANH, FLOAT, 20",
            "NCHW, Truncate, 3, 3, 2, 1, 2, TANH, DOUBLE, 9",
            "NHWC, Same, 3, 3, 1, 0, 1, RELU, DOUBLE, 67",
            // 1×1 (ResNet's bottlenecks and projections): one sparse product over the minibatch's positions
            "NCHW, Truncate, 1, 1, 1, 0, 1, RELU, FLOAT, 4",
            "NCHW, Truncate, 1, 1, 1, 0, 1, TANH, FLOAT, 33",
            "NCHW, Truncate, 1, 1, 2, 0, 1, RELU, FLOAT, 5",
            "NCHW, Same, 1, 1, 2, 0, 1, SOFTPLUS, FLOAT, 3",
            "NCHW, Truncate, 1, 1, 3, 0, 1, RELU, DOUBLE, 7",
            "NCHW, Truncate, 1, 1, 1, 0, 1, TANH, DOUBLE, 2",
            "NHWC, Truncate, 1, 1, 1, 0, 1, RELU, FLOAT, 6"})
    void kernelsAgreeWithDenseConvolution(CNN2DFormat format, ConvolutionMode mode, int kh, int kw, int stride,
                                          int padding, int dilation, Activation activation, DataType type, int batch) {
        MultiLayerNetwork net = net(format, mode, kh, kw, stride, padding, dilation, activation, type, 11, 9);
        DataSet data = Images.classification(batch, 3, 11, 9, format, 3, 5, type);
        INDArray[] dense = pass(net, data, ProductRoute.DENSE);
        INDArray[] kernels = pass(net, data, ProductRoute.KERNELS);
        String[] what = {"output", "parameter gradient", "input gradient"};
        double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-5;
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(dense[k].shape(), kernels[k].shape(), what[k]);
            double scale = dense[k].amaxNumber().doubleValue();
            double diff = maxAbsDiff(dense[k], kernels[k]);
            System.out.printf("kernels vs dense convolution (%s %s %dx%d s%d p%d d%d %s %s batch %d): %s max |diff| "
                    + "%.3g of max %.3g%n", format, mode, kh, kw, stride, padding, dilation, activation, type, batch,
                    what[k], diff, scale);
            assertTrue(scale > 0, what[k] + " is all zeros");
            assertTrue(diff <= tolerance * scale, what[k] + " differs by " + diff + " (largest value " + scale + ")");
        }
    }

    /**
     * A convolution of at most {@link ProductRoute#SMALL_FAN_IN} inputs per output channel runs on the kernels at any
     * density (DL4J's im2col is at its worst there); larger ones by the calibrated bounds. The conversions give such
     * a layer active storage (the kernels' storage) even when it comes out dense; a storage set by hand is kept.
     */
    @Test
    void smallFanInConvolutionsRunOnTheKernelsAtAnyDensity() {
        ProductRoute.setDefault(ProductRoute.AUTO);
        assertTrue(ProductRoute.useConvolutionKernels(1.0, 25, 128, true), "LeNet-5's conv1, dense");
        assertTrue(ProductRoute.useConvolutionKernels(1.0, 27, 8, false), "VGG16's conv1, dense, inference");
        assertTrue(!ProductRoute.useConvolutionKernels(1.0, 500, 128, true), "a wide kernel, dense: DL4J's");
        assertTrue(ProductRoute.useConvolutionKernels(0.1, 500, 128, true), "a wide kernel, sparse: the kernels");
        ProductRoute.setDefault(ProductRoute.DENSE);
        assertTrue(!ProductRoute.useConvolutionKernels(1.0, 25, 128, true), "a forced route wins");

        MultiLayerConfiguration conf = io.github.dl4jsparse.models.SparseLeNet5.of(new double[]{0.9, 0.9, 0.9,
                io.github.dl4jsparse.models.SparseMlp.DENSE}, 1, new Adam(1e-3));
        io.github.dl4jsparse.distribution.SparsityDistribution.erk(0.9).build().applyTo(conf);
        SparseConv2D conv1 = (SparseConv2D) conf.getConf(0).getLayer();
        SparseConv2D conv2 = (SparseConv2D) conf.getConf(2).getLayer();
        assertEquals(0.0, conv1.getSparsity(), 0.0, "ERK makes LeNet-5's conv1 dense");
        assertEquals(WeightStorage.ACTIVE, conv1.resolvedStorage(), "... and gives it the kernels' storage");
        assertEquals(WeightStorage.AUTO, conv2.getStorage(), "conv2 (500 inputs per channel) keeps AUTO");
        SparseConv2D byHand = new SparseConv2D.Builder(5, 5).nIn(1).nOut(4).sparsity(0.0)
                .storage(WeightStorage.DENSE).build();
        io.github.dl4jsparse.layers.SparseLayers.kernelStorageForSmallFanIn(byHand);
        assertEquals(WeightStorage.DENSE, byHand.getStorage(), "a storage set by hand is kept");
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        MultiLayerNetwork net = net(CNN2DFormat.NCHW, ConvolutionMode.Truncate, 3, 3, 1, 1, 1, Activation.RELU,
                DataType.FLOAT, 16, 16);
        DataSet data = Images.classification(96, 3, 16, 16, CNN2DFormat.NCHW, 3, 5, DataType.FLOAT);
        SparseKernels.setThreads(1);
        INDArray[] one = pass(net, data, ProductRoute.KERNELS);
        SparseKernels.setThreads(3);
        INDArray[] three = pass(net, data, ProductRoute.KERNELS);
        for (int k = 0; k < 3; k++) {
            assertEquals(0.0, maxAbsDiff(one[k], three[k]), "result " + k + " depends on the thread count");
        }
    }

    @Test
    void trainingOnTheKernelsFollowsTheDenseRoute() {
        DataSet data = Images.classification(40, 3, 11, 9, CNN2DFormat.NCHW, 3, 5, DataType.FLOAT);
        INDArray[] params = new INDArray[2];
        ProductRoute[] routes = {ProductRoute.DENSE, ProductRoute.KERNELS};
        for (int r = 0; r < 2; r++) {
            MultiLayerNetwork net = net(CNN2DFormat.NCHW, ConvolutionMode.Same, 3, 3, 1, 0, 1, Activation.RELU,
                    DataType.FLOAT, 11, 9);
            ProductRoute.setDefault(routes[r]);
            for (int step = 0; step < 10; step++) {
                net.fit(data);
            }
            params[r] = net.params().dup();
        }
        double diff = maxAbsDiff(params[0], params[1]);
        System.out.printf("10 Adam steps, kernels vs dense convolution: max |d params| %.3g%n", diff);
        assertTrue(diff < 1e-4, "parameters after training differ by " + diff);
    }
}
