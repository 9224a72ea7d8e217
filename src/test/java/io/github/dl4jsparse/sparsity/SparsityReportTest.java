package io.github.dl4jsparse.sparsity;

import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.testutil.Nets;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityReportTest {

    /** Counts by hand, one element at a time, independently of the report's own counting. */
    private static long count(INDArray a, java.util.function.DoublePredicate p) {
        long n = 0;
        for (long i = 0; i < a.length(); i++) {
            if (p.test(a.getDouble(i))) {
                n++;
            }
        }
        return n;
    }

    @Test
    void figuresEqualADirectCount() {
        // dense storage, where a leak can be written into the parameters
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(3), true, 0.6, WeightStorage.DENSE);
        Layer l0 = net.getLayer(0);
        // make two real zeros among the active weights, and one leak
        INDArray w0 = l0.getParam(SparseLinear.WEIGHT_KEY);
        INDArray m0 = l0.getParam(SparseLinear.WEIGHT_MASK_KEY);
        int made = 0;
        for (long i = 0; i < w0.length() && made < 2; i++) {
            if (m0.getDouble(i) == 1.0) {
                w0.putScalar(i, 0.0);
                made++;
            }
        }
        for (long i = 0; i < w0.length(); i++) {
            if (m0.getDouble(i) == 0.0) {
                w0.putScalar(i, 0.25);
                break;
            }
        }

        SparsityReport report = SparsityReport.of(net);
        assertEquals(2, report.layers().size());
        long connections = 0;
        long maskZeros = 0;
        long weightZeros = 0;
        for (int i = 0; i < 2; i++) {
            LayerSparsity l = report.layers().get(i);
            INDArray w = net.getLayer(i).getParam(SparseLinear.WEIGHT_KEY); // raw W, leak included
            INDArray m = net.getLayer(i).getParam(SparseLinear.WEIGHT_MASK_KEY);
            assertEquals("layer" + i, l.name());
            assertEquals(w.length(), l.connections());
            assertEquals(count(m, v -> v == 0.0), l.maskZeros());
            assertEquals(count(w, v -> v == 0.0), l.weightZeros());
            assertEquals(count(m, v -> v == 1.0), l.activeConnections());
            connections += l.connections();
            maskZeros += l.maskZeros();
            weightZeros += l.weightZeros();
        }
        assertEquals(1, report.layers().get(0).leaks());
        assertEquals(0, report.layers().get(1).leaks());
        assertEquals(1, report.leaks());
        assertEquals(Math.round(0.6 * 5 * 8), report.layers().get(0).maskZeros());
        assertEquals((double) maskZeros / connections, report.maskSparsity(), 1e-15);
        assertEquals((double) weightZeros / connections, report.weightSparsity(), 1e-15);

        INDArray outW = net.getLayer(2).getParam("W");
        assertEquals(connections + outW.length(), report.networkWeights());
        assertEquals((double) (weightZeros + count(outW, v -> v == 0.0)) / report.networkWeights(),
                report.networkWeightSparsity(), 1e-15);
        long masks = 5 * 8 + 8 * 6;
        assertEquals(net.numParams() - masks, report.trainableParameters());
        assertEquals(report.trainableParameters() - maskZeros, report.activeParameters());
    }

    @Test
    void computationGraphLayersAreNamed() {
        ComputationGraph graph = Nets.graph(new NeuralNetConfiguration.Builder().seed(3), true, 0.5);
        SparsityReport report = SparsityReport.of(graph);
        assertEquals(List.of("h1", "h2"), report.layers().stream().map(LayerSparsity::name).toList());
        assertEquals(0.5, report.maskSparsity(), 1e-12);
        assertEquals(0, report.leaks());
    }

    @Test
    void nonBinaryMaskIsAnErrorNotAFigure() {
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(3), true, 0.5, WeightStorage.DENSE);
        net.getLayer(1).getParam(SparseLinear.WEIGHT_MASK_KEY).putScalar(3, 2.0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparsityReport.of(net));
        assertTrue(e.getMessage().contains("layer1") && e.getMessage().contains("2.0"), e.getMessage());
    }

    @Test
    void denseNetworkHasNoSparseLayers() {
        SparsityReport report = SparsityReport.of(Nets.mlp(new NeuralNetConfiguration.Builder().seed(3), false, 0.0));
        assertTrue(report.layers().isEmpty());
        assertTrue(Double.isNaN(report.maskSparsity()));
        assertEquals(report.trainableParameters(), report.activeParameters());
    }

    @Test
    void rejectsOtherModels() {
        assertThrows(IllegalArgumentException.class, () -> SparsityReport.of((org.deeplearning4j.nn.api.Model) null));
    }

    @Test
    void toStringHasOneLinePerLayerAndAGlobalLine() {
        String s = SparsityReport.of(Nets.mlp(new NeuralNetConfiguration.Builder().seed(3), true, 0.5)).toString();
        assertTrue(s.contains("layer layer0 [5x8]: mask sparsity 0.5000") && s.contains("global: mask sparsity 0.5000"), s);
    }

    @org.junit.jupiter.api.Test
    void anUninitialisedNetworkOrOneWithoutSparseLayersIsSaidSo() {
        org.deeplearning4j.nn.conf.MultiLayerConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration
                .Builder().list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(3).nOut(2).build()).build();
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(conf);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> SparsityReport.of(net));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("not initialised")
                && e.getMessage().contains("init()"), e.getMessage());
        net.init();
        String line = SparsityReport.of(net).globalLine();
        org.junit.jupiter.api.Assertions.assertTrue(line.contains("no sparse layer") && !line.contains("NaN"), line);
    }
}
