package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.testutil.GradientChecks;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static io.github.dl4jsparse.testutil.GradientChecks.EPS;
import static io.github.dl4jsparse.testutil.GradientChecks.MAX_REL_ERROR;
import static io.github.dl4jsparse.testutil.GradientChecks.MIN_ABS_ERROR;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Double-precision gradient checks of {@link SparseLSTM} in both storages, NCW and NWC, with masking arrays
 * (variable-length sequences), in a MultiLayerNetwork (two stacked SparseLSTMs into an {@code RnnOutputLayer}) and a
 * ComputationGraph ({@code LastTimeStep} into an output layer). Masks and positions are excluded: not trainable.
 */
@ExtendWith(GradientChecks.DoublePrecision.class)
class SparseLSTMGradientCheckTest {

    private static final int N_IN = 3;
    private static final int STEPS = 5;
    private static final int BATCH = 4;
    private static final int CLASSES = 3;

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(12345).dataType(DataType.DOUBLE).updater(new NoOp());
    }

    /** Features {@code [batch, nIn, steps]} (NCW) or {@code [batch, steps, nIn]} (NWC), seeded. */
    private static INDArray features(RNNFormat format) {
        Nd4j.getRandom().setSeed(7);
        INDArray ncw = Nd4j.rand(DataType.DOUBLE, BATCH, N_IN, STEPS).subi(0.5).muli(2);
        return format == RNNFormat.NCW ? ncw : ncw.permute(0, 2, 1).dup('c');
    }

    /** Sequence lengths 5, 3, 4, 2: a mask {@code [batch, steps]}. */
    private static INDArray mask() {
        int[] lengths = {5, 3, 4, 2};
        INDArray m = Nd4j.zeros(DataType.DOUBLE, BATCH, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                m.putScalar(b, t, 1.0);
            }
        }
        return m;
    }

    private static INDArray oneHot(int rows, long seed) {
        Random r = new Random(seed);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, CLASSES);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, r.nextInt(CLASSES), 1.0);
        }
        return y;
    }

    @ParameterizedTest(name = "MultiLayerNetwork, {0}, {1}")
    @CsvSource({"NCW, DENSE", "NCW, ACTIVE", "NWC, DENSE", "NWC, ACTIVE"})
    void multiLayerNetworkWithMaskedSequences(RNNFormat format, WeightStorage storage) {
        MultiLayerConfiguration conf = base().list()
                .layer(new SparseLSTM.Builder().nOut(4).inputSparsity(0.5).recurrentSparsity(0.6).storage(storage)
                        .dataFormat(format).activation(Activation.TANH).build())
                .layer(new SparseLSTM.Builder().nOut(3).sparsity(0.5).storage(storage).dataFormat(format)
                        .activation(Activation.SOFTSIGN).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .dataFormat(format).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray labels = Nd4j.zeros(DataType.DOUBLE, BATCH, CLASSES, STEPS);
        Random r = new Random(3);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                labels.putScalar(b, r.nextInt(CLASSES), t, 1.0);
            }
        }
        if (format == RNNFormat.NWC) {
            labels = labels.permute(0, 2, 1).dup('c');
        }
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(features(format)).labels(labels).inputMask(mask()).labelMask(mask())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("0", "1")));
        assertTrue(ok, "gradient check of SparseLSTM, " + format + ", " + storage);
    }

    @ParameterizedTest(name = "ComputationGraph, LastTimeStep, {0}, {1}")
    @CsvSource({"NCW, DENSE", "NCW, ACTIVE", "NWC, DENSE", "NWC, ACTIVE"})
    void computationGraphWithLastTimeStep(RNNFormat format, WeightStorage storage) {
        ComputationGraphConfiguration conf = base().graphBuilder()
                .addInputs("in")
                .addLayer("lstm", new LastTimeStep(new SparseLSTM.Builder().nOut(5).sparsity(0.7).storage(storage)
                        .dataFormat(format).activation(Activation.TANH).build()), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "lstm")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(N_IN, STEPS, format))
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(graph)
                .inputs(new INDArray[]{features(format)}).labels(new INDArray[]{oneHot(BATCH, 5)})
                .inputMask(new INDArray[]{mask()})
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("lstm")));
        assertTrue(ok, "gradient check of SparseLSTM in a ComputationGraph, " + format + ", " + storage);
    }
}
