/**
 * Where a sparse network's connections are: per-layer in- and out-degree summaries with dead units
 * ({@link io.github.dl4jsparse.connectivity.ConnectivityReport}) and, for a first layer that reads an image, the
 * number of active connections per input position ({@link io.github.dl4jsparse.connectivity.InputConnectivity}).
 * {@code SparsityListener} posts them to the UI's Sparsity page.
 */
package io.github.dl4jsparse.connectivity;
