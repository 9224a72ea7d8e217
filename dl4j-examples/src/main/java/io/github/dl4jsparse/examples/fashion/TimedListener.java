package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.dynamic.GradualMagnitudePruning;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Calls a listener that changes masks ({@link PruneRegrowListener}, {@link GradualMagnitudePruning}) and adds up the
 * wall time of its {@code iterationDone}, where it does its mask work: apart on the steps that changed masks (told by
 * the listener's own log growing) and on the other steps (sparse momentum's per-step momentum; a few nanoseconds for the
 * others). The layers' dense gradient, computed in the backward pass when a criterion asks for it, is not in either.
 */
final class TimedListener extends BaseTrainingListener {

    private final TrainingListener delegate;
    private long maskNanos;
    private long otherNanos;

    TimedListener(TrainingListener delegate) {
        this.delegate = delegate;
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        delegate.onForwardPass(model, activations);
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        delegate.onForwardPass(model, activations);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        int before = maskSteps();
        long t = System.nanoTime();
        delegate.iterationDone(model, iteration, epoch);
        long spent = System.nanoTime() - t;
        if (maskSteps() > before) {
            maskNanos += spent;
        } else {
            otherNanos += spent;
        }
    }

    /** @return seconds spent in the delegate's {@code iterationDone} on the steps that changed masks */
    double maskSeconds() {
        return maskNanos / 1e9;
    }

    /** @return seconds spent in the delegate's {@code iterationDone} on the other steps */
    double otherSeconds() {
        return otherNanos / 1e9;
    }

    /** @return the mask-changing steps so far */
    int maskSteps() {
        if (delegate instanceof PruneRegrowListener p) {
            return p.updates().size();
        }
        if (delegate instanceof GradualMagnitudePruning g) {
            return g.steps().size();
        }
        return 0;
    }
}
