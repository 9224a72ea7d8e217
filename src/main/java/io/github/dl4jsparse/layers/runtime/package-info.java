/**
 * Runtime (forward and backward pass) of {@link io.github.dl4jsparse.layers.SparseLinear}: the layer
 * ({@link io.github.dl4jsparse.layers.runtime.SparseLinearLayer}) and its two weight storages
 * ({@code MaskedDenseWeights}, {@link io.github.dl4jsparse.layers.runtime.ActiveWeights}).
 */
package io.github.dl4jsparse.layers.runtime;
