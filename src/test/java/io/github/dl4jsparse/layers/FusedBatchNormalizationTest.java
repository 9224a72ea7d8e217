package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.testutil.GradientChecks;
import io.github.dl4jsparse.testutil.Images;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FusedBatchNormalization} against DL4J's {@link BatchNormalization}: the fused helper is in place (and absent
 * in DL4J's layer under M2.1's defaults), training and inference give the same parameters (running mean and variance
 * included) and outputs within float rounding in both data formats and after a dense layer, the layer survives JSON and
 * {@code ModelSerializer} with its helper, keeps every setting of the layer it converts, and passes a gradient check.
 */
class FusedBatchNormalizationTest {

    private static final double TOLERANCE = 1e-5;

    /**
     * conv → BN → tanh → dense → BN → softmax. The layers before BN have no bias: BN cancels a bias, so its gradient is
     * rounding noise, which Adam scales up to full steps that differ between any two implementations.
     */
    private static MultiLayerConfiguration convNet(Supplier<BatchNormalization.Builder> bn, CNN2DFormat format,
                                                   DataType type) {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(type).updater(type == DataType.DOUBLE
                        ? new NoOp() : new Adam(1e-2)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(format).activation(Activation.IDENTITY)
                        .hasBias(false).build())
                .layer(bn.get().dataFormat(format).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY).hasBias(false).build())
                .layer(bn.get().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(6, 6, 2, format))
                .build();
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @ParameterizedTest
    @EnumSource(CNN2DFormat.class)
    void trainsAndInfersLikeDl4jBatchNormalization(CNN2DFormat format) {
        MultiLayerNetwork dl4j = init(convNet(BatchNormalization.Builder::new, format, DataType.FLOAT));
        MultiLayerNetwork fused = init(convNet(FusedBatchNormalization.Builder::new, format, DataType.FLOAT));
        assertNull(dl4j.getLayer(1).getHelper(), "M2.1 creates no batch-norm helper by default");
        assertNotNull(fused.getLayer(1).getHelper(), "the fused layer's helper");
        assertNotNull(fused.getLayer(4).getHelper(), "the fused layer's helper after a dense layer");
        fused.setParams(dl4j.params().dup());

        for (int step = 0; step < 6; step++) {
            DataSet data = Images.classification(8, 2, 6, 6, format, 3, 40 + step, DataType.FLOAT);
            dl4j.fit(data);
            fused.fit(data);
        }
        double paramDiff = maxAbsDiff(dl4j.params(), fused.params());
        DataSet test = Images.classification(5, 2, 6, 6, format, 3, 99, DataType.FLOAT);
        double outputDiff = maxAbsDiff(dl4j.output(test.getFeatures(), false), fused.output(test.getFeatures(), false));
        double trainOutputDiff = maxAbsDiff(dl4j.output(test.getFeatures(), true),
                fused.output(test.getFeatures(), true));
        System.out.printf("FusedBatchNormalization vs BatchNormalization (%s, 6 Adam steps): max |param diff| %.3g, "
                + "inference output %.3g, training output %.3g%n", format, paramDiff, outputDiff, trainOutputDiff);
        assertTrue(paramDiff < TOLERANCE, "parameters (running mean and variance included) differ by " + paramDiff);
        assertTrue(outputDiff < TOLERANCE, "inference outputs differ by " + outputDiff);
        assertTrue(trainOutputDiff < TOLERANCE, "training-mode outputs differ by " + trainOutputDiff);
        INDArray runningMean = fused.getLayer(1).getParam("mean");
        assertTrue(runningMean.norm1Number().doubleValue() > 0, "the running mean was updated");
    }

    @Test
    void survivesJsonAndModelSerializerWithItsHelper(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = init(convNet(FusedBatchNormalization.Builder::new, CNN2DFormat.NCHW, DataType.FLOAT));
        DataSet data = Images.classification(8, 2, 6, 6, CNN2DFormat.NCHW, 3, 3, DataType.FLOAT);
        net.fit(data);
        MultiLayerConfiguration fromJson = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertInstanceOf(FusedBatchNormalization.class, fromJson.getConf(1).getLayer());
        assertEquals(net.getLayerWiseConfigurations(), fromJson);

        File file = new File(dir, "fused.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertInstanceOf(FusedBatchNormalization.class, restored.getLayer(1).conf().getLayer());
        assertNotNull(restored.getLayer(1).getHelper(), "the restored layer's helper");
        assertEquals(net.params(), restored.params());
        assertEquals(net.output(data.getFeatures()), restored.output(data.getFeatures()));
        net.fit(data);
        restored.fit(data);
        assertTrue(maxAbsDiff(net.params(), restored.params()) < 1e-6, "training resumes where it stopped");
    }

    @Test
    void ofKeepsEverySettingOfTheLayerItConverts() {
        BatchNormalization dl4j = new BatchNormalization.Builder().name("bn7").eps(1e-3).decay(0.8)
                .lockGammaBeta(true).gamma(1.5).beta(0.25).dataFormat(CNN2DFormat.NHWC).nOut(12).build();
        FusedBatchNormalization fused = FusedBatchNormalization.of(dl4j);
        assertEquals("bn7", fused.getLayerName());
        assertEquals(1e-3, fused.getEps());
        assertEquals(0.8, fused.getDecay());
        assertTrue(fused.isLockGammaBeta());
        assertEquals(1.5, fused.getGamma());
        assertEquals(0.25, fused.getBeta());
        assertEquals(CNN2DFormat.NHWC, fused.getCnn2DFormat());
        assertEquals(12, fused.getNOut());
        assertEquals(dl4j, fused, "DL4J's equality: the same settings");
        fused.setDecay(0.5);
        assertEquals(0.8, dl4j.getDecay(), "the converted layer is not modified");
    }

    @Test
    void passesGradientCheckInDoublePrecision() {
        DataType previous = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            MultiLayerNetwork net = init(convNet(FusedBatchNormalization.Builder::new, CNN2DFormat.NCHW,
                    DataType.DOUBLE));
            assertNotNull(net.getLayer(1).getHelper(), "the fused layer's helper in double precision");
            DataSet data = Images.classification(4, 2, 6, 6, CNN2DFormat.NCHW, 3, 11, DataType.DOUBLE);
            Set<String> runningStatistics = new HashSet<>();
            for (String layer : new String[]{"1", "4"}) {
                runningStatistics.add(layer + "_mean");
                runningStatistics.add(layer + "_var");
                runningStatistics.add(layer + "_log10stdev");
            }
            boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                    .input(data.getFeatures()).labels(data.getLabels()).epsilon(GradientChecks.EPS)
                    .maxRelError(GradientChecks.MAX_REL_ERROR).minAbsoluteError(GradientChecks.MIN_ABS_ERROR)
                    .excludeParams(runningStatistics));
            assertTrue(ok, "gradient check of conv -> FusedBatchNormalization -> dense -> FusedBatchNormalization");
        } finally {
            Nd4j.setDefaultDataTypes(previous, previous);
        }
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
