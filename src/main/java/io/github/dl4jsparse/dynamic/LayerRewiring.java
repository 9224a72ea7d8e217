package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.mask.Positions;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;

import java.util.SplittableRandom;

/**
 * One layer's part of a prune-and-regrow update: the connections to drop ({@link #drop}), then those to grow
 * ({@link #grow}), each checked as soon as chosen; the layer changes only in {@link #apply}, once every layer of the
 * update has been planned, so a refused choice leaves every layer as it was.
 */
final class LayerRewiring {

    private final Model model;
    private final Layer dl4jLayer;
    private final SparseLayer layer;
    private final String name;
    private final long[] active;
    /** {@link #active} as {@link Positions}, validated once for the checks and the merge of this update. */
    private final Positions activeSet;
    private final double[] values;
    private final long size;
    private final LayerSignals signals;
    private final SplittableRandom dropRandom;
    private final SplittableRandom growRandom;
    private long[] dropped = new long[0];
    private long[] grown = new long[0];
    private double[] grownValues = new double[0];

    LayerRewiring(Model model, SparseMatrices.InNetwork matrix, LayerSignals signals, SplittableRandom dropRandom,
                  SplittableRandom growRandom) {
        this.model = model;
        this.dl4jLayer = matrix.layer();
        this.layer = matrix.matrix();
        this.name = matrix.name();
        this.active = layer.activePositions();
        this.values = layer.activeValues();
        this.size = layer.sparseConfig().connections();
        this.activeSet = Positions.of(name + ": active", active, size);
        this.signals = signals;
        this.dropRandom = dropRandom;
        this.growRandom = growRandom;
    }

    /** @return connections inactive before the update: those a layer may grow */
    long inactive() {
        return size - active.length;
    }

    /** @return the mean |gradient momentum| over the active connections (SNFS's share of the regrowth) */
    double momentumShare() {
        double[] m = signals.gradientMomentum();
        if (m == null || active.length == 0) {
            return 0.0;
        }
        double sum = 0.0;
        for (long p : active) {
            sum += Math.abs(m[(int) p]);
        }
        return sum / active.length;
    }

    /**
     * Drops {@code floor(f · a)} connections, at most as many as are inactive (so that every dropped connection
     * can be grown again somewhere).
     */
    void drop(DropCriterion criterion, double dropFraction, long iteration) {
        long k = Math.min((long) Math.floor(dropFraction * active.length), size - active.length);
        if (k == 0) {
            return;
        }
        dropped = criterion.drop(new DropRequest(name, layer.sparseConfig(), active.clone(), values.clone(),
                (int) k, signals, dropRandom, iteration));
        requireDrop(criterion, name, dropped, activeSet, (int) k);
    }

    void grow(GrowthCriterion growth, GrownWeights initial, int count, long iteration) {
        if (count == 0) {
            return;
        }
        GrowthRequest request = new GrowthRequest(name, layer.sparseConfig(), active.clone(), values.clone(), count,
                signals, growRandom, iteration);
        grown = growth.grow(request);
        requireGrowth(growth, name, grown, activeSet, count, size);
        grownValues = initial.initialWeights(request, grown.clone());
        requireGrownWeights(name, grownValues, count);
    }

    void apply() {
        if (dropped.length == 0 && grown.length == 0) {
            return;
        }
        // dropped and grown connections start with zero updater state; the others keep theirs
        layer.rewire(rewired(),
                UpdaterStates.of(model, dl4jLayer, layer.trainableWeightKey()));
        for (double v : grownValues) {
            if (v != 0.0) {
                layer.setActiveValues(grown, grownValues);
                break;
            }
        }
    }

    String name() {
        return name;
    }

    /** @return the positions active before the update */
    long[] activeBefore() {
        return active;
    }

    int droppedCount() {
        return dropped.length;
    }

    long[] grown() {
        return grown;
    }

    long activeAfter() {
        return active.length - dropped.length + grown.length;
    }

    /** @return every possible connection of the layer */
    long connections() {
        return size;
    }

    /**
     * Throws unless a drop criterion's choice is {@code k} strictly increasing active positions.
     *
     * @throws IllegalStateException naming the criterion, the layer and what is wrong; nothing has been changed then
     */
    private static void requireDrop(DropCriterion drop, String layer, long[] chosen, Positions active, int k) {
        String who = "drop criterion " + drop.displayName() + " for layer " + layer;
        if (chosen == null || chosen.length != k) {
            throw new IllegalStateException(who + " returned " + (chosen == null ? "null" : chosen.length + " positions")
                    + ", expected exactly " + k);
        }
        long notActive = active.firstMissing(positions(who, chosen, Long.MAX_VALUE));
        if (notActive >= 0) {
            throw new IllegalStateException(who + ": position " + notActive + " is not active; drop among the "
                    + "active ones");
        }
    }

    /** {@link Positions#of}, its refusal an {@link IllegalStateException} naming the plug-in. */
    private static Positions positions(String who, long[] positions, long size) {
        try {
            return Positions.of(who + ": position", positions, size);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private static void requireGrownWeights(String layer, double[] values, int count) {
        if (values == null || values.length != count) {
            throw new IllegalStateException("grown weights for layer " + layer + ": got "
                    + (values == null ? "null" : values.length + " values") + ", expected exactly " + count);
        }
        for (int t = 0; t < values.length; t++) {
            if (!Double.isFinite(values[t])) {
                throw new IllegalStateException("grown weights for layer " + layer + ": value " + t + " is " + values[t]
                        + "; starting weights must be finite");
            }
        }
    }

    /**
     * Throws unless a criterion's choice is {@code k} strictly increasing positions in range, none of them active.
     *
     * @throws IllegalStateException naming the criterion, the layer and what is wrong; nothing has been changed then
     */
    private static void requireGrowth(GrowthCriterion growth, String layer, long[] grow, Positions active, int k,
                                      long size) {
        String who = "growth criterion " + growth.displayName() + " for layer " + layer;
        if (grow == null || grow.length != k) {
            throw new IllegalStateException(who + " returned " + (grow == null ? "null" : grow.length + " positions")
                    + ", expected exactly " + k);
        }
        long alreadyActive = active.firstShared(positions(who, grow, size));
        if (alreadyActive >= 0) {
            throw new IllegalStateException(who + ": position " + alreadyActive + " is already active; grow among the "
                    + "inactive ones");
        }
    }

    /** The active positions without the dropped ones, with the grown positions merged in (all increasing). */
    private long[] rewired() {
        return activeSet.without(Positions.of(name + ": dropped", dropped, size))
                .union(Positions.of(name + ": grown", grown, size)).toArray();
    }
}
