/**
 * Runtime (forward and backward pass) of the sparse layers: {@link io.github.dl4jsparse.layers.runtime.SparseLinearLayer}
 * and {@link io.github.dl4jsparse.layers.runtime.SparseConv2DLayer}, their shared runtime contract
 * {@link io.github.dl4jsparse.layers.runtime.SparseLayer}, and the two weight storages they hold their weights through
 * ({@code MaskedDenseWeights}, {@link io.github.dl4jsparse.layers.runtime.ActiveWeights}).
 */
package io.github.dl4jsparse.layers.runtime;
