/**
 * Sparse products on the active connections only ({@link io.github.dl4jsparse.kernels.CscMatrix},
 * {@link io.github.dl4jsparse.kernels.SparseKernels}), used by {@code SparseLinear}'s active storage at high sparsity.
 */
package io.github.dl4jsparse.kernels;
