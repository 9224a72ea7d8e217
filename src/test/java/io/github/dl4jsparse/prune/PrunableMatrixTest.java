package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The weight matrices a conversion prunes per dense layer type, and the names distributions give them. */
class PrunableMatrixTest {

    @Test
    void anLstmHasItsInputAndRecurrentMatricesAlsoInsideLastTimeStep() {
        LSTM lstm = new LSTM.Builder().nIn(3).nOut(5).build();
        for (org.deeplearning4j.nn.conf.layers.Layer layer : List.of(lstm, new LastTimeStep(lstm))) {
            List<PrunableMatrix> matrices = PrunableMatrix.of(layer);
            assertEquals(List.of("W", "RW"), PrunableMatrix.keysOf(layer));
            SparsityDistribution.LayerShape w = matrices.get(0).shape("lstm");
            SparsityDistribution.LayerShape rw = matrices.get(1).shape("lstm");
            assertEquals("lstm/W", w.name());
            assertEquals(3, w.nIn());
            assertEquals(20, w.nOut());
            assertEquals("lstm/RW", rw.name());
            assertEquals(5, rw.nIn());
            assertEquals(20, rw.nOut());
        }
    }

    @Test
    void denseAndConvolutionLayersHaveOneMatrixNamedAsTheLayer() {
        PrunableMatrix dense = PrunableMatrix.of(new DenseLayer.Builder().nIn(4).nOut(7).build()).get(0);
        assertEquals("W", dense.key());
        assertEquals("fc", dense.shape("fc").name());
        assertEquals(4, dense.shape("fc").nIn());
        assertEquals(7, dense.shape("fc").nOut());
        assertArrayEquals(new long[0], dense.shape("fc").kernel());

        List<PrunableMatrix> conv = PrunableMatrix.of(new ConvolutionLayer.Builder(3, 2).nIn(2).nOut(6).build());
        assertEquals(1, conv.size());
        SparsityDistribution.LayerShape shape = conv.get(0).shape("conv");
        assertEquals("conv", shape.name());
        assertEquals(2, shape.nIn());
        assertEquals(6, shape.nOut());
        assertArrayEquals(new long[]{3, 2}, shape.kernel());
    }
}
