/**
 * Model files: {@link io.github.dl4jsparse.io.ModelFiles} restores a network written by DL4J's {@code ModelSerializer}
 * only from a complete file, and names the file and what is wrong with it otherwise.
 */
package io.github.dl4jsparse.io;
