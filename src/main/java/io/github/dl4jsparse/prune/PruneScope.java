package io.github.dl4jsparse.prune;

/** How the pruning budget is spread over the layers. */
public enum PruneScope {
    /** Every layer loses the same fraction of its weights (the sparsity), each by its own magnitudes. */
    LAYERWISE,
    /** One magnitude ranking over the weights of all converted layers together; per-layer sparsities follow from it. */
    GLOBAL
}
