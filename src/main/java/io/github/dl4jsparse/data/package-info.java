/** Data loading from local files: the IDX format and Fashion-MNIST, with no download at run time. */
package io.github.dl4jsparse.data;
