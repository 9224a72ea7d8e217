/** Tests that keep watch on behaviour of DL4J 1.0.0-M2.1 itself that this library depends on or works around. */
package io.github.dl4jsparse.dl4j;
