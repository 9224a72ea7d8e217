/**
 * Layer-wise sparsity distributions from one global target:
 * {@link io.github.dl4jsparse.distribution.SparsityDistribution} (uniform, Erdős–Rényi-Kernel), applied to a
 * configuration before the network is initialised.
 */
package io.github.dl4jsparse.distribution;
