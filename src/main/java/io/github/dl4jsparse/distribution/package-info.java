/**
 * Layer-wise sparsity distributions from one global target:
 * {@link io.github.dl4jsparse.distribution.SparsityDistribution} (uniform, Erdős–Rényi-Kernel), applied to a
 * configuration before the network is initialised; and {@link io.github.dl4jsparse.distribution.SparseTwin}, the sparse
 * twin of any dense configuration with such a distribution, built without the dense weights.
 */
package io.github.dl4jsparse.distribution;
