package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.kernels.SparseConvKernels;
import io.github.dl4jsparse.kernels.SparseKernels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.Locale;

/**
 * LeNet-5 training step and inference, sparse against dense, as interleaved medians in one JVM: each round times
 * every network in turn on the same minibatch, and the ratio sparse / dense is taken per round, so both sides see the
 * same machine state; prints the medians of the per-call times and of the ratios. The confirmation of
 * {@link LeNet5Benchmark} where its error bars span a target.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp ... io.github.dl4jsparse.benchmarks.LeNet5Timing [batch...]
 * </pre>
 */
public final class LeNet5Timing {

    private static final String[] LAYERS = {"dense", "sparse0.9", "sparse0.95", "erk0.9", "snip0.9"};
    private static final int ROUNDS = 9;

    private LeNet5Timing() {
    }

    public static void main(String[] args) {
        int[] batches = args.length == 0 ? new int[]{128, 32} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        System.out.printf(Locale.ROOT, "kernels: %s (convolutions: %s), %d thread(s); medians of %d interleaved rounds%n",
                SparseKernels.implementation(), SparseConvKernels.implementation(), SparseKernels.threads(), ROUNDS);
        System.out.println("| batch | network | training step (ms) | ratio to dense | inference (ms) | ratio to dense |");
        System.out.println("|---|---|---|---|---|---|");
        for (int batch : batches) {
            DataSet data = LeNet5s.batch(batch);
            MultiLayerNetwork[] nets = new MultiLayerNetwork[LAYERS.length];
            for (int n = 0; n < nets.length; n++) {
                nets[n] = LeNet5s.build(LAYERS[n]);
            }
            double[][] train = Timing.interleaved(Arrays.asList(nets), net -> net.fit(data), ROUNDS, 1.5, 0.4);
            double[][] infer = Timing.interleaved(Arrays.asList(nets), net -> net.output(data.getFeatures()), ROUNDS,
                    1.5, 0.4);
            for (int n = 0; n < nets.length; n++) {
                System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.3f | %.2f | %.3f |%n", batch, LAYERS[n],
                        Timing.median(train[n]), Timing.medianRatio(train[n], train[0]), Timing.median(infer[n]), Timing.medianRatio(infer[n], infer[0]));
            }
        }
    }
}
