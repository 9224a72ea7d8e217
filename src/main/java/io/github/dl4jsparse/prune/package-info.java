/** Dense → prune → fine-tune: turning a trained dense network into a sparse one by weight magnitude. */
package io.github.dl4jsparse.prune;
