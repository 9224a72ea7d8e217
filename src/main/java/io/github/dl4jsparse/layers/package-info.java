/** Layer configurations: {@link io.github.dl4jsparse.layers.SparseLinear}, the masked fully connected layer. */
package io.github.dl4jsparse.layers;
