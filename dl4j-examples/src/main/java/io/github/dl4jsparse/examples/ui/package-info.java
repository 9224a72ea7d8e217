/** The DL4J training UI with the Sparsity page: live during training, and from a saved stats file. */
package io.github.dl4jsparse.examples.ui;
