package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.sparsity.SparsityReport;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One prune-and-regrow update of a whole network.
 *
 * @param iteration DL4J's 0-based iteration after which it happened
 * @param layers    per {@code SparseLinear} layer, in network order
 * @param after     the network's sparsity right after the update
 */
public record MaskUpdate(long iteration, List<LayerUpdate> layers, SparsityReport after) {

    public MaskUpdate {
        layers = List.copyOf(layers);
    }

    /** @return connections dropped over all layers (equal to those grown) */
    public long dropped() {
        return layers.stream().mapToLong(LayerUpdate::dropped).sum();
    }

    /** @return connections grown over all layers */
    public long grown() {
        return layers.stream().mapToLong(LayerUpdate::grown).sum();
    }

    @Override
    public String toString() {
        return "prune-and-regrow after iteration " + iteration + ": "
                + layers.stream().map(LayerUpdate::toString).collect(Collectors.joining("; "))
                + " | " + after.globalLine();
    }
}
