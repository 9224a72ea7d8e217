/**
 * Dynamic sparse training: {@link io.github.dl4jsparse.dynamic.PruneRegrowListener} prunes and regrows the
 * connections of {@code SparseLinear} layers during {@code fit()} (SET, RigL) on a
 * {@link io.github.dl4jsparse.dynamic.PruneRegrowSchedule}.
 */
package io.github.dl4jsparse.dynamic;
