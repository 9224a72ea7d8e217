package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DensityScaledInit}: each sparse matrix's starting weights are exactly those of its base initialisation (same
 * seed, same positions) times {@code 1/sqrt(density)} of that matrix, in every layer type and both storages; dense
 * layers get the base itself; JSON round trip; bad input refused.
 */
class DensityScaledInitTest {

    /** Densities 1/4 and 1/16: scales 2 and 4, exact in floating point. */
    private static final double QUARTER = 0.75;
    private static final double SIXTEENTH = 0.9375;

    private static MultiLayerNetwork convAndLinear(IWeightInit init, WeightStorage storage) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).weightInit(init).list()
                .layer(new SparseConv2D.Builder(3, 3).nOut(4).sparsity(QUARTER).storage(storage)
                        .activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().nOut(8).sparsity(SIXTEENTH).storage(storage)
                        .activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(6, 6, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static MultiLayerNetwork lstm(IWeightInit init, WeightStorage storage) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).weightInit(init).list()
                .layer(new LastTimeStep(new SparseLSTM.Builder().nOut(8).inputSparsity(QUARTER)
                        .recurrentSparsity(SIXTEENTH).storage(storage).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(6, 5, RNNFormat.NCW))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Each sparse matrix scaled by 1/sqrt(its density) (2, then 4), the output layer unchanged. */
    private static void assertScaled(MultiLayerNetwork plain, MultiLayerNetwork scaled) {
        List<SparseMatrices.InNetwork> p = SparseMatrices.inNetwork(plain);
        List<SparseMatrices.InNetwork> s = SparseMatrices.inNetwork(scaled);
        assertEquals(2, p.size());
        double[] expectedScale = {2.0, 4.0};
        for (int i = 0; i < p.size(); i++) {
            INDArray plainWeights = p.get(i).matrix().maskedWeights();
            INDArray scaledWeights = s.get(i).matrix().maskedWeights();
            assertEquals(p.get(i).matrix().weightMask(), s.get(i).matrix().weightMask(), "same positions");
            assertTrue(plainWeights.amaxNumber().doubleValue() > 0, "weights drawn");
            assertEquals(plainWeights.mul(expectedScale[i]), scaledWeights, p.get(i).name());
        }
        int output = plain.getnLayers() - 1;
        assertEquals(plain.getLayer(output).params(), scaled.getLayer(output).params(), "dense layer: the base");
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void convolutionAndFullyConnectedWeightsAreScaledBySqrtOfTheirDensity(WeightStorage storage) {
        assertScaled(convAndLinear(new WeightInitXavier(), storage),
                convAndLinear(new DensityScaledInit(WeightInit.XAVIER), storage));
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void lstmMatricesAreScaledEachByItsOwnDensity(WeightStorage storage) {
        assertScaled(lstm(new WeightInitXavier(), storage), lstm(new DensityScaledInit(WeightInit.XAVIER), storage));
    }

    @Test
    void atSparsityZeroItIsTheBase() {
        MultiLayerNetwork[] nets = new MultiLayerNetwork[2];
        IWeightInit[] inits = {new WeightInitXavier(), new DensityScaledInit(WeightInit.XAVIER)};
        for (int i = 0; i < 2; i++) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).weightInit(inits[i]).list()
                    .layer(new SparseLinear.Builder().nIn(5).nOut(4).sparsity(0.0).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                            .activation(Activation.IDENTITY).build())
                    .setInputType(InputType.feedForward(5))
                    .build();
            nets[i] = new MultiLayerNetwork(conf);
            nets[i].init();
        }
        assertEquals(nets[0].params(), nets[1].params());
    }

    @Test
    void survivesTheConfigurationsJson() {
        MultiLayerConfiguration conf = lstm(new DensityScaledInit(WeightInit.XAVIER), WeightStorage.AUTO)
                .getLayerWiseConfigurations();
        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, restored);
        LastTimeStep wrapper = (LastTimeStep) restored.getConf(0).getLayer();
        IWeightInit init = ((BaseLayer) wrapper.getUnderlying()).getWeightInitFn();
        DensityScaledInit scaled = assertInstanceOf(DensityScaledInit.class, init);
        assertInstanceOf(WeightInitXavier.class, scaled.getBase());
        MultiLayerNetwork fromJson = new MultiLayerNetwork(restored);
        fromJson.init();
        assertEquals(lstm(new DensityScaledInit(WeightInit.XAVIER), WeightStorage.AUTO).params(), fromJson.params());
    }

    @Test
    void badInputIsRefusedNamingTheFix() {
        IllegalArgumentException nullBase = assertThrows(IllegalArgumentException.class,
                () -> new DensityScaledInit((IWeightInit) null));
        assertTrue(nullBase.getMessage().contains("base must not be null"), nullBase.getMessage());
        IllegalArgumentException nullEnum = assertThrows(IllegalArgumentException.class,
                () -> new DensityScaledInit((WeightInit) null));
        assertTrue(nullEnum.getMessage().contains("base must not be null"), nullEnum.getMessage());
        IllegalArgumentException nested = assertThrows(IllegalArgumentException.class,
                () -> new DensityScaledInit(new DensityScaledInit(WeightInit.XAVIER)));
        assertTrue(nested.getMessage().contains("scale once"), nested.getMessage());
        IllegalArgumentException identity = assertThrows(IllegalArgumentException.class,
                () -> convAndLinear(new DensityScaledInit(WeightInit.IDENTITY), WeightStorage.AUTO));
        assertTrue(identity.getMessage().contains("IDENTITY is not supported"), identity.getMessage());
        for (double d : new double[]{0.0, -0.5, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DensityScaledInit.divisor(d));
            assertTrue(e.getMessage().contains("density") && e.getMessage().contains(String.valueOf(d)),
                    e.getMessage());
        }
        assertEquals(0.5, DensityScaledInit.divisor(0.25));
        assertEquals(1.0, DensityScaledInit.divisor(1.0));
    }
}
