/**
 * A sparse layer type written outside dl4j-sparse, with its public API only ({@code SparseLayerConfig},
 * {@code SparseParamInitializer}, {@code SparseLayers}, {@code SparseMatrix}, {@code DelegatingSparseLayer}): the
 * proof that docs/sparse-layers.md's recipe works from another package. It passes the shared invariant suite through
 * its entry in {@code io.github.dl4jsparse.testutil.LayerKinds}.
 */
package org.example.sparselayer;
