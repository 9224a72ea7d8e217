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

    /** @return true if no layer dropped or grew a connection (its drop fraction rounded to none in every layer) */
    public boolean movedNothing() {
        return dropped() == 0 && grown() == 0;
    }

    /**
     * @return e.g. {@code prune-and-regrow after iteration 99: fc1: -3400/+3400 of ...; fc2: ... | global: ...}, or,
     *         for an update that moved nothing, {@code prune-and-regrow after iteration 99: nothing moved (drop fraction
     *         0.0012 rounds to no connection in any layer)}
     */
    @Override
    public String toString() {
        if (movedNothing() && !layers.isEmpty()) {
            return String.format(java.util.Locale.ROOT, "prune-and-regrow after iteration %d: nothing moved (drop "
                    + "fraction %.4f rounds to no connection in any layer)", iteration, layers.get(0).dropFraction());
        }
        return "prune-and-regrow after iteration " + iteration + ": "
                + layers.stream().map(LayerUpdate::toString).collect(Collectors.joining("; "))
                + " | " + after.globalLine();
    }
}
