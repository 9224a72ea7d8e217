/**
 * The DL4J training UI's Sparsity page: {@link io.github.dl4jsparse.ui.SparsityModule}, registered with DL4J's
 * {@code UIServer} through the service loader. Needs {@code deeplearning4j-ui} on the classpath (an optional
 * dependency of this library); {@link io.github.dl4jsparse.ui.SparsityPageData} needs only the core.
 */
package io.github.dl4jsparse.ui;
