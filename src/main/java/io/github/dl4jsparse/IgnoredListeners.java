package io.github.dl4jsparse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Catches the library's listeners that DL4J never calls. DL4J's Spark training ({@code SparkDl4jMultiLayer} with a
 * {@code ParameterAveragingTrainingMaster}) trains copies of the network on executor threads and never calls the
 * listeners of the driver's network: a {@code PruneRegrowListener} set there leaves the masks static, a
 * {@code SparsityListener} records nothing, without a word from DL4J.
 *
 * <p>So {@code PruneRegrowListener}s register here when they are built ({@link #waiting}) and leave at their first call, or
 * when a trainer that calls them itself takes them over ({@link #called}: {@code ParallelPruneRegrow},
 * {@code SparkPruneRegrow}). A sparse layer that trains on a Spark executor thread while a listener of this JVM waits
 * logs one WARN naming the fix, once per JVM ({@link #checkTrainingThread}). Driver and executors share a JVM in
 * {@code local[N]} mode, where such a mistake is usually first made; on a cluster the executors cannot see the
 * driver's listeners and nothing is logged.
 */
public final class IgnoredListeners {

    private static final Logger log = LoggerFactory.getLogger(IgnoredListeners.class);
    /** The name DL4J's Spark executors give the threads that run tasks. */
    static final String SPARK_TASK_THREAD = "Executor task launch worker";

    private static final Set<Object> WAITING = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private static final AtomicReference<String> WARNING = new AtomicReference<>();

    private IgnoredListeners() {
    }

    /** Registers a listener that has not been called yet. */
    public static void waiting(Object listener) {
        WAITING.add(listener);
    }

    /** The listener has been called, or a trainer that calls it itself has taken it over. */
    public static void called(Object listener) {
        if (!WAITING.isEmpty()) {
            WAITING.remove(listener);
        }
    }

    /**
     * Called by the sparse layers on every training pass: on a Spark executor thread, while a listener of this JVM has
     * never been called, logs once per JVM that the listeners of the driver's network are not called there.
     */
    public static void checkTrainingThread() {
        if (WARNING.get() != null || WAITING.isEmpty() || !Thread.currentThread().getName().startsWith(SPARK_TASK_THREAD)) {
            return;
        }
        String names;
        synchronized (WAITING) {
            names = WAITING.stream().map(l -> l.getClass().getSimpleName()).distinct().sorted()
                    .reduce((a, b) -> a + ", " + b).orElse("");
        }
        if (names.isEmpty()) {
            return;
        }
        String warning = "A sparse network trains on Spark executors while a " + names + " of this JVM has never been "
                + "called: DL4J's Spark training never calls the listeners of the driver's network, so a "
                + "PruneRegrowListener set there leaves the masks static. Prune and regrow on the driver with "
                + "dl4j-sparse-spark's SparkPruneRegrow (and remove the listener from the network); see docs/spark.md.";
        if (WARNING.compareAndSet(null, warning)) {
            log.warn(warning);
        }
    }

    /** @return the warning logged by {@link #checkTrainingThread}, or null if none was */
    public static String warning() {
        return WARNING.get();
    }
}
