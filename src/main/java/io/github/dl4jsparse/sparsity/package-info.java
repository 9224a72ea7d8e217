/** Measuring a network's sparsity: {@link io.github.dl4jsparse.sparsity.SparsityReport}. */
package io.github.dl4jsparse.sparsity;
