package io.github.dl4jsparse.listeners;

import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.SparsityStaticInfo;
import io.github.dl4jsparse.stats.SparsityStorageMetaData;
import io.github.dl4jsparse.stats.SparsityUpdate;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

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
 *
 * <p>With a {@link StatsStorageRouter} ({@code InMemoryStatsStorage}, {@code FileStatsStorage}, DL4J's remote router)
 * the listener also posts, as DL4J's {@code StatsListener} does, storage metadata and a {@link SparsityStaticInfo}
 * (layers, shapes, target sparsities, seed) once, and a {@link SparsityUpdate} with every report; the DL4J UI's
 * Sparsity page shows them:
 * <pre>{@code
 * StatsStorage storage = new FileStatsStorage(new File("stats.dl4j"));
 * net.setListeners(new StatsListener(storage), SparsityListener.builder().frequency(10).router(storage).build());
 * }</pre>
 */
public class SparsityListener extends BaseTrainingListener implements java.io.Serializable {

    /** Reports kept by default. */
    public static final int DEFAULT_CAPACITY = 1000;

    private static final Logger log = LoggerFactory.getLogger(SparsityListener.class);

    private final int frequency;
    private final int capacity;
    private final Deque<SparsityReport> reports = new ArrayDeque<>();
    private final StatsStorageRouter router;
    private final String sessionId;
    private final String workerId;
    private boolean staticInfoPosted;
    private long lastTimestamp;

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
        this(frequency, capacity, null, null, null);
    }

    private SparsityListener(int frequency, int capacity, StatsStorageRouter router, String sessionId, String workerId) {
        if (frequency < 1) {
            throw new IllegalArgumentException("SparsityListener: frequency must be >= 1, got " + frequency);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("SparsityListener: capacity must be >= 1, got " + capacity);
        }
        this.frequency = frequency;
        this.capacity = capacity;
        this.router = router;
        this.sessionId = sessionId != null ? sessionId : UUID.randomUUID().toString();
        this.workerId = workerId != null ? workerId : "worker-0";
    }

    /** @return a builder: frequency, capacity, and a stats router with session and worker IDs */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (iteration % frequency == 0) {
            record(model, SparsityReport.of(model));
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        record(model, SparsityReport.of(model));
    }

    private void record(Model model, SparsityReport report) {
        if (router != null) {
            post(model, report);
        }
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

    private void post(Model model, SparsityReport report) {
        // a StatsStorage keys updates by timestamp: two in the same millisecond would overwrite each other
        long now = Math.max(System.currentTimeMillis(), lastTimestamp + 1);
        lastTimestamp = now;
        if (!staticInfoPosted) {
            router.putStorageMetaData(new SparsityStorageMetaData(sessionId, workerId, now));
            router.putStaticInfo(SparsityStaticInfo.describe(model, sessionId, workerId, now));
            staticInfoPosted = true;
        }
        router.putUpdate(new SparsityUpdate(sessionId, workerId, now, report));
    }

    /** @return the session ID under which records are posted (a random UUID unless set) */
    public String sessionId() {
        return sessionId;
    }

    /** @return the worker ID under which records are posted ({@code worker-0} unless set) */
    public String workerId() {
        return workerId;
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

    /** Builds a {@link SparsityListener}. */
    public static final class Builder {
        private int frequency = 10;
        private int capacity = DEFAULT_CAPACITY;
        private StatsStorageRouter router;
        private String sessionId;
        private String workerId;

        private Builder() {
        }

        /** Measure every this many iterations, >= 1; default 10. */
        public Builder frequency(int frequency) {
            this.frequency = frequency;
            return this;
        }

        /** Most recent reports kept in memory, >= 1; default {@value SparsityListener#DEFAULT_CAPACITY}. */
        public Builder capacity(int capacity) {
            this.capacity = capacity;
            return this;
        }

        /** Also post every report to this router (a {@code StatsStorage}, the remote router); default none. */
        public Builder router(StatsStorageRouter router) {
            this.router = router;
            return this;
        }

        /** The session ID of the posted records; default a random UUID. Use DL4J's StatsListener's to group them. */
        public Builder sessionId(String sessionId) {
            this.sessionId = sessionId;
            return this;
        }

        /** The worker ID of the posted records; default {@code worker-0}. */
        public Builder workerId(String workerId) {
            this.workerId = workerId;
            return this;
        }

        /** @throws IllegalArgumentException for a frequency or capacity below 1 */
        public SparsityListener build() {
            return new SparsityListener(frequency, capacity, router, sessionId, workerId);
        }
    }

    /**
     * Refuses Java serialisation, which is how Spark would ship the listener to its executors: their reports would be of
     * the executors' copies and lost there. On Spark, report the driver's network ({@code SparsityReport.of(sparkNet
     * .getNetwork())}) between fits.
     */
    @java.io.Serial
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        throw new java.io.NotSerializableException("SparsityListener is not sent to Spark executors or other JVMs: their "
                + "reports would be of the executors' copies. On Spark, report the driver's network between fits: "
                + "SparsityReport.of(sparkNet.getNetwork())");
    }
}
