package io.github.dl4jsparse.connectivity;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.testutil.Layers;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Degrees and heat maps against counts made independently from each layer's dense mask (in its weight shape), for
 * fully connected and convolution layers, MultiLayerNetwork and ComputationGraph, and every way an image shape is
 * known.
 */
class ConnectivityReportTest {

    private static MultiLayerNetwork mlp(InputType input, long nIn) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(11).list()
                .layer(new SparseLinear.Builder().name("fc1").nIn(input == null ? nIn : 0).nOut(9).sparsity(0.7)
                        .activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().name("fc2").nIn(9).nOut(6).sparsity(0.8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nIn(6).nOut(3)
                        .activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = input == null ? list.build() : list.setInputType(input).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Row sums (out-degree per input) and column sums (in-degree per output) of a [nIn, nOut] mask. */
    private static long[][] denseDegrees(Layer layer) {
        INDArray m = Layers.mask(layer);
        long[] out = new long[(int) m.size(0)];
        long[] in = new long[(int) m.size(1)];
        for (int r = 0; r < out.length; r++) {
            for (int c = 0; c < in.length; c++) {
                if (m.getDouble(r, c) != 0.0) {
                    out[r]++;
                    in[c]++;
                }
            }
        }
        return new long[][]{in, out};
    }

    private static void assertSummarises(long[] degrees, long maxPossible, DegreeSummary s) {
        assertEquals(DegreeSummary.of(degrees, maxPossible), s);
        assertEquals(degrees.length, s.units());
        assertEquals(Arrays.stream(degrees).filter(d -> d == 0).count(), s.dead());
        assertEquals(Arrays.stream(degrees).sum(), s.total());
        assertEquals(Arrays.stream(degrees).min().getAsLong(), s.min());
        assertEquals(Arrays.stream(degrees).max().getAsLong(), s.max());
        long[] histogram = new long[s.histogram().length];
        for (long d : degrees) {
            histogram[(int) (d / s.binWidth())]++;
        }
        assertArrayEquals(histogram, s.histogram());
        assertEquals(degrees.length, Arrays.stream(s.histogram()).sum());
    }

    @Test
    void degreesOfFullyConnectedLayersAreTheMasksRowAndColumnCounts() {
        MultiLayerNetwork net = mlp(InputType.feedForward(20), 20);
        ConnectivityReport report = ConnectivityReport.of(net, null);
        assertEquals(2, report.layers().size());
        for (int i = 0; i < 2; i++) {
            long[][] dense = denseDegrees(net.getLayer(i));
            LayerConnectivity l = report.layers().get(i);
            assertEquals(i == 0 ? "fc1" : "fc2", l.name());
            assertSummarises(dense[0], dense[1].length, l.inDegree());
            assertSummarises(dense[1], dense[0].length, l.outDegree());
            assertEquals(((io.github.dl4jsparse.layers.runtime.SparseLayer) net.getLayer(i)).activePositions().length,
                    l.inDegree().total());
        }
        assertNull(report.input(), "a feed-forward input has no image shape");
    }

    @Test
    void theHeatMapOfAConvolutionalFlatInputIsTheFirstLayersRowCountsAsAnImage() {
        MultiLayerNetwork net = mlp(InputType.convolutionalFlat(4, 5, 1), 0);
        ConnectivityReport report = ConnectivityReport.of(net, null);
        InputConnectivity map = report.input();
        assertEquals("fc1", map.layer());
        assertEquals(ImageShape.of(4, 5, 1), map.shape());
        assertEquals(4, map.rows());
        assertEquals(5, map.columns());
        assertArrayEquals(denseDegrees(net.getLayer(0))[1], map.counts(), "pixel (h, w) is input h · 5 + w");
        assertEquals(report.layers().get(0).inDegree().total(), map.total());
    }

    @Test
    void theConvolutionalFlatShapeTravelsWithTheSavedModel(@org.junit.jupiter.api.io.TempDir java.io.File dir) throws Exception {
        MultiLayerNetwork net = mlp(InputType.convolutionalFlat(4, 5, 1), 0);
        java.io.File file = new java.io.File(dir, "net.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(file);
        assertArrayEquals(new long[]{4, 5, 1}, ((SparseLinear) restored.getLayerWiseConfigurations().getConf(0).getLayer())
                .getImageInputShape());
        assertEquals(ConnectivityReport.of(net, null), ConnectivityReport.of(restored, null));
        assertEquals(net.getLayerWiseConfigurations(), MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson()));
    }

    @Test
    void aGivenShapeSumsChannelsAndMustMatchTheFirstLayer() {
        MultiLayerNetwork net = mlp(null, 40);
        long[] rows = denseDegrees(net.getLayer(0))[1];
        InputConnectivity nchw = ConnectivityReport.of(net, ImageShape.of(4, 5, 2)).input();
        InputConnectivity nhwc = ConnectivityReport.of(net, new ImageShape(4, 5, 2, true)).input();
        for (int h = 0; h < 4; h++) {
            for (int w = 0; w < 5; w++) {
                int pixel = h * 5 + w;
                assertEquals(rows[pixel] + rows[20 + pixel], nchw.counts()[pixel], "NCHW: channel c at c · 20 + pixel");
                assertEquals(rows[2 * pixel] + rows[2 * pixel + 1], nhwc.counts()[pixel], "NHWC: pixel · 2 + c");
            }
        }
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> ConnectivityReport.of(net, ImageShape.of(28, 28, 1)));
        assertTrue(wrong.getMessage().contains("28x28x1") && wrong.getMessage().contains("784")
                && wrong.getMessage().contains("'fc1'") && wrong.getMessage().contains("nIn is 40"), wrong.getMessage());
    }

    @Test
    void aConvolutionalInputTypeGivesTheShapeThroughItsPreprocessor() {
        MultiLayerNetwork net = mlp(InputType.convolutional(4, 5, 2, CNN2DFormat.NCHW), 0);
        InputConnectivity map = ConnectivityReport.of(net, null).input();
        assertEquals(ImageShape.of(4, 5, 2), map.shape());
        assertEquals(((io.github.dl4jsparse.layers.runtime.SparseLayer) net.getLayer(0)).activePositions().length,
                map.total());
    }

    @Test
    void largeImagesAreSummedOverCells() {
        MultiLayerNetwork net = mlp(null, 130 * 70);
        InputConnectivity map = ConnectivityReport.of(net, ImageShape.of(130, 70, 1)).input();
        assertEquals(3, map.cellSize(), "ceil(130 / 64)");
        assertEquals(44, map.rows());
        assertEquals(24, map.columns());
        long[] rows = denseDegrees(net.getLayer(0))[1];
        assertEquals(Arrays.stream(rows).sum(), map.total());
        long cell = 0;
        for (int h = 0; h < 3; h++) {
            for (int w = 0; w < 3; w++) {
                cell += rows[h * 70 + w];
            }
        }
        assertEquals(cell, map.counts()[0]);
    }

    @Test
    void convolutionDegreesCountChannels() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new SparseConv2D.Builder(3, 3).name("conv").nOut(6).sparsity(0.8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 4))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray m = Layers.mask(net.getLayer(0)); // [nOut 6, nIn 4, 3, 3]
        long[] in = new long[6];
        long[] out = new long[4];
        for (int o = 0; o < 6; o++) {
            for (int c = 0; c < 4; c++) {
                long n = m.get(org.nd4j.linalg.indexing.NDArrayIndex.point(o), org.nd4j.linalg.indexing.NDArrayIndex.point(c))
                        .sumNumber().longValue();
                in[o] += n;
                out[c] += n;
            }
        }
        LayerConnectivity l = ConnectivityReport.of(net, null).layers().get(0);
        assertSummarises(in, 4 * 9, l.inDegree());
        assertSummarises(out, 6 * 9, l.outDegree());
        assertNull(ConnectivityReport.of(net, null).input(), "no heat map for a convolution first layer");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ConnectivityReport.requireFits(net, ImageShape.of(8, 8, 4)));
        assertTrue(refused.getMessage().contains("'conv'") && refused.getMessage().contains("SparseConv2D"), refused.getMessage());
    }

    @Test
    void aGraphsFirstLayerIsTheOneReadingTheInput() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(2).graphBuilder()
                .addInputs("pixels")
                .addLayer("dense", new DenseLayer.Builder().nOut(5).build(), "sparse")
                .addLayer("sparse", new SparseLinear.Builder().nOut(7).sparsity(0.6).build(), "pixels")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out")
                .setInputTypes(InputType.convolutionalFlat(3, 4, 1))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        ConnectivityReport report = ConnectivityReport.of(graph, null);
        assertEquals("sparse", report.input().layer());
        assertEquals(12, report.input().counts().length);
        assertEquals(report.layers().get(0).inDegree().total(), report.input().total());
    }

    @Test
    void badShapesAndDegreesAreRefused() {
        assertEquals(ImageShape.of(28, 28, 1), ImageShape.parse("28x28"));
        assertEquals(ImageShape.of(32, 32, 3), ImageShape.parse("32X32x3"));
        for (String bad : new String[]{"28", "28x", "0x28", "axb", "28x28x1x1", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageShape.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") || e.getMessage().contains("0x28"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> DegreeSummary.of(new long[]{1, 5}, 4));
        assertThrows(IllegalArgumentException.class, () -> DegreeSummary.of(new long[0], 4));
        DegreeSummary s = DegreeSummary.of(new long[]{0, 0, 3, 100, 57}, 100);
        assertEquals(6, s.binWidth(), "ceil(101 / 20)");
        assertEquals(17, s.histogram().length);
        assertEquals(2, s.dead());
    }
}
