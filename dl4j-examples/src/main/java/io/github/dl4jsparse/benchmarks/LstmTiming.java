package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.kernels.LstmCells;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLSTMLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * LSTM(hidden) over {@code steps} time steps of {@code features} inputs, last step to softmax(10), Adam: DL4J's
 * {@code LSTM} against {@code SparseLSTM} at the given sparsities, training step and inference as interleaved medians
 * in one JVM (each round times every network in turn; the ratio to DL4J's LSTM is taken per round). The PyTorch twin
 * is {@code dl4j-examples/pytorch/lstm_benchmark.py}.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp ... io.github.dl4jsparse.benchmarks.LstmTiming
 *     [--hidden 512] [--batch 64] [--steps 28] [--features 28] [--sparsity 0.9,0.5] [--rounds 7]
 * </pre>
 */
public final class LstmTiming {

    private LstmTiming() {
    }

    public static void main(String[] args) {
        int hidden = 512;
        int batch = 64;
        int steps = 28;
        int features = 28;
        int rounds = 7;
        String sparsities = "0.9";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--hidden" -> hidden = Integer.parseInt(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--features" -> features = Integer.parseInt(args[i + 1]);
                case "--sparsity" -> sparsities = args[i + 1];
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --hidden --batch --steps --features --sparsity --rounds");
            }
        }
        List<String> names = new ArrayList<>();
        List<MultiLayerNetwork> nets = new ArrayList<>();
        names.add("LSTM (DL4J)");
        nets.add(net(hidden, steps, features, -1));
        for (String s : sparsities.split(",")) {
            double sparsity = Double.parseDouble(s);
            names.add("SparseLSTM " + s);
            nets.add(net(hidden, steps, features, sparsity));
        }
        DataSet data = data(batch, features, steps);
        System.out.printf(Locale.ROOT, "LSTM(%d), %d steps of %d features, batch %d; kernels: %s, cells: %s, %d thread(s); "
                        + "medians of %d interleaved rounds%n", hidden, steps, features, batch,
                SparseKernels.implementation(), LstmCells.implementation(), SparseKernels.threads(), rounds);
        for (int n = 1; n < nets.size(); n++) {
            SparseLSTMLayer layer = (SparseLSTMLayer) ((org.deeplearning4j.nn.layers.recurrent.LastTimeStepLayer)
                    nets.get(n).getLayer(0)).getUnderlying();
            System.out.printf(Locale.ROOT, "%s: training on the kernels %b, inference %b%n", names.get(n),
                    layer.usesSparseKernels(batch, true), layer.usesSparseKernels(batch, false));
        }
        double[][] train = Timing.interleaved(nets, net -> net.fit(data), rounds, 2.0, 0.6);
        double[][] infer = Timing.interleaved(nets, net -> net.output(data.getFeatures()), rounds, 2.0, 0.6);
        System.out.println("| network | training step (ms) | ratio to LSTM | inference (ms) | ratio to LSTM |");
        System.out.println("|---|---|---|---|---|");
        for (int n = 0; n < nets.size(); n++) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.3f | %.1f | %.3f |%n", names.get(n), Timing.median(train[n]),
                    Timing.medianRatio(train[n], train[0]), Timing.median(infer[n]), Timing.medianRatio(infer[n], infer[0]));
        }
    }

    /** DL4J's LSTM for {@code sparsity < 0}, else a SparseLSTM (active storage) at that sparsity. */
    static MultiLayerNetwork net(int hidden, int steps, int features, double sparsity) {
        org.deeplearning4j.nn.conf.layers.Layer lstm = sparsity < 0
                ? new LSTM.Builder().nOut(hidden).activation(Activation.TANH).build()
                : new SparseLSTM.Builder().nOut(hidden).sparsity(sparsity).storage(WeightStorage.ACTIVE)
                        .activation(Activation.TANH).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).dataType(DataType.FLOAT).list()
                .layer(new LastTimeStep(lstm))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(features, steps))
                .build());
        net.init();
        return net;
    }

    static DataSet data(int batch, int features, int steps) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, features, steps);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int b = 0; b < batch; b++) {
            y.putScalar(b, b % 10, 1f);
        }
        return new DataSet(x, y);
    }
}
