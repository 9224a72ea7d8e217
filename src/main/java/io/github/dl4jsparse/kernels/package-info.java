/**
 * Sparse products on the active connections only: {@link io.github.dl4jsparse.kernels.SparsePattern} (which
 * connections, indexed by column and by row) and {@link io.github.dl4jsparse.kernels.SparseKernels} (forward, input
 * gradient and weight gradient, float and double, multi-threaded, on the Vector API when it is present), used by
 * {@code SparseLinear}'s active storage wherever {@link io.github.dl4jsparse.kernels.ProductRoute} picks them.
 */
package io.github.dl4jsparse.kernels;
