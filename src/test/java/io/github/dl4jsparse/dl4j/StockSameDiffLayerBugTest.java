package io.github.dl4jsparse.dl4j;

import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Keeps watch on the DL4J 1.0.0-M2.1 defect that {@code SparseLinearLayer} works around: a stock SameDiff layer's
 * weight gradient is 2x the closed form (here: 2x {@code DenseLayer}'s for the same weights). If this test fails after a
 * DL4J upgrade, DL4J has changed the behaviour: revisit the runtime layer and this test.
 */
class StockSameDiffLayerBugTest {

    /** A plain dense layer defined as a SameDiff graph and run by DL4J's stock SameDiff runtime. */
    public static class PlainSameDiffDense extends SameDiffLayer {
        private long nIn;
        private long nOut;

        private PlainSameDiffDense() {
        }

        PlainSameDiffDense(long nIn, long nOut) {
            this.nIn = nIn;
            this.nOut = nOut;
        }

        public long getNIn() {
            return nIn;
        }

        public void setNIn(long nIn) {
            this.nIn = nIn;
        }

        public long getNOut() {
            return nOut;
        }

        public void setNOut(long nOut) {
            this.nOut = nOut;
        }

        @Override
        public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
            return sd.nn().tanh(input.mmul(params.get("W")).add(params.get("b")));
        }

        @Override
        public void defineParameters(SDLayerParams params) {
            params.addWeightParam("W", nIn, nOut);
            params.addBiasParam("b", 1, nOut);
        }

        @Override
        public void initializeParameters(Map<String, INDArray> params) {
            params.get("W").assign(0.1);
            params.get("b").assign(0.0);
        }

        @Override
        public InputType getOutputType(int layerIndex, InputType inputType) {
            return InputType.feedForward(nOut);
        }
    }

    private static double weightGradientNorm(MultiLayerNetwork net, DataSet data) {
        net.setInput(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        return net.gradient().getGradientFor("0_W").norm2Number().doubleValue();
    }

    @Test
    void stockSameDiffLayerDoublesTheWeightGradient() {
        MultiLayerConfiguration stockConf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new PlainSameDiffDense(4, 6))
                .layer(Nets.output())
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerConfiguration denseConf = new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.TANH).build())
                .layer(Nets.output())
                .setInputType(InputType.feedForward(4)).build();
        MultiLayerNetwork stock = new MultiLayerNetwork(stockConf);
        stock.init();
        MultiLayerNetwork dense = new MultiLayerNetwork(denseConf);
        dense.init();
        dense.getLayer(0).getParam("W").assign(0.1);
        dense.getLayer(0).getParam("b").assign(0.0);
        TestData.copyParams(dense.getLayer(1), stock.getLayer(1));

        DataSet data = TestData.classification(8, 4, Nets.CLASSES, 5, DataType.FLOAT);
        double ratio = weightGradientNorm(stock, data) / weightGradientNorm(dense, data);
        assertEquals(2.0, ratio, 1e-4, "DL4J 1.0.0-M2.1's SameDiff layer gradient / closed form");
    }
}
