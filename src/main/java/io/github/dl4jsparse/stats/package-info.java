/**
 * Sparsity figures as DL4J stats records ({@code Persistable}): what {@code SparsityListener} posts to a
 * {@code StatsStorageRouter} ({@code InMemoryStatsStorage}, {@code FileStatsStorage}, the remote router) and what the
 * UI's Sparsity page reads. Needs only {@code deeplearning4j-core}.
 */
package io.github.dl4jsparse.stats;
