package io.github.dl4jsparse.connectivity;

/**
 * The degrees of one sparse layer's units.
 *
 * @param name      the layer's name (its index in a MultiLayerNetwork without names)
 * @param inDegree  over the output units (channels of a convolution): active connections into each
 * @param outDegree over the input units (input channels of a convolution): active connections out of each
 */
public record LayerConnectivity(String name, DegreeSummary inDegree, DegreeSummary outDegree) {
}
