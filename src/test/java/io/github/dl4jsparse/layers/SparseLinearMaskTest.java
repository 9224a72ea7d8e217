package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.mask.BinaryMasks;
import io.github.dl4jsparse.mask.RandomMasks;
import io.github.dl4jsparse.testutil.Layers;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The masks a network gets at initialisation: exact counts, truly sparse W, reproducible from the seed. */
class SparseLinearMaskTest {

    private static MultiLayerNetwork twoLayers(long seed, int nIn, int nOut, double sparsity, Long maskSeed) {
        SparseLinear.Builder first = new SparseLinear.Builder().nOut(nOut).sparsity(sparsity);
        SparseLinear.Builder second = new SparseLinear.Builder().nOut(nOut).sparsity(sparsity);
        if (maskSeed != null) {
            first.maskSeed(maskSeed);
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed).list()
                .layer(first.build())
                .layer(second.build())
                .setInputType(InputType.feedForward(nIn)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static INDArray mask(MultiLayerNetwork net, int layer) {
        return Layers.mask(net.getLayer(layer));
    }

    @ParameterizedTest
    @CsvSource({"100,256,0.8", "256,256,0.8", "784,300,0.9", "300,100,0.95", "100,10,0.98", "13,7,0.25", "4,4,0.0", "1,1,0.0"})
    void layerHasExactMaskCountAndTrulySparseWeights(int nIn, int nOut, double sparsity) {
        MultiLayerNetwork net = twoLayers(1, nIn, nOut, sparsity, null);
        long expected = Math.round(sparsity * nIn * nOut);
        assertEquals(expected, BinaryMasks.zeros(mask(net, 0)));
        INDArray w = Layers.weights(net.getLayer(0));
        assertEquals(0, BinaryMasks.count("0", "W", w, "weightMask", mask(net, 0)).leaks(),
                "getParam(\"W\") is zero wherever the mask is");
        assertTrue(BinaryMasks.zeros(w) >= expected);
    }

    @Test
    void sameNetworkSeedGivesSameMasks() {
        assertEquals(mask(twoLayers(42, 30, 20, 0.7, null), 0), mask(twoLayers(42, 30, 20, 0.7, null), 0));
        assertEquals(mask(twoLayers(42, 30, 20, 0.7, null), 1), mask(twoLayers(42, 30, 20, 0.7, null), 1));
    }

    @Test
    void differentNetworkSeedsGiveDifferentMasks() {
        assertNotEquals(mask(twoLayers(1, 30, 20, 0.7, null), 0), mask(twoLayers(2, 30, 20, 0.7, null), 0));
    }

    @Test
    void twoLayersOfOneShapeInOneNetworkGetDifferentMasks() {
        MultiLayerNetwork net = twoLayers(42, 20, 20, 0.5, null);
        assertNotEquals(mask(net, 0), mask(net, 1));
    }

    @Test
    void maskSeedFixesTheMaskWhateverTheNetworkSeed() {
        INDArray expected = RandomMasks.fill(Nd4j.createUninitialized(DataType.FLOAT, 30, 20), 0.7, 1234L);
        assertEquals(expected, mask(twoLayers(1, 30, 20, 0.7, 1234L), 0));
        assertEquals(expected, mask(twoLayers(2, 30, 20, 0.7, 1234L), 0));
    }

    @Test
    void computationGraphMasksAreReproducibleFromTheSeed() {
        INDArray a = Layers.mask(io.github.dl4jsparse.testutil.Nets.graph(new NeuralNetConfiguration.Builder().seed(9), true, 0.5)
                .getLayer("h1"));
        Nd4j.getRandom().setSeed(12345); // whatever the global generator did in between
        INDArray b = Layers.mask(io.github.dl4jsparse.testutil.Nets.graph(new NeuralNetConfiguration.Builder().seed(9), true, 0.5)
                .getLayer("h1"));
        assertEquals(a, b);
    }
}
