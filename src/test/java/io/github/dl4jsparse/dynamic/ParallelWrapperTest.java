package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.ActiveWeights;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DL4J's {@code ParallelWrapper} (parameter averaging): static masks stay exact; a {@link PruneRegrowListener}, which
 * ParallelWrapper would hand to every worker, is refused with a clear error instead of silently mixing connections.
 */
class ParallelWrapperTest {

    private static ParallelWrapper wrapper(MultiLayerNetwork net) {
        return new ParallelWrapper.Builder<>(net).workers(3).averagingFrequency(4).prefetchBuffer(0).build();
    }

    @Test
    void staticMasksStayExactUnderParameterAveraging() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.9, WeightStorage.ACTIVE);
        List<INDArray> before = new ArrayList<>();
        for (Layer l : net.getLayers()) {
            if (l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY) != null) {
                before.add(l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY).dup());
            }
        }
        INDArray params = net.params().dup();
        List<DataSet> data = PruneRegrowListenerTest.batches(24, 5);
        ParallelWrapper pw = wrapper(net);
        pw.fit(new ListDataSetIterator<>(data, 1));
        pw.fit(new ListDataSetIterator<>(data, 1));
        pw.shutdown();

        assertNotEquals(params, net.params(), "the network trained");
        int i = 0;
        for (Layer l : net.getLayers()) {
            INDArray index = l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
            if (index != null) {
                SparseLayerConfig conf = (SparseLayerConfig) l.conf().getLayer();
                ActiveWeights.requireValidIndex("after", index, conf.connectionRows(), conf.connectionColumns());
                assertEquals(before.get(i++), index, "positions unchanged");
            }
        }
        SparsityReport report = SparsityReport.of(net);
        assertEquals(0, report.leaks());
        report.layers().forEach(l -> assertEquals(Math.round(0.9 * l.connections()), l.maskZeros(), l.name()));
    }

    @Test
    void aPruneRegrowListenerSharedByTheWorkersIsRefused() {
        MultiLayerNetwork net = PruneRegrowListenerTest.mlp(3, new Adam(1e-2), 0.9, WeightStorage.ACTIVE);
        net.setListeners(PruneRegrowListener.rigl().deltaT(4).plannedIterations(40).build());
        ParallelWrapper pw = wrapper(net);
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> pw.fit(new ListDataSetIterator<>(PruneRegrowListenerTest.batches(24, 6), 1)));
        Throwable cause = e;
        while (cause != null && !(cause instanceof IllegalStateException && cause.getMessage() != null
                && cause.getMessage().contains("ParallelWrapper"))) {
            cause = cause.getCause();
        }
        assertTrue(cause != null, "the error says what happened: " + e);
        assertTrue(cause.getMessage().contains("give each network its own PruneRegrowListener"), cause.getMessage());
        try {
            pw.shutdown();
        } catch (RuntimeException ignored) {
            // the workers already stopped on the error
        }
        for (Layer l : net.getLayers()) {
            INDArray index = l.getParam(SparseLayerConfig.ACTIVE_INDEX_KEY);
            if (index != null) {
                SparseLayerConfig conf = (SparseLayerConfig) l.conf().getLayer();
                ActiveWeights.requireValidIndex("after", index, conf.connectionRows(), conf.connectionColumns());
            }
        }
    }
}
