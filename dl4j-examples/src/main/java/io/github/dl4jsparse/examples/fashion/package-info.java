/** The Fashion-MNIST experiment: dense vs sparse from scratch vs dense → prune → fine-tune, with curves and plots. */
package io.github.dl4jsparse.examples.fashion;
