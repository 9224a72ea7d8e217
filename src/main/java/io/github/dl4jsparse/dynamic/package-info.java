/**
 * Dynamic sparse training: {@link io.github.dl4jsparse.dynamic.PruneRegrowListener} prunes and regrows the
 * connections of every sparse layer ({@code SparseLinear}, {@code SparseConv2D}) during {@code fit()} on a
 * {@link io.github.dl4jsparse.dynamic.PruneRegrowSchedule}, growing where a
 * {@link io.github.dl4jsparse.dynamic.GrowthCriterion} chooses: SET, RigL, or your own.
 */
package io.github.dl4jsparse.dynamic;
