package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.distribution.SparseTwin;
import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.kernels.LstmCells;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.runtime.SparseLSTMLayer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.GravesLSTM;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.TextGenerationLSTM;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * DL4J's zoo {@code TextGenerationLSTM} (two recurrent layers of 256 units over one-hot characters, an RNN output
 * layer, RMSProp, truncated BPTT of 50 steps), dense against its {@link SparseTwin} at the given sparsities: a
 * training minibatch of {@code --batch} sequences of {@code --steps} characters ({@code fit}, one update per segment
 * of 50 steps) and the generation of {@code --generate} characters for one sequence, one {@code rnnTimeStep} call per
 * character, as the character-generation examples do. Interleaved medians in one JVM, the ratio to dense taken per
 * round.
 *
 * <p>The zoo model is built with {@code GravesLSTM}, which DL4J 1.0.0-M2.1 deprecates in favour of {@code LSTM} and
 * which has peephole connections that {@code SparseLSTM} does not: the benchmark puts an {@code LSTM} of the same size,
 * activation and settings in each one's place, as a user following the deprecation would, and converts that.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp ... io.github.dl4jsparse.benchmarks.TextGenerationTiming
 *     [--batch 32] [--steps 200] [--generate 200] [--sparsity 0.9,0.5] [--rounds 7]
 * </pre>
 */
public final class TextGenerationTiming {

    private TextGenerationTiming() {
    }

    public static void main(String[] args) {
        int batch = 32;
        int steps = 200;
        int generate = 200;
        int rounds = 7;
        String sparsities = "0.9";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--generate" -> generate = Integer.parseInt(args[i + 1]);
                case "--sparsity" -> sparsities = args[i + 1];
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; options: --batch --steps --generate --sparsity --rounds");
            }
        }
        // the zoo builder leaves inputShape null (conf() then fails); its defaults are 40 steps of 47 characters
        MultiLayerConfiguration dense = withLstm(TextGenerationLSTM.builder().inputShape(new int[]{40, 47}).build()
                .conf());
        int characters = (int) ((LSTM) dense.getConf(0).getLayer()).getNIn();
        List<String> names = new ArrayList<>();
        List<MultiLayerNetwork> nets = new ArrayList<>();
        names.add("dense (LSTM)");
        nets.add(init(dense));
        for (String s : sparsities.split(",")) {
            names.add("SparseTwin " + s);
            nets.add(init(SparseTwin.of(dense, SparsityDistribution.uniform(Double.parseDouble(s)).build())));
        }
        DataSet text = text(batch, steps, characters, 5);
        System.out.printf(Locale.ROOT, "zoo TextGenerationLSTM (GravesLSTM -> LSTM), %d characters; training: %d "
                        + "sequences of %d steps, truncated BPTT %d; generation: %d characters, batch 1; kernels: %s, "
                        + "cells: %s, %d thread(s); medians of %d interleaved rounds%n", characters, batch, steps,
                dense.getTbpttFwdLength(), generate, SparseKernels.implementation(), LstmCells.implementation(),
                SparseKernels.threads(), rounds);
        for (int n = 1; n < nets.size(); n++) {
            StringBuilder routes = new StringBuilder();
            for (int l = 0; l < 2; l++) {
                SparseLSTMLayer layer = (SparseLSTMLayer) nets.get(n).getLayer(l);
                routes.append(String.format(Locale.ROOT, " layer %d: training %b, generation %b;", l,
                        layer.usesSparseKernels(batch, true), layer.usesSparseKernels(1, false)));
            }
            System.out.println(names.get(n) + " on the kernels:" + routes);
        }
        int characterCount = generate;
        double[][] train = Timing.interleaved(nets, net -> net.fit(text), rounds, 2.0, 0.6);
        double[][] gen = Timing.interleaved(nets, net -> generate(net, characters, characterCount), rounds, 2.0, 0.6);
        System.out.println("| network | training minibatch (ms) | ratio to dense | generating " + generate
                + " characters (ms) | ratio to dense |");
        System.out.println("|---|---|---|---|---|");
        for (int n = 0; n < nets.size(); n++) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.3f | %.1f | %.3f |%n", names.get(n), Timing.median(train[n]),
                    Timing.medianRatio(train[n], train[0]), Timing.median(gen[n]), Timing.medianRatio(gen[n], gen[0]));
        }
    }

    /** The zoo configuration with an {@code LSTM} of the same size and settings in each {@code GravesLSTM}'s place. */
    static MultiLayerConfiguration withLstm(MultiLayerConfiguration zoo) {
        MultiLayerConfiguration conf = zoo.clone();
        for (NeuralNetConfiguration layerConf : conf.getConfs()) {
            if (layerConf.getLayer() instanceof GravesLSTM g) {
                LSTM lstm = new LSTM.Builder().nIn(g.getNIn()).nOut(g.getNOut()).activation(g.getActivationFn())
                        .gateActivationFunction(g.getGateActivationFn()).forgetGateBiasInit(g.getForgetGateBiasInit())
                        .weightInit(g.getWeightInitFn()).updater(g.getIUpdater()).biasUpdater(g.getBiasUpdater())
                        .build();
                lstm.setRegularization(g.getRegularization());
                lstm.setRegularizationBias(g.getRegularizationBias());
                lstm.setLayerName(g.getLayerName());
                layerConf.setLayer(lstm);
            }
        }
        return conf;
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Random one-hot characters, each labelled with the next one, {@code [batch, characters, steps]}. */
    static DataSet text(int batch, int steps, int characters, long seed) {
        Random random = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, batch, characters, steps);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, characters, steps);
        for (int b = 0; b < batch; b++) {
            int c = random.nextInt(characters);
            for (int t = 0; t < steps; t++) {
                int next = random.nextInt(characters);
                x.putScalar(b, c, t, 1f);
                y.putScalar(b, next, t, 1f);
                c = next;
            }
        }
        return new DataSet(x, y);
    }

    /** Generates {@code count} characters for one sequence: one {@code rnnTimeStep} per character, greedy. */
    static int generate(MultiLayerNetwork net, int characters, int count) {
        net.rnnClearPreviousState();
        INDArray input = Nd4j.zeros(DataType.FLOAT, 1, characters, 1);
        int c = 0;
        int checksum = 0;
        for (int i = 0; i < count; i++) {
            input.assign(0).putScalar(0, c, 0, 1f);
            INDArray out = net.rnnTimeStep(input);
            c = out.reshape(characters).argMax(0).getInt(0);
            checksum += c;
        }
        return checksum;
    }
}
