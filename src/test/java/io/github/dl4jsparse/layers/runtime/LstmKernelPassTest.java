package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LSTM kernel route ({@link LstmKernelPass}) against DL4J's LSTM on the same masked weights (the dense route):
 * outputs, every parameter gradient and the input gradient within float rounding, for both data formats, both block
 * activations, stacked layers, wrappers and graphs; training invariants and thread-count bit-identity on the kernels.
 */
class LstmKernelPassTest {

    private static final int N_IN = 4;
    private static final int STEPS = 5;
    private static final int BATCH = 6;
    private final ProductRoute before = ProductRoute.getDefault();

    @AfterEach
    void restoreRoute() {
        ProductRoute.setDefault(before);
        SparseKernels.setThreads(1);
    }

    private static SparseLSTM.Builder lstm(String name, int nOut, double sparsity, Activation activation,
                                           RNNFormat format) {
        return (SparseLSTM.Builder) new SparseLSTM.Builder().name(name).nOut(nOut).sparsity(sparsity)
                .storage(WeightStorage.ACTIVE).activation(activation).dataFormat(format);
    }

    private static MultiLayerNetwork stacked(RNNFormat format, Activation activation) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2))
                .dataType(DataType.FLOAT).list()
                .layer(lstm("lstm1", 7, 0.6, activation, format).build())
                .layer(lstm("lstm2", 5, 0.5, activation, format).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3)
                        .activation(Activation.SOFTMAX).dataFormat(format).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, format))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet sequences(RNNFormat format, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, N_IN, STEPS);
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 3, STEPS);
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < STEPS; t++) {
                y.putScalar(b, (b + t) % 3, t, 1f);
            }
        }
        if (format == RNNFormat.NWC) {
            x = x.permute(0, 2, 1).dup();
            y = y.permute(0, 2, 1).dup();
        }
        return new DataSet(x, y);
    }

    /** Output, score and flattened gradient of {@code net} on {@code data} under {@code route}. */
    private static Object[] pass(Model net, DataSet data, ProductRoute route) {
        ProductRoute.setDefault(route);
        INDArray out;
        if (net instanceof MultiLayerNetwork m) {
            out = m.output(data.getFeatures());
            m.setInput(data.getFeatures());
            m.setLabels(data.getLabels());
            m.computeGradientAndScore();
        } else {
            ComputationGraph g = (ComputationGraph) net;
            out = g.outputSingle(data.getFeatures());
            g.setInputs(data.getFeatures());
            g.setLabels(data.getLabels());
            g.computeGradientAndScore();
        }
        return new Object[]{out.dup(), net.score(), net.gradient().gradient().dup()};
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= 2e-5 * scale, what + ": max difference " + diff + " (scale " + scale + ")");
    }

    private static void assertRoutesAgree(Model net, DataSet data) {
        Object[] dense = pass(net, data, ProductRoute.DENSE);
        Object[] kernels = pass(net, data, ProductRoute.KERNELS);
        assertClose((INDArray) dense[0], (INDArray) kernels[0], "output");
        assertEquals((double) dense[1], (double) kernels[1], 1e-5 * Math.abs((double) dense[1]), "score");
        assertClose((INDArray) dense[2], (INDArray) kernels[2], "gradient of every parameter");
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"NCW, TANH", "NWC, TANH", "NCW, SIGMOID"})
    void stackedSparseLstmsOnTheKernelsMatchDl4jsLstm(RNNFormat format, Activation activation) {
        MultiLayerNetwork net = stacked(format, activation);
        ProductRoute.setDefault(ProductRoute.KERNELS);
        SparseLSTMLayer first = (SparseLSTMLayer) net.getLayer(0);
        assertTrue(first.usesSparseKernels(BATCH, true), "the kernel route applies");
        ProductRoute.setDefault(ProductRoute.DENSE);
        assertFalse(first.usesSparseKernels(BATCH, true));
        // the second layer's input gradient is the first layer's epsilon: the gradient of lstm1 checks dL/dx
        assertRoutesAgree(net, sequences(format, 3));
    }

    /**
     * A masked layer, checked on the layer itself: DL4J's MultiLayerNetwork hands a features mask to its recurrent
     * layers only in some passes, so the layer is given its input and mask directly, as a network does.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"TANH", "SIGMOID"})
    void variableLengthSequencesWithMasksMatchDl4jsLstm(Activation activation) {
        MultiLayerNetwork net = stacked(RNNFormat.NCW, activation);
        INDArray x = sequences(RNNFormat.NCW, 13).getFeatures();
        INDArray mask = Nd4j.ones(DataType.FLOAT, BATCH, STEPS);
        int[] lengths = {5, 3, 1, 4, 2, 5};
        for (int b = 0; b < BATCH; b++) {
            for (int t = lengths[b]; t < STEPS; t++) {
                mask.putScalar(b, t, 0f);
            }
        }
        mask.putScalar(5, 0, 0f); // one sequence padded at its start
        mask.putScalar(5, 1, 0f);
        Nd4j.getRandom().setSeed(17);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, BATCH, 7, STEPS);
        net.initGradientsView();
        org.deeplearning4j.nn.api.Layer first = net.getLayer(0);
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr noWorkspaces =
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        List<INDArray> dense = null;
        for (ProductRoute route : new ProductRoute[]{ProductRoute.DENSE, ProductRoute.KERNELS}) {
            ProductRoute.setDefault(route);
            first.setInput(x, noWorkspaces);
            first.setMaskArray(mask);
            INDArray out = first.activate(true, noWorkspaces).dup();
            INDArray dx = first.backpropGradient(epsilon, noWorkspaces).getSecond().dup();
            List<INDArray> results = List.of(out, first.getGradientsViewArray().dup(), dx);
            if (dense == null) {
                dense = results;
            } else {
                assertClose(dense.get(0), results.get(0), "output");
                assertClose(dense.get(1), results.get(1), "gradient of every parameter");
                assertClose(dense.get(2), results.get(2), "dL/dx");
                assertEquals(0.0, out.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1),
                        org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(3,
                                STEPS)).amaxNumber().doubleValue(), "masked steps output exactly 0 on the kernels");
            }
        }
        first.setMaskArray(null);
    }

    @Test
    void wrappersAndGraphsMatchDl4jsLstm() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(8)
                .updater(new Adam(1e-2)).dataType(DataType.FLOAT).graphBuilder()
                .addInputs("in")
                .addLayer("bi", new Bidirectional(Bidirectional.Mode.ADD,
                        lstm("bi", 6, 0.7, Activation.TANH, RNNFormat.NCW).build()), "in")
                .addLayer("last", new LastTimeStep(lstm("last", 5, 0.6, Activation.TANH, RNNFormat.NCW).build()), "bi")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "last")
                .setOutputs("out")
                .setInputTypes(InputType.recurrent(N_IN, STEPS))
                .build());
        graph.init();
        DataSet data = sequences(RNNFormat.NCW, 5);
        INDArray labels = data.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(STEPS - 1));
        assertRoutesAgree(graph, new DataSet(data.getFeatures(), labels));
    }

    @Test
    void riglOnTheKernelsKeepsExactCountsAndNoLeaks() {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        MultiLayerNetwork net = stacked(RNNFormat.NCW, Activation.TANH);
        SparsityReport start = SparsityReport.of(net);
        PruneRegrowListener rigl = PruneRegrowListener.rigl().deltaT(3).plannedIterations(24).alpha(0.3).build();
        net.setListeners(rigl);
        double first = Double.NaN;
        for (int i = 0; i < 24; i++) {
            net.fit(sequences(RNNFormat.NCW, 100 + i % 4));
            if (i == 0) {
                first = net.score();
            }
        }
        assertTrue(rigl.updates().size() >= 5, "RigL rewired: " + rigl.updates().size());
        SparsityReport end = SparsityReport.of(net);
        assertEquals(0, end.leaks());
        for (int l = 0; l < start.layers().size(); l++) {
            assertEquals(start.layers().get(l).maskZeros(), end.layers().get(l).maskZeros(),
                    start.layers().get(l).name() + ": exact count");
        }
        assertTrue(net.score() < first, "loss falls: " + first + " -> " + net.score());
    }

    @Test
    void setOnTheKernelsResumesFromACheckpointBitIdentically(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        MultiLayerNetwork whole = stacked(RNNFormat.NCW, Activation.TANH);
        whole.setListeners(PruneRegrowListener.set().deltaT(2).plannedIterations(12).alpha(0.3).build());
        for (int i = 0; i < 12; i++) {
            whole.fit(sequences(RNNFormat.NCW, 200 + i));
        }
        MultiLayerNetwork first = stacked(RNNFormat.NCW, Activation.TANH);
        PruneRegrowListener firstHalf = PruneRegrowListener.set().deltaT(2).plannedIterations(12).alpha(0.3).build();
        first.setListeners(firstHalf);
        for (int i = 0; i < 6; i++) {
            first.fit(sequences(RNNFormat.NCW, 200 + i));
        }
        java.io.File file = dir.resolve("lstm.zip").toFile();
        org.deeplearning4j.util.ModelSerializer.writeModel(first, file, true);
        firstHalf.saveTo(file);
        MultiLayerNetwork resumed = io.github.dl4jsparse.io.ModelFiles.restoreMultiLayerNetwork(file, true);
        resumed.setListeners(PruneRegrowListener.restoreFrom(file));
        for (int i = 6; i < 12; i++) {
            resumed.fit(sequences(RNNFormat.NCW, 200 + i));
        }
        assertTrue(((SparseLSTMLayer) resumed.getLayer(0)).usesSparseKernels(BATCH, true));
        assertArrayEquals(whole.params().toFloatVector(), resumed.params().toFloatVector(), "resumed bit-identically");
        assertEquals(0, SparsityReport.of(resumed).leaks());
    }

    @Test
    void rnnTimeStepStepByStepEqualsTheKernelsWholeSequenceOutput() {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        MultiLayerNetwork net = stacked(RNNFormat.NCW, Activation.TANH);
        INDArray x = sequences(RNNFormat.NCW, 11).getFeatures();
        INDArray whole = net.output(x);
        net.rnnClearPreviousState();
        for (int t = 0; t < STEPS; t++) {
            INDArray step = net.rnnTimeStep(steps(x, t, t + 1));
            assertClose(steps(whole, t, t + 1), step, "step " + t);
        }
    }

    /** Steps {@code [from, to)} of an NCW array. */
    private static INDArray steps(INDArray ncw, int from, int to) {
        return ncw.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"NCW", "NWC"})
    void rnnTimeStepOnTheKernelsMatchesDl4jsLstmChunkByChunk(RNNFormat format) {
        MultiLayerNetwork net = stacked(format, Activation.TANH);
        INDArray x = sequences(RNNFormat.NCW, 12).getFeatures();
        int[][] chunks = {{0, 2}, {2, 4}, {4, 5}};
        List<INDArray> dense = new java.util.ArrayList<>();
        for (ProductRoute route : new ProductRoute[]{ProductRoute.DENSE, ProductRoute.KERNELS}) {
            ProductRoute.setDefault(route);
            net.rnnClearPreviousState();
            for (int i = 0; i < chunks.length; i++) {
                INDArray chunk = steps(x, chunks[i][0], chunks[i][1]);
                INDArray out = net.rnnTimeStep(format == RNNFormat.NWC ? chunk.permute(0, 2, 1).dup() : chunk).dup();
                if (route == ProductRoute.DENSE) {
                    dense.add(out);
                } else {
                    assertClose(dense.get(i), out, route + ", steps " + chunks[i][0] + ".." + chunks[i][1]);
                }
            }
        }
        assertTrue(((SparseLSTMLayer) net.getLayer(0)).usesSparseKernels(BATCH, false), "the kernel route applies");
    }

    /**
     * A truncated-BPTT segment on the layer itself, from a stored state: the output, the state handed to the next
     * segment, every parameter gradient and dL/dx against DL4J's LSTM, with a backward length shorter than the segment
     * and one longer.
     */
    @ParameterizedTest(name = "backward length {0}")
    @CsvSource({"2", "5"})
    void aTruncatedBpttSegmentFromAStoredStateMatchesDl4jsLstm(int backwardLength) {
        MultiLayerNetwork net = stacked(RNNFormat.NCW, Activation.TANH);
        INDArray x = sequences(RNNFormat.NCW, 14).getFeatures();
        Nd4j.getRandom().setSeed(18);
        INDArray epsilon = Nd4j.randn(DataType.FLOAT, BATCH, 7, STEPS);
        java.util.Map<String, INDArray> state = new java.util.HashMap<>();
        state.put(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_ACTIVATION,
                Nd4j.rand(DataType.FLOAT, BATCH, 7).subi(0.5));
        state.put(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_MEMCELL,
                Nd4j.randn(DataType.FLOAT, BATCH, 7));
        net.initGradientsView();
        SparseLSTMLayer first = (SparseLSTMLayer) net.getLayer(0);
        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr noWorkspaces =
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces();
        List<INDArray> dense = null;
        for (ProductRoute route : new ProductRoute[]{ProductRoute.DENSE, ProductRoute.KERNELS}) {
            ProductRoute.setDefault(route);
            first.rnnSetPreviousState(new java.util.HashMap<>(state));
            first.rnnSetTBPTTState(new java.util.HashMap<>(state));
            INDArray out = first.rnnActivateUsingStoredState(x, true, true, noWorkspaces).dup();
            java.util.Map<String, INDArray> next = first.rnnGetTBPTTState();
            INDArray nextOut = next.get(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_ACTIVATION).dup();
            INDArray nextCell = next.get(org.deeplearning4j.nn.layers.recurrent.LSTM.STATE_KEY_PREV_MEMCELL).dup();
            INDArray dx = first.tbpttBackpropGradient(epsilon, backwardLength, noWorkspaces).getSecond().dup();
            List<INDArray> results = List.of(out, nextOut, nextCell, first.getGradientsViewArray().dup(), dx);
            if (dense == null) {
                dense = results;
            } else {
                assertTrue(first.usesSparseKernels(BATCH, true), "the kernel route applies");
                String[] what = {"output", "state handed on: output", "state handed on: cell",
                        "gradient of every parameter", "dL/dx"};
                for (int i = 0; i < what.length; i++) {
                    assertClose(dense.get(i), results.get(i), what[i]);
                }
                if (backwardLength < STEPS) {
                    assertEquals(0.0, steps(dx, 0, STEPS - backwardLength).amaxNumber().doubleValue(),
                            "no gradient before the backward length");
                }
            }
        }
    }

    /**
     * Truncated BPTT through {@code fit()}: segments of 2 steps (the last of 1), plain SGD, both routes; the scores
     * (computed from each segment's stored-state forward pass) and the parameters after every fit. DL4J 1.0.0-M2.1's
     * networks compute a segment's gradient with {@code backpropGradient}, from a zero state, and the kernel route
     * does the same.
     */
    @Test
    void truncatedBpttTrainingOnTheKernelsMatchesDl4jsLstm() {
        DataSet data = sequences(RNNFormat.NCW, 15);
        List<INDArray> params = new java.util.ArrayList<>();
        List<Double> scores = new java.util.ArrayList<>();
        for (ProductRoute route : new ProductRoute[]{ProductRoute.DENSE, ProductRoute.KERNELS}) {
            ProductRoute.setDefault(route);
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7)
                    .updater(new org.nd4j.linalg.learning.config.Sgd(0.1)).dataType(DataType.FLOAT).list()
                    .layer(lstm("lstm1", 7, 0.6, Activation.TANH, RNNFormat.NCW).build())
                    .layer(lstm("lstm2", 5, 0.5, Activation.TANH, RNNFormat.NCW).build())
                    .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3)
                            .activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.recurrent(N_IN, STEPS))
                    .backpropType(org.deeplearning4j.nn.conf.BackpropType.TruncatedBPTT)
                    .tBPTTForwardLength(2).tBPTTBackwardLength(2)
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            for (int i = 0; i < 3; i++) {
                net.fit(data);
                scores.add(net.score());
            }
            assertEquals(9, net.getIterationCount(), "three segments per fit");
            params.add(net.params().dup());
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(scores.get(i), scores.get(3 + i), 1e-6 * scores.get(i), "score after fit " + (i + 1));
        }
        double scale = params.get(0).amaxNumber().doubleValue();
        double diff = params.get(0).sub(params.get(1)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-5 * scale, "parameters after 9 segments differ by " + diff);
    }

    @Test
    void aPassTooLargeForTheHeapIsLeftToDl4jsLstm() {
        LstmKernelPass<float[]> pass = new LstmKernelPass<>(PassArithmetic.FLOAT, null, null, 512, false);
        assertTrue(pass.fitsInHeap(64, 28, 28), "LSTM(512), batch 64, 28 steps: 34 MB");
        long heap = Runtime.getRuntime().maxMemory();
        long steps = heap / (4L * 13 * 512 * 64) + 1; // a quarter of the heap and more
        assertFalse(pass.fitsInHeap(64, steps, 28), steps + " steps");
    }

    @Test
    void resultsAreBitIdenticalForAnyThreadCount() {
        ProductRoute.setDefault(ProductRoute.KERNELS);
        DataSet data = sequences(RNNFormat.NCW, 9);
        List<INDArray> results = new java.util.ArrayList<>();
        for (int threads : new int[]{1, 3}) {
            SparseKernels.setThreads(threads);
            MultiLayerNetwork net = stacked(RNNFormat.NCW, Activation.TANH);
            for (int i = 0; i < 3; i++) {
                net.fit(data);
            }
            results.add(net.params().dup());
            results.add(net.output(data.getFeatures()).ravel().dup());
        }
        assertArrayEquals(results.get(0).toFloatVector(), results.get(2).toFloatVector(), "parameters");
        assertArrayEquals(results.get(1).toFloatVector(), results.get(3).toFloatVector(), "outputs");
    }
}
