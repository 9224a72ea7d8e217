package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.layers.MatrixParamKeys;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * How a weight storage reaches the parameters of the runtime layer that owns it.
 *
 * @param param      a parameter's view by key
 * @param gradient   a parameter's gradient view by key
 * @param name       the layer's name for messages
 * @param matrixView the connection matrix {@code [rows, cols]} (column-major positions) as a view of a dense weight
 *                   parameter or its gradient: the array itself for {@code [nIn, nOut]}, a reshaped transpose for a
 *                   kernel {@code [nOut, nIn, kH, kW]}
 * @param keys       the keys of the connection matrix's parameters
 */
record LayerParams(Function<String, INDArray> param, Function<String, INDArray> gradient, Supplier<String> name,
                   UnaryOperator<INDArray> matrixView, MatrixParamKeys keys) {
}
