/**
 * Layer configurations: {@link io.github.dl4jsparse.layers.SparseLinear} (masked fully connected) and
 * {@link io.github.dl4jsparse.layers.SparseConv2D} (masked 2D convolution), their shared configuration contract
 * {@link io.github.dl4jsparse.layers.SparseLayerConfig} and the {@link io.github.dl4jsparse.layers.WeightStorage}s
 * that define their weight parameters.
 */
package io.github.dl4jsparse.layers;
