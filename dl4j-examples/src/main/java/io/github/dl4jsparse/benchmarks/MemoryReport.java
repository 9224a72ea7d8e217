package io.github.dl4jsparse.benchmarks;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Memory of DenseLayer against SparseLinear in the benchmark MLP (see {@link Mlps}), Adam:
 * <ul>
 *   <li>bytes held by parameters and by updater state, per layer, counted from the network (exact);</li>
 *   <li>the peak resident memory of the process ({@code VmHWM} of {@code /proc/self/status}, Linux: JVM, ND4J's
 *       native arrays and DL4J's workspaces together) after building and initialising the network, and again over 5
 *       training steps after it (the peak reset through {@code /proc/self/clear_refs}), and the JVM heap in use, each
 *       variant measured in a JVM of its own so the figures can be compared.</li>
 * </ul>
 *
 * <pre>
 * mvn -q -f dl4j-examples/pom.xml compile exec:exec@memory
 * </pre>
 */
public final class MemoryReport {

    private static final String[] VARIANTS = {"dense", "sparse0.0", "masked0.9", "sparse0.9", "sparse0.99"};

    private MemoryReport() {
    }

    public static void main(String[] args) throws Exception {
        String config = args.length > 0 ? args[0] : "784-1024-1024-10/32";
        if (args.length > 1) {
            System.out.println(measure(config, args[1]));
            return;
        }
        System.out.println("Memory, " + config + ", Adam, float32\n");
        System.out.println("| variant | layer | parameter bytes | updater state bytes | params + state |");
        System.out.println("|---|---|---|---|---|");
        List<String> totals = new ArrayList<>();
        for (String variant : VARIANTS) {
            // a fresh JVM per variant: ND4J's workspaces are per thread and would be shared otherwise
            Process p = new ProcessBuilder(javaExecutable(), "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), MemoryReport.class.getName(), config, variant)
                    .redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("TOTAL ")) {
                        totals.add(line.substring(6));
                    } else if (line.startsWith("|")) {
                        System.out.println(line);
                    }
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("measuring " + variant + " failed");
            }
        }
        System.out.println("\n| variant | params + updater state, all layers | peak resident memory: init | peak resident "
                + "memory: 5 training steps after init | JVM heap used |");
        System.out.println("|---|---|---|---|---|");
        totals.forEach(System.out::println);
    }

    private static String measure(String config, String variant) {
        String[] parts = config.split("/");
        MultiLayerNetwork net = Mlps.build(parts[0], variant);
        DataSet data = Mlps.batch(parts[0], Integer.parseInt(parts[1]));
        long initPeak = peakResidentBytes();
        System.gc();
        resetPeakResident();
        for (int i = 0; i < 5; i++) {
            net.fit(data);
        }
        long trainingPeak = peakResidentBytes();
        StringBuilder sb = new StringBuilder();
        long allBytes = 0;
        for (Layer layer : net.getLayers()) {
            long paramBytes = 0;
            long stateBytes = 0;
            for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : layer.paramTable().entrySet()) {
                long n = e.getValue().length();
                int width = e.getValue().dataType().width();
                paramBytes += n * width;
                stateBytes += layer.conf().getLayer().getUpdaterByParam(e.getKey()).stateSize(n) * width;
            }
            allBytes += paramBytes + stateBytes;
            sb.append(String.format(Locale.ROOT, "| %s | %d (%s) | %,d | %,d | %,d |%n", variant, layer.getIndex(),
                    layer.getClass().getSimpleName(), paramBytes, stateBytes, paramBytes + stateBytes));
        }
        Runtime rt = Runtime.getRuntime();
        System.gc();
        sb.append(String.format(Locale.ROOT, "TOTAL | %s | %,d | %,d | %,d | %,d |", variant, allBytes, initPeak,
                trainingPeak, rt.totalMemory() - rt.freeMemory()));
        return sb.toString();
    }

    /**
     * Resets the process's peak resident memory ({@code VmHWM}) to its current resident memory, by writing 5 to
     * {@code /proc/self/clear_refs} (Linux 4.0+); does nothing where that is not possible.
     */
    static void resetPeakResident() {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of("/proc/self/clear_refs"), "5");
        } catch (java.io.IOException | SecurityException e) {
            // the peak then includes initialisation
        }
    }

    /** {@code VmHWM} of {@code /proc/self/status} in bytes, or -1 where there is no such file. */
    static long peakResidentBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    static String javaExecutable() {
        return System.getProperty("java.home") + "/bin/java";
    }
}
