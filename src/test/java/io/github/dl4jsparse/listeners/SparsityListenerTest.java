package io.github.dl4jsparse.listeners;

import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.CapturedOutput;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityListenerTest {

    private static final DataSet DATA = TestData.classification(40, Nets.N_IN, Nets.CLASSES, 2, DataType.FLOAT);

    private static MultiLayerNetwork net() {
        return Nets.mlp(new NeuralNetConfiguration.Builder().seed(1), true, 0.75);
    }

    @Test
    void measuresEveryNIterationsAndAtEpochEnd() {
        MultiLayerNetwork net = net();
        SparsityListener listener = new SparsityListener(3);
        net.setListeners(listener);
        assertNull(listener.latest());
        // one epoch of 10 minibatches: iterations 0..9, measured at 0, 3, 6, 9, plus the epoch end
        net.fit(new ListDataSetIterator<>(DATA.asList(), 4));
        List<SparsityReport> reports = listener.reports();
        assertEquals(5, reports.size());
        assertEquals(0.75, listener.latest().maskSparsity(), 1e-12);
        assertEquals(0, listener.latest().leaks());
        assertEquals(SparsityReport.of(net).globalLine(), listener.latest().globalLine(), "the last report is the end state");
        assertEquals(SparsityReport.of(net).layerLines(), listener.latest().layerLines());
    }

    @Test
    void keepsOnlyTheLastReports() {
        MultiLayerNetwork net = net();
        SparsityListener listener = new SparsityListener(1, 4);
        net.setListeners(listener);
        for (int i = 0; i < 25; i++) {
            net.fit(DATA);
        }
        assertEquals(4, listener.reports().size());
        // iterationDone runs before DL4J counts the iteration: the last one measured is the 25th, index 24
        assertEquals(24, listener.latest().iteration());
        assertEquals(25, net.getIterationCount());
        assertTrue(listener.reports().get(0).iteration() < listener.latest().iteration(), "oldest first");
    }

    @Test
    void logsOneLinePerLayerAndAGlobalLine() {
        String log = CapturedOutput.stderr(() -> {
            MultiLayerNetwork net = net();
            net.setListeners(new SparsityListener(1));
            net.fit(DATA);
        });
        assertTrue(log.contains("layer layer0 [5x8]: mask sparsity 0.7500"), log);
        assertTrue(log.contains("layer layer1 [8x6]: mask sparsity 0.7500"), log);
        assertTrue(log.contains("global: mask sparsity 0.7500"), log);
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SparsityListener(0));
        assertTrue(e.getMessage().contains("frequency") && e.getMessage().contains("0"));
        e = assertThrows(IllegalArgumentException.class, () -> new SparsityListener(1, -1));
        assertTrue(e.getMessage().contains("capacity") && e.getMessage().contains("-1"));
    }
}
