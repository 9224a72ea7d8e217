package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.Networks;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * Dynamic sparse training on several workers with DL4J's {@code ParallelWrapper} (parameter averaging), with the
 * single-worker guarantees: every mask update is computed once, on the main network, from parameters that were just
 * averaged, and every worker starts the next stretch from it (positions, weights and remapped updater state).
 *
 * <pre>{@code
 * PruneRegrowListener rigl = PruneRegrowListener.rigl().plannedEpochs(15, iterationsPerEpoch / workers).build();
 * ParallelPruneRegrow.builder(net, rigl).workers(3).averagingFrequency(4).build().fit(train, 15);
 * }</pre>
 *
 * <p>How: training runs in stretches that end at the listener's update steps. Each stretch is one
 * {@code ParallelWrapper.fit}, which starts its workers from the main network (worker 0 trains the main network
 * itself) and ends on an averaging step: it averages every {@code averagingFrequency} steps, or, for a stretch whose
 * length is not a multiple of that (the schedule's deltaT is not, or an earlier {@code fit} call ended between two
 * updates), every {@code gcd(length, averagingFrequency)} steps. At an update step
 * the listener prunes and regrows the main network (RigL's dense gradient is taken on the main network from the
 * stretch's last minibatch). A step is one {@code ParallelWrapper} iteration, one minibatch per worker: the schedule
 * counts these global steps, so plan it with {@code iterationsPerEpoch / workers}.
 *
 * <p>The listener must not be attached to the network (ParallelWrapper would hand it to every worker); this trainer
 * calls it. Requires {@code deeplearning4j-parallel-wrapper} on the class path.
 */
public final class ParallelPruneRegrow {

    private final Model model;
    private final PruneRegrowListener listener;
    private final int workers;
    private final int averagingFrequency;

    private ParallelPruneRegrow(Builder b) {
        this.model = b.model;
        this.listener = b.listener.takenOverByTrainer();
        this.workers = b.workers;
        this.averagingFrequency = b.averagingFrequency;
    }

    /**
     * @param model    a MultiLayerNetwork or ComputationGraph with sparse layers, initialised
     * @param listener the prune-and-regrow configuration; not attached to {@code model}
     */
    public static Builder builder(Model model, PruneRegrowListener listener) {
        return new Builder(model, listener);
    }

    /**
     * Trains {@code epochs} passes over {@code data} (reset between them), pruning and regrowing at the listener's
     * update steps.
     *
     * @throws IllegalStateException if a PruneRegrowListener is attached to the network
     */
    public void fit(DataSetIterator data, int epochs) {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0, got " + epochs);
        }
        for (TrainingListener l : listeners()) {
            if (l instanceof PruneRegrowListener) {
                throw new IllegalStateException("a PruneRegrowListener is attached to the network: ParallelWrapper "
                        + "would hand it to every worker. Remove it; ParallelPruneRegrow calls its listener itself");
            }
        }
        EpochStream stream = new EpochStream(data, epochs);
        PruneRegrowSchedule schedule = listener.schedule();
        while (stream.hasNext()) {
            long step = Networks.iterationCount(model);
            long next = schedule.nextUpdateStep(step);
            long steps = next < 0 ? Long.MAX_VALUE / workers : next - step;
            Stretch stretch = new Stretch(stream, steps * workers);
            // a stretch that ends at an update step ends on an averaging step: average every gcd(steps, frequency)
            int frequency = next < 0 ? averagingFrequency : (int) gcd(steps, averagingFrequency);
            ParallelWrapper wrapper = new ParallelWrapper.Builder<>(model).workers(workers)
                    .averagingFrequency(frequency).prefetchBuffer(0).build();
            try {
                wrapper.fit(stretch);
            } finally {
                wrapper.shutdown();
            }
            long done = Networks.iterationCount(model);
            if (next >= 0 && done == next) {
                listener.updateNow(model, done - 1, stretch.last);
            }
        }
    }

    private List<TrainingListener> listeners() {
        if (model instanceof MultiLayerNetwork net) {
            return net.getListeners() == null ? List.of() : List.copyOf(net.getListeners());
        }
        ComputationGraph graph = (ComputationGraph) model;
        return graph.getListeners() == null ? List.of() : List.copyOf(graph.getListeners());
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The minibatches of several epochs of {@code data}, one after the other; the network's epoch count follows. */
    private final class EpochStream {
        private final DataSetIterator data;
        private int epochsLeft;

        EpochStream(DataSetIterator data, int epochs) {
            this.data = data;
            this.epochsLeft = epochs;
            if (!data.hasNext() && data.resetSupported()) {
                data.reset();
            }
        }

        boolean hasNext() {
            while (!data.hasNext() && epochsLeft > 1) {
                epochsLeft--;
                incrementEpochCount();
                data.reset();
            }
            if (!data.hasNext() && epochsLeft == 1) {
                epochsLeft = 0;
                incrementEpochCount();
            }
            return data.hasNext();
        }

        org.nd4j.linalg.dataset.DataSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return data.next();
        }

        private void incrementEpochCount() {
            if (model instanceof MultiLayerNetwork net) {
                net.incrementEpochCount();
            } else {
                ((ComputationGraph) model).incrementEpochCount();
            }
        }

        DataSetIterator source() {
            return data;
        }
    }

    /** At most {@code limit} minibatches of a stream, as the iterator one {@code ParallelWrapper.fit} consumes. */
    private static final class Stretch implements DataSetIterator {
        private final EpochStream stream;
        private long left;
        org.nd4j.linalg.dataset.DataSet last;

        Stretch(EpochStream stream, long limit) {
            this.stream = stream;
            this.left = limit;
        }

        @Override
        public boolean hasNext() {
            return left > 0 && stream.hasNext();
        }

        @Override
        public org.nd4j.linalg.dataset.DataSet next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            left--;
            last = stream.next();
            return last;
        }

        @Override
        public org.nd4j.linalg.dataset.DataSet next(int num) {
            throw new UnsupportedOperationException("one minibatch at a time");
        }

        @Override
        public int inputColumns() {
            return stream.source().inputColumns();
        }

        @Override
        public int totalOutcomes() {
            return stream.source().totalOutcomes();
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("a stretch is read once");
        }

        @Override
        public int batch() {
            return stream.source().batch();
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException("set the pre-processor on the source iterator");
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public List<String> getLabels() {
            return stream.source().getLabels();
        }
    }

    /** Builds a {@link ParallelPruneRegrow}. */
    public static final class Builder {
        private final Model model;
        private final PruneRegrowListener listener;
        private int workers = 2;
        private int averagingFrequency = 1;

        private Builder(Model model, PruneRegrowListener listener) {
            if (!(model instanceof MultiLayerNetwork) && !(model instanceof ComputationGraph)) {
                throw new IllegalArgumentException("model must be a MultiLayerNetwork or a ComputationGraph, got " + model);
            }
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null");
            }
            this.model = model;
            this.listener = listener;
        }

        /** Workers, each training its own copy on its own minibatches, {@code >= 2}; default 2. */
        public Builder workers(int workers) {
            if (workers < 2) {
                throw new IllegalArgumentException("workers must be >= 2 (ParallelWrapper's minimum), got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Steps between parameter averaging, {@code >= 1}; default 1. */
        public Builder averagingFrequency(int frequency) {
            if (frequency < 1) {
                throw new IllegalArgumentException("averagingFrequency must be >= 1, got " + frequency);
            }
            this.averagingFrequency = frequency;
            return this;
        }

        /** @return the trainer */
        public ParallelPruneRegrow build() {
            return new ParallelPruneRegrow(this);
        }
    }
}
