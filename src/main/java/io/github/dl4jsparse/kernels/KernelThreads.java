package io.github.dl4jsparse.kernels;

import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The threads the kernels of {@link SparseKernels} run on: outputs are split into disjoint contiguous blocks of about
 * equal numbers of entries, one per thread. Each output is computed by one thread from its entries in their stored
 * order, so results are bit-identical for any thread count.
 */
final class KernelThreads {

    /** Below this many multiply-adds a product runs on the calling thread: handing it over would cost more. */
    private static final long MIN_PARALLEL_WORK = 1L << 15;

    private static volatile int threads;
    private static ForkJoinPool pool;

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
        List<ForkJoinTask<?>> tasks = new ArrayList<>(t - 1);
        ForkJoinPool p = pool(t);
        for (int b = 1; b < t; b++) {
            int from = bounds[b];
            int to = bounds[b + 1];
            if (from < to) {
                tasks.add(p.submit(() -> block.run(from, to)));
            }
        }
        block.run(bounds[0], bounds[1]);
        for (ForkJoinTask<?> task : tasks) {
            task.join();
        }
    }

    private static synchronized ForkJoinPool pool(int t) {
        if (pool == null || pool.getParallelism() != t - 1) {
            if (pool != null) {
                pool.shutdown();
            }
            pool = new ForkJoinPool(Math.max(1, t - 1));
        }
        return pool;
    }
}
