package io.github.dl4jsparse.dynamic;

import java.io.Serializable;

/**
 * When {@link GradualMagnitudePruning} prunes and to what sparsity: {@link PolynomialDecay} (Zhu &amp; Gupta 2017, TF
 * Model Optimization's {@code PolynomialDecay}) or {@link ConstantSparsity} (TF-MOT's {@code ConstantSparsity}).
 * Steps count trained minibatches, as in {@link PruneRegrowSchedule}: step {@code s} is reached when DL4J's 0-based
 * iteration {@code s - 1} is done.
 */
public interface PruningSchedule extends Serializable {

    /** @return whether the network is pruned once {@code step} minibatches have been trained */
    boolean isPruningStep(long step);

    /** @return the target sparsity at {@code step}, in [0, 1) */
    double sparsity(long step);

    /** @return the last step at which the schedule prunes, or {@code Long.MAX_VALUE} if it never stops */
    long endStep();
}
