/**
 * Sparse neural-network training from scratch for Deeplearning4j; start with
 * {@link io.github.dl4jsparse.layers.SparseLinear}.
 */
package io.github.dl4jsparse;
