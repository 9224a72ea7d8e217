/**
 * Mask maths with no network: exact-count random masks, exact counts over masks and weights, and
 * {@link io.github.dl4jsparse.mask.Positions}, the validated sorted positions of a set of connections.
 */
package io.github.dl4jsparse.mask;
