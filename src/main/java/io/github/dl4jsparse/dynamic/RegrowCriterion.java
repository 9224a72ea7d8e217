package io.github.dl4jsparse.dynamic;

/** Where prune-and-regrow grows new connections, among those inactive before the update. */
public enum RegrowCriterion {
    /** Uniformly at random: SET (Mocanu et al. 2018). */
    RANDOM,
    /**
     * Where the dense gradient {@code |dL/d(W ⊙ M)|} on the update step's minibatch is largest: RigL (Evci et al.
     * 2020).
     */
    GRADIENT
}
