/** Ready-made network configurations: the reference article's {@link io.github.dl4jsparse.models.SparseMlp} and a LeNet-5 style CNN, {@link io.github.dl4jsparse.models.SparseLeNet5}. */
package io.github.dl4jsparse.models;
