/** Ready-made network configurations, such as the reference article's {@link io.github.dl4jsparse.models.SparseMlp}. */
package io.github.dl4jsparse.models;
