package io.github.dl4jsparse.dynamic;

/**
 * What a {@link GrowthCriterion} or {@link DropCriterion} may read beyond the active positions and weights, declared
 * by {@link GrowthCriterion#signals()} / {@link DropCriterion#signals()}. The listener pays only for the signals some
 * criterion (or the {@link Redistribution}) declares, and hands them over in {@link LayerSignals}.
 */
public enum Signal {
    /**
     * The dense weight gradient {@code dL/d(W ⊙ M)} of the update step's minibatch, at every connection (RigL). Costs
     * one dense {@code xᵀ · δ} on update steps only.
     */
    DENSE_GRADIENT,
    /**
     * An exponential moving average of the dense weight gradient over every training step,
     * {@code m ← β · m + (1 − β) · g} (β: {@link PruneRegrowListener.Builder#momentum(double)}, default 0.9), at every
     * connection: the momentum of sparse momentum (SNFS, Dettmers &amp; Zettlemoyer 2019). Costs a dense gradient at
     * every step and {@code 8 · connections} bytes per layer, kept by the listener and saved with it.
     */
    GRADIENT_MOMENTUM,
    /**
     * The updater state (Adam's {@code M} and {@code V}, momentum, ...) of the active connections, per state key, in
     * the order of the active positions. Free: read from the network's updater at the update.
     */
    UPDATER_STATE
}
