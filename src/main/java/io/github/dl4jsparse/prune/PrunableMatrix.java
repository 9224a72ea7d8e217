package io.github.dl4jsparse.prune;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.params.LSTMParamInitializer;

import java.util.List;

/**
 * One weight matrix that a conversion ({@link MagnitudePruning}, {@link Snip}, {@link SynFlow}) prunes in a dense
 * layer: the key of its parameter and its shape. A {@code DenseLayer} or {@code ConvolutionLayer} has one ({@code W});
 * an {@code LSTM} has two, its input weights {@code W} [nIn, 4·nOut] and recurrent weights {@code RW} [nOut, 4·nOut].
 *
 * @param key     the parameter key ({@code W} or {@code RW})
 * @param rows    the matrix's inputs (nIn, or nOut for {@code RW})
 * @param columns the matrix's outputs (nOut, or 4·nOut for an LSTM)
 * @param kernel  the kernel sizes of a convolution, empty otherwise
 * @param ofMany  whether the layer holds more than one such matrix (then distributions name it {@code layer/key})
 */
record PrunableMatrix(String key, long rows, long columns, long[] kernel, boolean ofMany) {

    /** @return the matrices of {@code layer} (inside {@code LastTimeStep} too), in the order masks are given */
    static List<PrunableMatrix> of(Layer layer) {
        Layer inner = MagnitudePruning.inner(layer);
        FeedForwardLayer f = (FeedForwardLayer) inner;
        if (inner.getClass() == LSTM.class) {
            return List.of(
                    new PrunableMatrix(LSTMParamInitializer.INPUT_WEIGHT_KEY, f.getNIn(), 4 * f.getNOut(),
                            new long[0], true),
                    new PrunableMatrix(LSTMParamInitializer.RECURRENT_WEIGHT_KEY, f.getNOut(), 4 * f.getNOut(),
                            new long[0], true));
        }
        long[] kernel = inner instanceof ConvolutionLayer c
                ? new long[]{c.getKernelSize()[0], c.getKernelSize()[1]} : new long[0];
        return List.of(new PrunableMatrix(DefaultParamInitializer.WEIGHT_KEY, f.getNIn(), f.getNOut(), kernel, false));
    }

    /** @return the parameter keys of {@code layer}'s matrices, in the order masks are given */
    static List<String> keysOf(Layer layer) {
        return of(layer).stream().map(PrunableMatrix::key).toList();
    }

    /**
     * @param layerName the layer's name
     * @return this matrix as {@link SparsityDistribution#applyTo} names it: {@code layerName}, or
     *         {@code layerName/key} in a layer with several matrices
     */
    SparsityDistribution.LayerShape shape(String layerName) {
        return new SparsityDistribution.LayerShape(ofMany ? layerName + "/" + key : layerName, rows, columns, kernel);
    }
}
