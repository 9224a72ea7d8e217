package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnipTest {

    static final int N_IN = 12;

    /** DenseLayer MLP or ConvolutionLayer CNN, 12 inputs, 4 classes. */
    static MultiLayerNetwork dense(String kind, long seed) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-2))
                .dataType(DataType.DOUBLE).list();
        if (kind.equals("CNN")) {
            b.layer(new ConvolutionLayer.Builder(2, 2).nOut(8).activation(Activation.RELU)
                    .convolutionMode(ConvolutionMode.Same).build());
        } else {
            b.layer(new DenseLayer.Builder().nOut(40).activation(Activation.RELU).build());
        }
        b.layer(new DenseLayer.Builder().nOut(30).activation(Activation.RELU).build());
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork net = new MultiLayerNetwork(b.setInputType(kind.equals("CNN")
                ? InputType.convolutionalFlat(2, 6, 1) : InputType.feedForward(N_IN)).build());
        net.init();
        return net;
    }

    /** The kept indices ('c' order) of each converted layer's mask. */
    static List<double[]> masks(MultiLayerNetwork sparse, List<Integer> targets) {
        List<double[]> out = new ArrayList<>();
        for (int i : targets) {
            out.add(Layers.mask(sparse.getLayer(i)).dup('c').castTo(DataType.DOUBLE).data().asDouble());
        }
        return out;
    }

    /** The mask that keeps the {@code keep} largest scores of all layers together, computed here without the library. */
    static List<double[]> topK(List<double[]> scores, long keep) {
        int total = scores.stream().mapToInt(s -> s.length).sum();
        double[] all = new double[total];
        int o = 0;
        for (double[] s : scores) {
            System.arraycopy(s, 0, all, o, s.length);
            o += s.length;
        }
        int[] order = IntStream.range(0, total).boxed()
                .sorted(Comparator.<Integer>comparingDouble(q -> all[q]).thenComparingInt(q -> q))
                .mapToInt(Integer::intValue).toArray();
        double[] mask = new double[total];
        for (int r = (int) (total - keep); r < total; r++) {
            mask[order[r]] = 1.0;
        }
        List<double[]> out = new ArrayList<>();
        o = 0;
        for (double[] s : scores) {
            out.add(Arrays.copyOfRange(mask, o, o + s.length));
            o += s.length;
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"MLP", "CNN"})
    void theMaskIsTheTopKOfGradientTimesWeightComputedDensely(String kind) {
        MultiLayerNetwork dense = dense(kind, 21);
        DataSet batch = TestData.classification(32, N_IN, 4, 5, DataType.DOUBLE);
        INDArray paramsBefore = dense.params().dup();
        MultiLayerNetwork sparse = Snip.toSparse(dense, batch, MaskBudget.global(0.8));
        assertEquals(0.0, TestData.maxAbsDiff(paramsBefore, dense.params()), "the dense network is not changed");

        // |dL/dW ⊙ W| of the dense network, straight from DL4J
        MultiLayerNetwork probe = dense.clone();
        probe.setInput(batch.getFeatures());
        probe.setLabels(batch.getLabels());
        probe.computeGradientAndScore();
        List<Integer> targets = List.of(0, 1);
        List<double[]> scores = new ArrayList<>();
        for (int i : targets) {
            INDArray s = probe.gradient().getGradientFor(i + "_W").mul(dense.getLayer(i).getParam("W")).dup('c');
            scores.add(Arrays.stream(s.data().asDouble()).map(Math::abs).toArray());
        }
        long connections = scores.stream().mapToLong(s -> s.length).sum();
        long keep = connections - Math.round(0.8 * connections);
        List<double[]> expected = topK(scores, keep);
        List<double[]> actual = masks(sparse, targets);
        for (int t = 0; t < targets.size(); t++) {
            assertArrayEquals(expected.get(t), actual.get(t), "layer " + t);
        }
        // initial weights kept at the chosen connections, exact zeros elsewhere
        for (int i : targets) {
            INDArray w = dense.getLayer(i).getParam("W");
            INDArray m = Layers.mask(sparse.getLayer(i));
            assertEquals(0.0, TestData.maxAbsDiff(w.mul(m), Layers.weights(sparse.getLayer(i))));
        }
        assertEquals(keep, SparsityReport.of(sparse).activeConnections());
    }

    @Test
    void layerwiseAndErkBudgetsGiveExactCountsPerLayer() {
        MultiLayerNetwork dense = dense("MLP", 3);
        DataSet batch = TestData.classification(16, N_IN, 4, 6, DataType.DOUBLE);
        MultiLayerNetwork layerwise = Snip.toSparse(dense, batch, MaskBudget.layerwise(0.7));
        for (LayerSparsity l : SparsityReport.of(layerwise).layers()) {
            assertEquals(Math.round(0.7 * l.connections()), l.maskZeros(), l.name());
        }
        SparsityDistribution erk = SparsityDistribution.erk(0.7).build();
        MultiLayerNetwork erkNet = Snip.toSparse(dense, batch, MaskBudget.perLayer(erk));
        List<SparsityDistribution.LayerShape> shapes = List.of(new SparsityDistribution.LayerShape("0", N_IN, 40),
                new SparsityDistribution.LayerShape("1", 40, 30));
        var expected = erk.sparsities(shapes);
        List<LayerSparsity> layers = SparsityReport.of(erkNet).layers();
        for (int t = 0; t < 2; t++) {
            assertEquals(Math.round(expected.get(String.valueOf(t)) * layers.get(t).connections()),
                    layers.get(t).maskZeros(), "ERK layer " + t);
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"MLP, SNIP", "CNN, SNIP", "MLP, SynFlow", "CNN, SynFlow"})
    void theSparseNetworkTrainsWithFitAndKeepsItsMask(String kind, String method) {
        MultiLayerNetwork dense = dense(kind, 8);
        MultiLayerNetwork sparse = method.equals("SNIP")
                ? Snip.toSparse(dense, TestData.classification(16, N_IN, 4, 1, DataType.DOUBLE), MaskBudget.global(0.9))
                : SynFlow.toSparse(dense, MaskBudget.global(0.9), 20);
        List<long[]> before = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            before.add(((SparseLayer) sparse.getLayer(i)).activePositions());
        }
        for (int s = 0; s < 20; s++) {
            sparse.fit(TestData.classification(16, N_IN, 4, 100 + s, DataType.DOUBLE));
        }
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(before.get(i), ((SparseLayer) sparse.getLayer(i)).activePositions());
            INDArray m = Layers.mask(sparse.getLayer(i));
            assertEquals(0.0, Layers.weights(sparse.getLayer(i)).mul(m.rsub(1.0)).amaxNumber().doubleValue(), "leak");
        }
        assertEquals(0, SparsityReport.of(sparse).leaks());
        assertTrue(sparse.score() < 10.0 && Double.isFinite(sparse.score()));
    }

    @Test
    void aSnipNetworkSavesAndRestoresWithItsMasks(@org.junit.jupiter.api.io.TempDir java.io.File dir) throws Exception {
        MultiLayerNetwork sparse = Snip.toSparse(dense("CNN", 4), TestData.classification(16, N_IN, 4, 2, DataType.DOUBLE),
                MaskBudget.layerwise(0.75));
        DataSet data = TestData.classification(16, N_IN, 4, 3, DataType.DOUBLE);
        for (int s = 0; s < 5; s++) {
            sparse.fit(data);
        }
        java.io.File file = new java.io.File(dir, "snip.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(sparse, file, true);
        MultiLayerNetwork restored = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(file, true);
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(((SparseLayer) sparse.getLayer(i)).activePositions(),
                    ((SparseLayer) restored.getLayer(i)).activePositions());
        }
        assertEquals(0.0, TestData.maxAbsDiff(sparse.output(data.getFeatures()), restored.output(data.getFeatures())));
        sparse.fit(data);
        restored.fit(data);
        assertEquals(0.0, TestData.maxAbsDiff(sparse.params(), restored.params()), "training resumes identically");
    }

    @Test
    void nonFiniteInputsOrWeightsAreRefusedNamingTheCountAndPosition() {
        MultiLayerNetwork dense = dense("MLP", 1);
        DataSet batch = TestData.classification(16, N_IN, 4, 6, DataType.DOUBLE);
        batch.getFeatures().putScalar(0, 0, Double.NaN);
        batch.getFeatures().putScalar(3, 2, Double.POSITIVE_INFINITY);
        for (MaskBudget budget : new MaskBudget[]{MaskBudget.global(0.9), MaskBudget.layerwise(0.9)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Snip.toSparse(dense, batch, budget));
            assertTrue(e.getMessage().contains("minibatch features hold 2 non-finite value(s)")
                    && e.getMessage().contains("at flat position 0"), e.getMessage());
        }
        DataSet clean = TestData.classification(16, N_IN, 4, 6, DataType.DOUBLE);
        org.deeplearning4j.nn.api.Layer first = dense.getLayer(0);
        first.getParam("W").putScalar(1, 1, Double.NaN);
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> Snip.toSparse(dense, clean, MaskBudget.global(0.9)));
        assertTrue(weights.getMessage().contains("weights W hold 1 non-finite"), weights.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.toSparse(dense, 0.9));
        assertThrows(IllegalArgumentException.class, () -> SynFlow.toSparse(dense, MaskBudget.global(0.9), 1));
    }

    @Test
    void aMinibatchOrWeightsThatGiveNoSignalAreRefusedNamingTheLayer() {
        MultiLayerNetwork dense = dense("MLP", 1);
        DataSet noInputs = TestData.classification(16, N_IN, 4, 6, DataType.DOUBLE);
        noInputs.getFeatures().assign(0);
        IllegalArgumentException inputs = assertThrows(IllegalArgumentException.class,
                () -> Snip.toSparse(dense, noInputs, MaskBudget.global(0.9)));
        assertTrue(inputs.getMessage().contains("SNIP's sensitivities |dL/dw · w| of layer '"
                + dense.getLayer(0).conf().getLayer().getLayerName() + "' weights W are all 0")
                && inputs.getMessage().contains("inputs all 0"), inputs.getMessage());

        dense.getLayer(1).getParam("W").assign(0);
        DataSet clean = TestData.classification(16, N_IN, 4, 6, DataType.DOUBLE);
        for (Runnable conversion : new Runnable[]{() -> MagnitudePruning.toSparse(dense, 0.9),
                () -> Snip.toSparse(dense, clean, MaskBudget.layerwise(0.9)),
                () -> SynFlow.toSparse(dense, MaskBudget.layerwise(0.9), 1)}) {
            IllegalArgumentException zeros = assertThrows(IllegalArgumentException.class, conversion::run);
            assertTrue(zeros.getMessage().contains("weights W are all 0")
                    && zeros.getMessage().contains("every connection would tie"), zeros.getMessage());
        }
    }

    @Test
    void badInputIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Snip.toSparse(dense("MLP", 1), null, MaskBudget.global(0.9)));
        assertTrue(e.getMessage().contains("one minibatch with features and labels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> MaskBudget.global(1.5));
        assertTrue(e.getMessage().contains("sparsity must be in [0, 1), got 1.5"), e.getMessage());
    }
}
