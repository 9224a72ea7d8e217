/**
 * Layer configurations: {@link io.github.dl4jsparse.layers.SparseLinear} (masked fully connected),
 * {@link io.github.dl4jsparse.layers.SparseConv2D} (masked 2D convolution) and
 * {@link io.github.dl4jsparse.layers.SparseLSTM} (masked input and recurrent weights); the configuration contract of
 * one connection matrix, {@link io.github.dl4jsparse.layers.SparseLayerConfig}, with its parameter keys
 * ({@link io.github.dl4jsparse.layers.MatrixParamKeys}); the {@link io.github.dl4jsparse.layers.WeightStorage}s that
 * define the weight parameters; and what a sparse layer type written outside the library builds on:
 * {@link io.github.dl4jsparse.layers.SparseParamInitializer} and {@link io.github.dl4jsparse.layers.SparseLayers}
 * (recipe in docs/sparse-layers.md).
 */
package io.github.dl4jsparse.layers;
