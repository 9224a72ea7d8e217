/**
 * Runtime (forward and backward pass) of the sparse layers: {@link io.github.dl4jsparse.layers.runtime.SparseLinearLayer},
 * {@link io.github.dl4jsparse.layers.runtime.SparseConv2DLayer} and
 * {@link io.github.dl4jsparse.layers.runtime.SparseLSTMLayer}; the runtime contract of one connection matrix,
 * {@link io.github.dl4jsparse.layers.runtime.SparseLayer}, and of a layer's matrices,
 * {@link io.github.dl4jsparse.layers.runtime.SparseMatrices}; the public helper every runtime layer (this library's or
 * one written outside it) delegates a matrix to, {@link io.github.dl4jsparse.layers.runtime.SparseMatrix}, with
 * {@link io.github.dl4jsparse.layers.runtime.DelegatingSparseLayer}; and the two weight storages underneath
 * ({@code MaskedDenseWeights}, {@link io.github.dl4jsparse.layers.runtime.ActiveWeights} with its position encoding
 * {@link io.github.dl4jsparse.layers.runtime.PositionIndex}).
 */
package io.github.dl4jsparse.layers.runtime;
