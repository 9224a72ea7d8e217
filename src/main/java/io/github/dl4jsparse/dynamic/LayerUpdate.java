package io.github.dl4jsparse.dynamic;

import java.util.Locale;

/**
 * What one prune-and-regrow update did to one layer.
 *
 * @param layer             the layer's name (its index if it has none)
 * @param activeConnections active connections before and after the update (prune-and-regrow keeps it constant)
 * @param dropped           connections dropped (the smallest |W| among the active ones)
 * @param grown             connections grown among those inactive before the update; equal to {@code dropped}
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

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: -%d/+%d of %d active (drop fraction %.4f), explored %.4f",
                layer, dropped, grown, activeConnections, dropFraction, exploredFraction());
    }
}
