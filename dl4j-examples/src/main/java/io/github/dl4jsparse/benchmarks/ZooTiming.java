package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.distribution.SparseTwin;
import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.kernels.SparseConvKernels;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.FusedBatchNormalization;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.prune.MagnitudePruning;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.VGG16;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DL4J's own zoo models ({@code deeplearning4j-zoo}: ResNet-50 at 224 × 224, VGG16 at 64 × 64), dense against their
 * sparse twins made by {@code MagnitudePruning.toSparse(graph, sparsity)} (every convolution and dense layer; batch
 * norm fused), and, where the model has batch norm, the dense model with {@code FusedBatchNormalization} too, on
 * random images, Adam: the whole training step and inference as interleaved medians in one JVM (each round times every
 * network in turn, and the ratio to dense is taken per round), then, with {@code --layers}, every convolution alone
 * (a training forward pass and its backward pass on the input it sees in the network), dense against sparse, with the
 * sparse layer's rate of active multiply-adds. It also reports how long converting takes, and building the sparse
 * twin from the configuration alone ({@code SparseTwin}, no dense weights). {@code --sparse-only} times the sparse network alone, as
 * {@code dl4j-examples/pytorch/zoo_benchmark.py} times PyTorch's dense twin.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp ... io.github.dl4jsparse.benchmarks.ZooTiming \
 *     --model resnet50|vgg16 [--batch 4] [--sparsity 0.9] [--rounds 5] [--layers] [--sparse-only]
 * </pre>
 */
public final class ZooTiming {

    private ZooTiming() {
    }

    public static void main(String[] args) {
        String model = "resnet50";
        int batch = -1;
        double sparsity = 0.9;
        int rounds = 5;
        boolean layers = false;
        boolean sparseOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = args[++i];
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--sparsity" -> sparsity = Double.parseDouble(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--layers" -> layers = true;
                case "--sparse-only" -> sparseOnly = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: --model resnet50|vgg16 [--batch N] [--sparsity S] [--rounds R] [--layers] [--sparse-only]");
            }
        }
        int size = model.equals("vgg16") ? 64 : 224;
        if (batch < 0) {
            batch = model.equals("vgg16") ? 8 : 4;
        }
        ComputationGraph dense = build(model, size);
        long start = System.nanoTime();
        ComputationGraph sparse = MagnitudePruning.toSparse(dense, sparsity);
        double convertSeconds = (System.nanoTime() - start) / 1e9;
        start = System.nanoTime();
        new ComputationGraph(SparseTwin.of(dense.getConfiguration(), SparsityDistribution.uniform(sparsity).build()))
                .init();
        double buildSeconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "%s %d x %d, batch %d, sparsity %.2f; kernels: %s (convolutions: %s), %d thread(s);"
                        + " converted in %.1f s, built from scratch (SparseTwin) in %.1f s; medians of %d interleaved "
                        + "rounds%n", model, size, size, batch, sparsity, SparseKernels.implementation(),
                SparseConvKernels.implementation(), SparseKernels.threads(), convertSeconds, buildSeconds, rounds);

        Nd4j.getRandom().setSeed(7);
        INDArray features = Nd4j.rand(DataType.FLOAT, batch, 3, size, size);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int b = 0; b < batch; b++) {
            labels.putScalar(b, b % 10, 1f);
        }
        DataSet data = new DataSet(features, labels);
        if (sparseOnly) {
            double[][] alone = measure(new ComputationGraph[]{sparse}, rounds, net -> net.fit(data));
            double[][] aloneInfer = measure(new ComputationGraph[]{sparse}, rounds, net -> net.output(features));
            System.out.printf(Locale.ROOT, "| sparse %.2f, timed alone (as the PyTorch twin is) | %.0f | | %.0f | |%n",
                    sparsity, Timing.median(alone[0]), Timing.median(aloneInfer[0]));
            return;
        }
        ComputationGraph denseFused = fused(dense);
        ComputationGraph[] nets = denseFused == null ? new ComputationGraph[]{dense, sparse}
                : new ComputationGraph[]{dense, sparse, denseFused};
        double[][] train = measure(nets, rounds, net -> net.fit(data));
        double[][] infer = measure(nets, rounds, net -> net.output(features));
        System.out.println("| network | training step (ms) | ratio to dense | inference (ms) | ratio to dense |");
        System.out.println("|---|---|---|---|---|");
        String[] names = {"dense", String.format(Locale.ROOT, "sparse %.2f", sparsity), "dense, FusedBatchNormalization"};
        for (int n = 0; n < nets.length; n++) {
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.3f | %.0f | %.3f |%n", names[n], Timing.median(train[n]),
                    Timing.medianRatio(train[n], train[0]), Timing.median(infer[n]), Timing.medianRatio(infer[n], infer[0]));
        }
        if (layers) {
            perLayer(dense, sparse, features);
        }
    }

    private static ComputationGraph build(String model, int size) {
        return switch (model) {
            case "resnet50" -> (ComputationGraph) ResNet50.builder().numClasses(10).seed(1)
                    .inputShape(new int[]{3, size, size}).updater(new Adam(1e-3)).build().init();
            case "vgg16" -> (ComputationGraph) VGG16.builder().numClasses(10).seed(1)
                    .inputShape(new int[]{3, size, size}).updater(new Adam(1e-3)).build().init();
            default -> throw new IllegalArgumentException("--model must be resnet50 or vgg16, got " + model);
        };
    }

    /** The dense network with {@code FusedBatchNormalization} (the sparse one's batch norm), or null if it has none. */
    private static ComputationGraph fused(ComputationGraph dense) {
        ComputationGraphConfiguration conf = dense.getConfiguration().clone();
        if (FusedBatchNormalization.replaceIn(conf) == 0) {
            return null;
        }
        ComputationGraph net = new ComputationGraph(conf);
        net.init(dense.params().dup(), false);
        return net;
    }

    /** Per network, per round: milliseconds per call, after two warm-up calls each. */
    private static double[][] measure(ComputationGraph[] nets, int rounds,
                                      java.util.function.Consumer<ComputationGraph> op) {
        for (ComputationGraph net : nets) {
            op.accept(net);
            op.accept(net);
        }
        double[][] ms = new double[nets.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int n = 0; n < nets.length; n++) {
                long t0 = System.nanoTime();
                op.accept(nets[n]);
                ms[n][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
    }

    /**
     * Every convolution alone: a training forward pass and the backward pass on the input it sees in the dense network,
     * dense ({@code ConvolutionLayer}) against sparse ({@code SparseConv2D}, default route), interleaved medians.
     */
    private static void perLayer(ComputationGraph dense, ComputationGraph sparse, INDArray features) {
        Map<String, INDArray> acts = dense.feedForward(features, true);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        System.out.println();
        System.out.println("| layer | kernel | in (C×H×W) | out channels | density | dense (ms) | sparse (ms) | ratio | "
                + "sparse active GFMA/s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        List<double[]> totals = new ArrayList<>();
        for (String name : dense.getConfiguration().getTopologicalOrderStr()) {
            Layer d = dense.getLayer(name);
            Layer s = sparse.getVertex(name) != null && sparse.getVertex(name).hasLayer() ? sparse.getLayer(name) : null;
            if (d == null || s == null || !(d.conf().getLayer() instanceof ConvolutionLayer conv)
                    || !(s.conf().getLayer() instanceof SparseConv2D sc)) {
                continue;
            }
            String[] inputs = dense.getConfiguration().getVertexInputs().get(name).toArray(new String[0]);
            INDArray in = acts.get(inputs[0]);
            INDArray out = acts.get(name);
            INDArray eps = Nd4j.rand(out.dataType(), out.shape());
            double[] dMs = new double[5];
            double[] sMs = new double[5];
            for (int r = -1; r < dMs.length; r++) {
                double td = pass(d, in, eps, mgr);
                double ts = pass(s, in, eps, mgr);
                if (r >= 0) {
                    dMs[r] = td;
                    sMs[r] = ts;
                }
            }
            double density = 1.0 - sc.getSparsity();
            long weights = conv.getNIn() * conv.getNOut() * conv.getKernelSize()[0] * conv.getKernelSize()[1];
            double fma = 3.0 * Math.round(density * weights) * (out.length() / conv.getNOut());
            double dm = Timing.median(dMs);
            double sm = Timing.median(sMs);
            totals.add(new double[]{dm, sm});
            System.out.printf(Locale.ROOT, "| %s | %dx%d/%d | %d×%d×%d | %d | %.3f | %.2f | %.2f | %.2f | %.1f |%n", name,
                    conv.getKernelSize()[0], conv.getKernelSize()[1], conv.getStride()[0], in.size(1), in.size(2),
                    in.size(3), conv.getNOut(), density, dm, sm, sm / dm, fma / (sm * 1e6));
        }
        double dSum = totals.stream().mapToDouble(t -> t[0]).sum();
        double sSum = totals.stream().mapToDouble(t -> t[1]).sum();
        System.out.printf(Locale.ROOT, "| all %d convolutions | | | | | %.0f | %.0f | %.3f | |%n", totals.size(), dSum, sSum,
                sSum / dSum);
    }

    /** Milliseconds of one training forward pass and its backward pass of {@code layer} alone. */
    private static double pass(Layer layer, INDArray in, INDArray eps, LayerWorkspaceMgr mgr) {
        long t0 = System.nanoTime();
        layer.setInput(in, mgr);
        layer.activate(true, mgr);
        layer.backpropGradient(eps, mgr);
        return (System.nanoTime() - t0) / 1e6;
    }
}
