package io.github.dl4jsparse.listeners;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.connectivity.ImageShape;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.PruneRegrowUpdate;
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
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A {@code TrainingListener} that measures a {@link SparsityReport} every {@code frequency} iterations and at the end
 * of each epoch, logs one line per sparse layer and one global line (SLF4J, INFO), and keeps the most recent
 * reports for code to read. Reports are labelled as DL4J's listeners and UI label a step: the 0-based iteration just
 * done and its 0-based epoch (an epoch's end is its last iteration, reported once when the periodic report already
 * measured it).
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
 *
 * <p>With a router the listener also records what dynamic sparse training does, for the page's rewiring charts:
 * <ul>
 *   <li>every update of each {@link PruneRegrowListener} attached to the same network (or given to
 *       {@link Builder#pruneRegrow}) as a {@link PruneRegrowUpdate}: dropped, grown, drop fraction and explored
 *       connections per layer; posted at the next iteration or epoch end;</li>
 *   <li>with every report, a {@link ConnectivityReport}: in- and out-degree histograms and dead units per layer and,
 *       for a first layer reading an image ({@code InputType.convolutional}, {@code convolutionalFlat}, or
 *       {@link Builder#inputShape}), its active connections per input pixel.</li>
 * </ul>
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
    private final ImageShape inputShape;
    private final List<PruneRegrowListener> givenPruneRegrow;
    /** Per prune-and-regrow listener, the number of its updates posted so far. */
    private final Map<PruneRegrowListener, Integer> postedUpdates = new IdentityHashMap<>();
    private boolean staticInfoPosted;
    private long lastTimestamp;
    private ConnectivityReport firstConnectivity;
    private ConnectivityReport latestConnectivity;

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
        this(frequency, capacity, null, null, null, null, List.of());
    }

    private SparsityListener(int frequency, int capacity, StatsStorageRouter router, String sessionId, String workerId,
                             ImageShape inputShape, List<PruneRegrowListener> pruneRegrow) {
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
        this.inputShape = inputShape;
        this.givenPruneRegrow = List.copyOf(pruneRegrow);
    }

    /** @return a builder: frequency, capacity, and a stats router with session and worker IDs */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks a given {@link Builder#inputShape} against the network before training starts.
     *
     * @throws IllegalArgumentException naming the shape and the first layer's nIn when they do not match
     */
    @Override
    public void onEpochStart(Model model) {
        if (inputShape != null) {
            ConnectivityReport.requireFits(model, inputShape);
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (router != null) {
            postPruneRegrowUpdates(model);
        }
        if (iteration % frequency == 0) {
            record(model, SparsityReport.of(model));
        }
    }

    /**
     * Measures the state the epoch ended in, labelled with the epoch's last iteration (DL4J has counted it by now), as
     * the UI and {@code iterationDone} label it; not again when that iteration's report already holds this state.
     */
    @Override
    public void onEpochEnd(Model model) {
        if (router != null) {
            postPruneRegrowUpdates(model);
        }
        long lastIteration = Math.max(0, Networks.iterationCount(model) - 1);
        SparsityReport report = SparsityReport.of(model).labelled(lastIteration, Networks.epochCount(model));
        if (!report.equals(latest())) {
            record(model, report);
        }
    }

    private void record(Model model, SparsityReport report) {
        if (router != null) {
            ConnectivityReport connectivity = ConnectivityReport.of(model, inputShape);
            synchronized (reports) {
                if (firstConnectivity == null) {
                    firstConnectivity = connectivity;
                }
                latestConnectivity = connectivity;
            }
            post(model, report, connectivity);
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

    private void post(Model model, SparsityReport report, ConnectivityReport connectivity) {
        postStaticInfoOnce(model);
        router.putUpdate(new SparsityUpdate(sessionId, workerId, nextTimestamp(), report, connectivity));
    }

    /** Posts the prune-and-regrow updates made since the last call, oldest first (every iteration: a size check each). */
    private void postPruneRegrowUpdates(Model model) {
        for (PruneRegrowListener source : givenPruneRegrow) {
            postUpdatesOf(model, source);
        }
        for (org.deeplearning4j.optimize.api.TrainingListener l : Networks.listeners(model)) {
            if (l instanceof PruneRegrowListener source) {
                postUpdatesOf(model, source); // one both given and attached: its updates are already posted
            }
        }
    }

    private void postUpdatesOf(Model model, PruneRegrowListener source) {
        List<MaskUpdate> updates = source.updates();
        int posted = postedUpdates.getOrDefault(source, 0);
        if (posted < updates.size()) {
            postStaticInfoOnce(model);
            for (MaskUpdate u : updates.subList(posted, updates.size())) {
                router.putUpdate(new PruneRegrowUpdate(sessionId, workerId, nextTimestamp(), u,
                        source.criterion().displayName()));
            }
            postedUpdates.put(source, updates.size());
        }
    }

    private void postStaticInfoOnce(Model model) {
        if (!staticInfoPosted) {
            long now = nextTimestamp();
            router.putStorageMetaData(new SparsityStorageMetaData(sessionId, workerId, now));
            router.putStaticInfo(SparsityStaticInfo.describe(model, sessionId, workerId, now));
            staticInfoPosted = true;
        }
    }

    /** A StatsStorage keys updates by timestamp: two in the same millisecond would overwrite each other. */
    private long nextTimestamp() {
        long now = Math.max(System.currentTimeMillis(), lastTimestamp + 1);
        lastTimestamp = now;
        return now;
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

    /** @return the connectivity measured with the first report posted to the router, or null before it (or without a router) */
    public ConnectivityReport firstConnectivity() {
        synchronized (reports) {
            return firstConnectivity;
        }
    }

    /** @return the connectivity measured with the latest report posted to the router, or null */
    public ConnectivityReport latestConnectivity() {
        synchronized (reports) {
            return latestConnectivity;
        }
    }

    /** @return the image shape given for the input heat map, or null (detected from the network) */
    public ImageShape inputShape() {
        return inputShape;
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
        private ImageShape inputShape;
        private final List<PruneRegrowListener> pruneRegrow = new ArrayList<>();

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

        /**
         * The shape of the network's image input, for the first layer's input-connectivity heat map; default none:
         * detected from {@code setInputType(InputType.convolutional(...))} or {@code convolutionalFlat(...)}. Needed
         * when the network was configured with {@code InputType.feedForward(784)} for 28x28 images.
         *
         * @throws IllegalArgumentException for a dimension below 1; a shape that does not match the first layer's nIn
         *                                  is refused when training starts
         */
        public Builder inputShape(long height, long width, long channels) {
            return inputShape(ImageShape.of(height, width, channels));
        }

        /** As {@link #inputShape(long, long, long)} with one channel. */
        public Builder inputShape(long height, long width) {
            return inputShape(height, width, 1);
        }

        /** As {@link #inputShape(long, long, long)}; null for none. */
        public Builder inputShape(ImageShape shape) {
            this.inputShape = shape;
            return this;
        }

        /**
         * Also records the updates of this prune-and-regrow listener; default: those attached to the network. Needed
         * when a trainer calls the listener itself ({@code ParallelPruneRegrow}, Spark) instead of attaching it.
         */
        public Builder pruneRegrow(PruneRegrowListener listener) {
            this.pruneRegrow.add(java.util.Objects.requireNonNull(listener, "pruneRegrow listener"));
            return this;
        }

        /** @throws IllegalArgumentException for a frequency or capacity below 1 */
        public SparsityListener build() {
            return new SparsityListener(frequency, capacity, router, sessionId, workerId, inputShape, pruneRegrow);
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
