/** Runnable examples; {@link io.github.dl4jsparse.examples.SeedExperiment} is the README's main job. */
package io.github.dl4jsparse.examples;
