package io.github.dl4jsparse.examples.fashion;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * Calls a listener that changes masks and adds up the wall time of its {@code iterationDone} (where prune-and-regrow
 * and gradual pruning do their mask work); counts the steps that changed masks from the listener's own log.
 */
final class TimedListener extends BaseTrainingListener {

    private final TrainingListener delegate;
    private long nanos;

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
        long t = System.nanoTime();
        delegate.iterationDone(model, iteration, epoch);
        nanos += System.nanoTime() - t;
    }

    /** @return seconds spent in the delegate's {@code iterationDone} */
    double seconds() {
        return nanos / 1e9;
    }

    /** @return the mask-changing steps so far */
    int maskSteps() {
        if (delegate instanceof io.github.dl4jsparse.dynamic.PruneRegrowListener p) {
            return p.updates().size();
        }
        if (delegate instanceof io.github.dl4jsparse.dynamic.GradualMagnitudePruning g) {
            return g.steps().size();
        }
        return 0;
    }
}
