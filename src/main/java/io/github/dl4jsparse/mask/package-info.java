/**
 * Mask maths with no network: exact-count random masks, exact counts over masks and weights,
 * {@link io.github.dl4jsparse.mask.Positions}, the validated sorted positions of a set of connections, and
 * {@link io.github.dl4jsparse.mask.SparsityFraction}, the one check of a sparsity that every layer, builder and
 * operation of the library applies.
 */
package io.github.dl4jsparse.mask;
