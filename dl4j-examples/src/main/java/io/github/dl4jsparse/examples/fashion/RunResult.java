package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.dynamic.MaskUpdate;

import java.util.List;

/**
 * What one run (a method and a seed) measured.
 *
 * @param trainLoss          mean training loss of each epoch
 * @param testAccuracy       test accuracy after each epoch
 * @param accuracyAfterPrune test accuracy right after pruning, before fine-tuning; NaN for other methods
 * @param activationZeros    fraction of zero activations of each hidden layer on the test set, at the end
 * @param computeRatio       training multiply-adds on active connections / those of the dense equivalent
 * @param seconds            wall time of the run
 * @param maskUpdates        the prune-and-regrow updates of dynamic sparse training; empty for other methods
 * @param modelBytes         bytes of the parameters and the updater state at the end (float: 4 per number)
 * @param epochSeconds       training seconds after each epoch, cumulative, evaluation left out; empty where a log
 *                           written before 2026-12-07 does not have them
 */
record RunResult(double[] trainLoss, double[] testAccuracy, double accuracyAfterPrune, double[] activationZeros,
                 double computeRatio, double seconds, List<MaskUpdate> maskUpdates, long modelBytes,
                 double[] epochSeconds) {

    /** A run without per-epoch training seconds. */
    RunResult(double[] trainLoss, double[] testAccuracy, double accuracyAfterPrune, double[] activationZeros,
              double computeRatio, double seconds, List<MaskUpdate> maskUpdates, long modelBytes) {
        this(trainLoss, testAccuracy, accuracyAfterPrune, activationZeros, computeRatio, seconds, maskUpdates,
                modelBytes, new double[0]);
    }

    double finalAccuracy() {
        return testAccuracy[testAccuracy.length - 1];
    }
}
