package io.github.dl4jsparse.dynamic;

import java.util.Locale;

/**
 * What one prune-and-regrow update did to one layer.
 *
 * @param layer             the layer's name (its index if it has none)
 * @param activeConnections active connections after the update (the same as before, unless connections moved
 *                          between layers: {@link Redistribution#MOMENTUM})
 * @param dropped           connections dropped (by default the smallest |W| among the active ones)
 * @param grown             connections grown among those inactive before the update; equal to {@code dropped}
 *                          unless connections moved between layers
 * @param dropFraction      the schedule's drop fraction at this update
 * @param explored          distinct connections active at some time since the listener first rewired the layer
 *                          (those active then and every one grown since), this update's included; at least
 *                          {@code activeConnections}
 * @param connections       the layer's possible connections (rows · columns)
 */
public record LayerUpdate(String layer, long activeConnections, long dropped, long grown, double dropFraction,
                          long explored, long connections) {

    /** @return {@code explored / connections}: the fraction of the layer's possible connections tried so far */
    public double exploredFraction() {
        return (double) explored / connections;
    }

    /**
     * @return e.g. {@code fc1: -3400/+3400 of 23520 active (drop fraction 0.1446), explored 0.1520}; a layer with every
     *         connection active (a layer that ERK made dense) reads {@code fc1: dense (all 500 connections active),
     *         nothing to rewire}, and one whose drop fraction rounds to no connection says so
     */
    @Override
    public String toString() {
        if (activeConnections == connections) {
            return String.format(Locale.ROOT, "%s: dense (all %d connections active), nothing to rewire", layer,
                    connections);
        }
        String rounding = dropped == 0 && dropFraction > 0 ? ": rounds to no connection" : "";
        return String.format(Locale.ROOT, "%s: -%d/+%d of %d active (drop fraction %.4f%s), explored %.4f",
                layer, dropped, grown, activeConnections, dropFraction, rounding, exploredFraction());
    }
}
