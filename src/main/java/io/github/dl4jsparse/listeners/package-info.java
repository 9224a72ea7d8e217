/** Training listeners: {@link io.github.dl4jsparse.listeners.SparsityListener} reports sparsity while training. */
package io.github.dl4jsparse.listeners;
