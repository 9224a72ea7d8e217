package io.github.dl4jsparse.benchmarks;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Working memory of a training step of LeNet-5's second convolution ({@link ConvLayers}: 20 → 50 channels, 5 × 5,
 * 12 × 12 input, batch 128, Adam), {@code ConvolutionLayer} against {@code SparseConv2D}, each in a JVM of its own:
 * <ul>
 *   <li>ND4J's workspaces: the bytes DL4J's workspaces of the training thread hold after 5 training steps (they grow to
 *       the largest need of a step: activations, their gradients, and working memory such as the im2col matrix);</li>
 *   <li>Java heap kept across steps: heap in use after a full GC, after the 5 steps minus before the first, after one
 *       step of another network of the same kind has loaded the classes (the sparse kernels' tiled copies of input,
 *       output and gradients live there);</li>
 *   <li>the peak resident memory of the process over the 5 steps ({@code VmHWM}, reset before them: JVM, native arrays
 *       and workspaces together).</li>
 * </ul>
 * Working memory = workspaces + heap kept; parameters and updater state are not in it.
 *
 * <pre>
 * mvn -q -f dl4j-examples/pom.xml compile exec:exec@conv-memory
 * </pre>
 */
public final class ConvMemoryReport {

    private static final String[] VARIANTS = {"dense", "sparse0.9", "sparse0.95"};
    private static final int BATCH = 128;

    private ConvMemoryReport() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            System.out.println(measure(args[0]));
            return;
        }
        System.out.println("Working memory of a training step: LeNet-5's second convolution, batch " + BATCH + ", float32, Adam\n");
        System.out.println("| layer | ND4J workspaces | Java heap kept | working memory | vs ConvolutionLayer | peak resident memory over 5 steps |");
        System.out.println("|---|---|---|---|---|---|");
        double dense = Double.NaN;
        for (String variant : VARIANTS) {
            Process p = new ProcessBuilder(MemoryReport.javaExecutable(), "-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), ConvMemoryReport.class.getName(), variant)
                    .redirectErrorStream(true).start();
            String result = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("RESULT ")) {
                        result = line.substring(7);
                    }
                }
            }
            if (p.waitFor() != 0 || result == null) {
                throw new IllegalStateException("measuring " + variant + " failed");
            }
            String[] f = result.split(" ");
            long workspaces = Long.parseLong(f[0]);
            long heap = Long.parseLong(f[1]);
            long peak = Long.parseLong(f[2]);
            long working = workspaces + Math.max(0, heap);
            if (variant.equals("dense")) {
                dense = working;
            }
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %,d | %.3fx | %,d |%n", variant.equals("dense")
                    ? "ConvolutionLayer" : "SparseConv2D " + variant.substring(6), workspaces, heap, working,
                    working / dense, peak);
        }
    }

    private static String measure(String variant) {
        DataSet data = ConvLayers.batch(BATCH);
        // one step of a network of its own first: classes loaded and compiled code are not the step's working memory
        ConvLayers.build(variant).fit(data);
        MultiLayerNetwork net = ConvLayers.build(variant);
        long heapBefore = heapAfterGc();
        MemoryReport.resetPeakResident();
        for (int i = 0; i < 5; i++) {
            net.fit(data);
        }
        long peak = MemoryReport.peakResidentBytes();
        long heapKept = heapAfterGc() - heapBefore;
        long workspaces = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            workspaces += ws.getCurrentSize();
        }
        return "RESULT " + workspaces + " " + heapKept + " " + peak;
    }

    private static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
