/** Runtime (forward and backward pass) implementations of the layer configurations. */
package io.github.dl4jsparse.layers.runtime;
