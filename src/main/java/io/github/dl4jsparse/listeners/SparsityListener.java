package io.github.dl4jsparse.listeners;

import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A {@code TrainingListener} that measures a {@link SparsityReport} every {@code frequency} iterations and at the end
 * of each epoch, logs one line per sparse layer and one global line (SLF4J, INFO), and keeps the most recent
 * reports for code to read.
 *
 * <pre>{@code
 * SparsityListener sparsity = new SparsityListener(100);
 * net.setListeners(new ScoreIterationListener(100), sparsity);
 * net.fit(data, 10);
 * SparsityReport last = sparsity.latest();
 * }</pre>
 *
 * <p>Memory stays bounded: only the last {@code capacity} reports are kept (default
 * {@value #DEFAULT_CAPACITY}), however long the training runs.
 */
public class SparsityListener extends BaseTrainingListener {

    /** Reports kept by default. */
    public static final int DEFAULT_CAPACITY = 1000;

    private static final Logger log = LoggerFactory.getLogger(SparsityListener.class);

    private final int frequency;
    private final int capacity;
    private final Deque<SparsityReport> reports = new ArrayDeque<>();

    /**
     * @param frequency measure every this many iterations, >= 1
     */
    public SparsityListener(int frequency) {
        this(frequency, DEFAULT_CAPACITY);
    }

    /**
     * @param frequency measure every this many iterations, >= 1
     * @param capacity  number of most recent reports kept, >= 1
     */
    public SparsityListener(int frequency, int capacity) {
        if (frequency < 1) {
            throw new IllegalArgumentException("SparsityListener: frequency must be >= 1, got " + frequency);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("SparsityListener: capacity must be >= 1, got " + capacity);
        }
        this.frequency = frequency;
        this.capacity = capacity;
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (iteration % frequency == 0) {
            record(SparsityReport.of(model));
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        record(SparsityReport.of(model));
    }

    private void record(SparsityReport report) {
        if (log.isInfoEnabled()) {
            String prefix = "iteration " + report.iteration() + ", epoch " + report.epoch() + ": ";
            for (String line : report.layerLines()) {
                log.info("{}{}", prefix, line);
            }
            log.info("{}{}", prefix, report.globalLine());
        }
        synchronized (reports) {
            if (reports.size() == capacity) {
                reports.removeFirst();
            }
            reports.addLast(report);
        }
    }

    /** @return the kept reports, oldest first (a copy) */
    public List<SparsityReport> reports() {
        synchronized (reports) {
            return new ArrayList<>(reports);
        }
    }

    /** @return the most recent report, or null before the first */
    public SparsityReport latest() {
        synchronized (reports) {
            return reports.peekLast();
        }
    }

    /** @return the measuring frequency in iterations */
    public int frequency() {
        return frequency;
    }

    /** @return the number of reports kept at most */
    public int capacity() {
        return capacity;
    }
}
