package io.github.dl4jsparse.kernels;

import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the kernels of {@link SparseKernels} run on: outputs are split into disjoint contiguous blocks of about
 * equal numbers of entries, one per thread. Each output is computed by one thread from its entries in their stored
 * order, so results are bit-identical for any thread count.
 *
 * <p>The helper threads never keep a JVM alive or a launcher waiting: they are daemon threads in the root thread
 * group (not in the group of the thread that first used the kernels, which {@code mvn exec:java} joins and destroys
 * at the end of {@code main}), and each ends after {@value #IDLE_SECONDS} s without work.
 */
final class KernelThreads {

    /** Below this many multiply-adds a product runs on the calling thread: handing it over would cost more. */
    private static final long MIN_PARALLEL_WORK = 1L << 15;

    /** Seconds a helper thread waits for work before it ends. */
    static final int IDLE_SECONDS = 2;
    /** Name prefix of the helper threads. */
    static final String THREAD_NAME = "dl4jsparse-kernel-";

    private static final AtomicInteger CREATED = new AtomicInteger();
    private static volatile int threads;
    private static ThreadPoolExecutor pool;

    private KernelThreads() {
    }

    /** A block of outputs {@code [from, to)}. */
    @FunctionalInterface
    interface Block {
        void run(int from, int to);
    }

    /**
     * @return the thread count: the one set, else system property {@code dl4jsparse.kernel.threads}, else ND4J's
     *         ({@code Nd4j.getEnvironment().maxThreads()}, which follows {@code OMP_NUM_THREADS})
     */
    static int threads() {
        int t = threads;
        if (t == 0) {
            String property = System.getProperty("dl4jsparse.kernel.threads");
            t = property != null ? parse(property) : Math.max(1, Nd4j.getEnvironment().maxThreads());
            threads = t;
        }
        return t;
    }

    private static int parse(String property) {
        try {
            return requirePositive(Integer.parseInt(property.trim()), "system property dl4jsparse.kernel.threads");
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property dl4jsparse.kernel.threads must be a positive integer, "
                    + "got '" + property + "'", e);
        }
    }

    static void setThreads(int count) {
        threads = requirePositive(count, "kernel thread count");
    }

    private static int requirePositive(int count, String what) {
        if (count <= 0) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + count);
        }
        return count;
    }

    /**
     * Runs {@code block} over {@code [0, outputs)}, split by {@code start} (entries of output {@code o}:
     * {@code start[o] .. start[o+1]-1}) into blocks of about equal entry counts.
     *
     * @param work multiply-adds in all, to decide whether threads pay
     */
    static void run(int[] start, int outputs, long work, Block block) {
        int t = threads();
        int entries = start[outputs];
        if (t == 1 || work < MIN_PARALLEL_WORK || outputs < 2 * t || entries == 0) {
            block.run(0, outputs);
            return;
        }
        int[] bounds = new int[t + 1];
        bounds[t] = outputs;
        for (int b = 1; b < t; b++) {
            long target = (long) entries * b / t;
            int o = bounds[b - 1];
            while (o < outputs && start[o] < target) {
                o++;
            }
            bounds[b] = o;
        }
        List<Future<?>> tasks = new ArrayList<>(t - 1);
        ThreadPoolExecutor p = pool(t);
        for (int b = 1; b < t; b++) {
            int from = bounds[b];
            int to = bounds[b + 1];
            if (from < to) {
                tasks.add(p.submit(() -> block.run(from, to)));
            }
        }
        block.run(bounds[0], bounds[1]);
        for (Future<?> task : tasks) {
            join(task);
        }
    }

    private static void join(Future<?> task) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    task.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // the block is running on shared output: wait for it, then restore the flag
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error error) {
                        throw error;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static synchronized ThreadPoolExecutor pool(int t) {
        if (pool == null || pool.getMaximumPoolSize() != t - 1) {
            if (pool != null) {
                pool.shutdown();
            }
            pool = new ThreadPoolExecutor(t - 1, t - 1, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    KernelThreads::newThread);
            pool.allowCoreThreadTimeOut(true);
        }
        return pool;
    }

    private static Thread newThread(Runnable task) {
        Thread thread = new Thread(rootGroup(), task, THREAD_NAME + CREATED.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }

    private static ThreadGroup rootGroup() {
        ThreadGroup group = Thread.currentThread().getThreadGroup();
        while (group.getParent() != null) {
            group = group.getParent();
        }
        return group;
    }
}
