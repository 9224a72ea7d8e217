package io.github.dl4jsparse.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparseCounterpartsTest {

    @Test
    void onlyTheExactDenseClassesHaveACounterpart() {
        assertTrue(SparseCounterparts.hasCounterpart(new DenseLayer.Builder().nOut(3).build()));
        assertTrue(SparseCounterparts.hasCounterpart(new ConvolutionLayer.Builder(3, 3).nOut(3).build()));
        assertTrue(SparseCounterparts.hasCounterpart(new LastTimeStep(new LSTM.Builder().nOut(3).build())));
        assertFalse(SparseCounterparts.hasCounterpart(new OutputLayer.Builder().nOut(3).build()));
        assertFalse(SparseCounterparts.hasCounterpart(new DepthwiseConvolution2D.Builder(3, 3).nOut(3).build()));
        assertFalse(SparseCounterparts.hasCounterpart(new Convolution1DLayer.Builder(3).nOut(3).build()));
    }

    @Test
    void replaceSwapsTheLayerAndRefusesWhatItCannot() {
        NeuralNetConfiguration conv = new NeuralNetConfiguration.Builder()
                .layer(new ConvolutionLayer.Builder(5, 3).nIn(2).nOut(4).stride(2, 1).activation(Activation.TANH)
                        .name("c1").build()).build();
        SparseCounterparts.replace(conv, 0.7);
        SparseConv2D sparse = assertInstanceOf(SparseConv2D.class, conv.getLayer());
        assertEquals("c1", sparse.getLayerName());
        assertEquals(0.7, sparse.getSparsity(), 0.0);
        assertEquals(5, sparse.getKernelSize()[0]);
        assertEquals(2, sparse.getStride()[0]);

        NeuralNetConfiguration lstm = new NeuralNetConfiguration.Builder()
                .layer(new LSTM.Builder().nIn(3).nOut(4).name("r").build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparseCounterparts.replace(lstm, 0.5));
        assertTrue(e.getMessage().contains("2 connection matrices"), e.getMessage());
        NeuralNetConfiguration output = new NeuralNetConfiguration.Builder()
                .layer(new OutputLayer.Builder().nIn(3).nOut(4).name("o").build()).build();
        e = assertThrows(IllegalArgumentException.class, () -> SparseCounterparts.replace(output, 0.5));
        assertTrue(e.getMessage().contains("OutputLayer") && e.getMessage().contains("no sparse counterpart"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SparseCounterparts.of(
                new DenseLayer.Builder().nIn(3).nOut(4).build(), 1.0), "a sparsity of 1 is refused at build");
    }
}
