package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseConv2DLayer;
import io.github.dl4jsparse.testutil.Images;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.dl4jsparse.testutil.TestData.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * At sparsity 0 a {@link SparseConv2D} is DL4J's {@link ConvolutionLayer}: from the same initial weights, 20 Adam steps
 * of both networks end at the same parameters and outputs (both storages, float and double, both data formats):
 * exactly on DL4J's convolution (dense storage, double), within float rounding on the sparse kernels (active storage
 * runs this small kernel on them at any density).
 */
class SparseConv2DEquivalenceTest {

    private static final int STEPS = 20;

    private static MultiLayerNetwork net(Layer conv, DataType type, CNN2DFormat format) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).dataType(type)
                .updater(new Adam(1e-2)).list()
                .layer(conv)
                .layer(new SubsamplingLayer.Builder(2, 2).stride(2, 2).dataFormat(format).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(10, 10, 3, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest(name = "{0}, {1} storage, {2}")
    @CsvSource({"FLOAT, DENSE, NCHW", "FLOAT, ACTIVE, NCHW", "DOUBLE, DENSE, NCHW", "DOUBLE, ACTIVE, NCHW",
            "FLOAT, ACTIVE, NHWC", "DOUBLE, ACTIVE, NHWC"})
    void followsConvolutionLayerAtSparsityZero(DataType type, WeightStorage storage, CNN2DFormat format) {
        MultiLayerNetwork sparse = net(new SparseConv2D.Builder(3, 3).nOut(5).padding(1, 1).dataFormat(format)
                .sparsity(0.0).storage(storage).activation(Activation.RELU).build(), type, format);
        MultiLayerNetwork dense = net(new ConvolutionLayer.Builder(3, 3).nOut(5).padding(1, 1).dataFormat(format)
                .activation(Activation.RELU).build(), type, format);
        SparseConv2DLayer layer = (SparseConv2DLayer) sparse.getLayer(0);
        dense.getLayer(0).getParam("W").assign(layer.maskedWeights());
        dense.getLayer(0).getParam("b").assign(sparse.getLayer(0).getParam("b"));
        dense.getLayer(2).setParams(sparse.getLayer(2).params().dup());

        DataSet data = Images.classification(8, 3, 10, 10, format, 4, 5, type);
        INDArray initial = layer.maskedWeights();
        for (int step = 0; step < STEPS; step++) {
            sparse.fit(data);
            dense.fit(data);
        }
        double dW = maxAbsDiff(layer.maskedWeights(), dense.getLayer(0).getParam("W"));
        double db = maxAbsDiff(sparse.getLayer(0).getParam("b"), dense.getLayer(0).getParam("b"));
        double dOut = maxAbsDiff(sparse.getLayer(2).params(), dense.getLayer(2).params());
        double dY = maxAbsDiff(sparse.output(data.getFeatures()), dense.output(data.getFeatures()));
        System.out.printf("SparseConv2D vs ConvolutionLayer at sparsity 0 (%s, %s, %s, %d Adam steps): max |dW| %.3g, "
                + "|db| %.3g, |d output layer| %.3g, |d output| %.3g%n", type, storage, format, STEPS, dW, db, dOut, dY);
        assertTrue(maxAbsDiff(initial, layer.maskedWeights()) > 1e-2, "training moved the kernel");
        // dense storage runs DL4J's convolution itself: exactly equal in double. Active storage runs this kernel (27
        // inputs per output channel, ProductRoute.SMALL_FAN_IN) on the sparse kernels, whose sums run in another order
        double tolerance = type == DataType.DOUBLE ? (storage == WeightStorage.ACTIVE ? 1e-12 : 0.0) : 1e-6;
        assertTrue(Math.max(Math.max(dW, db), dOut) <= tolerance, "parameters differ by " + Math.max(dW, Math.max(db, dOut)));
        assertTrue(dY <= tolerance, "outputs differ by " + dY);
        assertEquals(0, layer.sparsityCounts().maskZeros());
    }
}
