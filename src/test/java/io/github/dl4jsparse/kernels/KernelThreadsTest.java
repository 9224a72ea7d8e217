package io.github.dl4jsparse.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernels' helper threads never keep a JVM alive or a launcher such as {@code mvn exec:java} waiting. */
class KernelThreadsTest {

    @AfterEach
    void resetThreads() {
        KernelThreads.setThreads(Math.max(1, Nd4j.getEnvironment().maxThreads()));
    }

    /** Runs one split product on 3 threads and returns the threads that ran its blocks. */
    static Set<Thread> runSplitWork() {
        KernelThreads.setThreads(3);
        int outputs = 600;
        int[] start = new int[outputs + 1];
        for (int o = 0; o <= outputs; o++) {
            start[o] = 100 * o;
        }
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        long[] sums = new long[outputs];
        KernelThreads.run(start, outputs, 1L << 20, (from, to) -> {
            ran.add(Thread.currentThread());
            for (int o = from; o < to; o++) {
                sums[o] = start[o + 1] - start[o];
            }
        });
        for (long s : sums) {
            assertEquals(100, s);
        }
        return ran;
    }

    @Test
    void helperThreadsAreDaemonsOutsideTheCallersThreadGroup() throws InterruptedException {
        // what mvn exec:java does: main runs in a thread group of its own, which is joined and destroyed at its end
        ThreadGroup launcher = new ThreadGroup("launcher");
        List<Set<Thread>> seen = new ArrayList<>();
        Thread main = new Thread(launcher, () -> seen.add(runSplitWork()), "launched-main");
        main.start();
        main.join();

        Set<Thread> helpers = new java.util.HashSet<>(seen.get(0));
        helpers.remove(main);
        assertEquals(2, helpers.size(), "two helper threads ran blocks: " + seen.get(0));
        for (Thread helper : helpers) {
            assertTrue(helper.isDaemon(), helper + " is a daemon");
            assertTrue(helper.getName().startsWith(KernelThreads.THREAD_NAME), helper.getName());
        }
        assertEquals(0, launcher.activeCount(), "no thread left in the launcher's group");
        launcher.destroy(); // exec:java's last step: throws IllegalThreadStateException while a thread is left in it
    }

    @Test
    void idleHelperThreadsEnd() throws InterruptedException {
        Set<Thread> helpers = runSplitWork();
        helpers.remove(Thread.currentThread());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(KernelThreads.IDLE_SECONDS + 3);
        for (Thread helper : helpers) {
            helper.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            assertTrue(!helper.isAlive(), helper + " ended after " + KernelThreads.IDLE_SECONDS + " s without work");
        }
    }

    /** A {@code main} that loads ND4J, runs split kernel work and returns. */
    public static final class KernelMain {
        public static void main(String[] args) {
            Nd4j.create(4, 4).addi(1);
            Set<Thread> ran = runSplitWork();
            System.out.println("main returns, " + ran.size() + " threads ran the product");
            System.out.flush();
        }
    }

    @ParameterizedTest(name = "Vector API module: {0}")
    @ValueSource(booleans = {false, true})
    void aJvmWhoseMainUsedTheKernelsExitsPromptly(boolean vectorApi) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m"));
        if (vectorApi) {
            command.add("--add-modules");
            command.add("jdk.incubator.vector");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelMain.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        long returned = -1;
        StringBuilder output = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith("main returns")) {
                    returned = System.nanoTime();
                    assertTrue(line.contains("3 threads"), line);
                }
            }
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the JVM exited; output:\n" + output);
        long exited = System.nanoTime();
        assertEquals(0, process.exitValue(), output.toString());
        assertTrue(returned > 0, "main ran to its end; output:\n" + output);
        double seconds = (exited - returned) / 1e9;
        assertTrue(seconds < 2.0, "the JVM exited " + seconds + " s after main returned (at most 2 s)");
    }
}
