/** Mask maths with no network: exact-count random masks and exact counts over masks and weights. */
package io.github.dl4jsparse.mask;
