package io.github.dl4jsparse.dynamic;

import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SET and RigL on {@link SparseLSTM}: both connection matrices ({@code W} and {@code RW}) rewired, each on its own
 * (exact counts per matrix, 0 leaks, 0 updater state where a connection is new or inactive, reported as
 * {@code lstm/W} and {@code lstm/RW}), in both storages, behind {@code LastTimeStep}; checkpoint-resume bit-identical.
 */
class SparseLSTMRewiringTest {

    private static final int N_IN = 5;
    private static final int STEPS = 6;
    private static final int HIDDEN = 12;
    private static final int CLASSES = 3;

    private static MultiLayerNetwork net(WeightStorage storage) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(21).updater(new Adam(1e-2))
                .dataType(DataType.DOUBLE).list()
                .layer(new LastTimeStep(new SparseLSTM.Builder().name("lstm").nOut(HIDDEN).inputSparsity(0.6)
                        .recurrentSparsity(0.8).storage(storage).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(N_IN, STEPS, RNNFormat.NCW))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static List<DataSet> batches(int count, long seed) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Nd4j.getRandom().setSeed(seed + i);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 8, N_IN, STEPS).subi(0.5);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 8, CLASSES);
            Random r = new Random(seed + i);
            for (int b = 0; b < 8; b++) {
                y.putScalar(b, r.nextInt(CLASSES), 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    /** Checks both matrices after every step, right after the prune-and-regrow listener. */
    private static final class PerMatrixInvariants extends BaseTrainingListener {
        private final long[] counts;
        private final List<long[]> before = new ArrayList<>();
        private final boolean[] moved = new boolean[2];

        PerMatrixInvariants(Model net) {
            List<SparseLayer> m = SparseMatrices.of(layer(net));
            counts = new long[]{m.get(0).activePositions().length, m.get(1).activePositions().length};
            m.forEach(x -> before.add(x.activePositions()));
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            Layer layer = layer(model);
            List<SparseLayer> m = SparseMatrices.of(layer);
            for (int k = 0; k < 2; k++) {
                SparseLayer matrix = m.get(k);
                long[] active = matrix.activePositions();
                assertEquals(counts[k], active.length, "exact count of matrix " + k + " after step " + iteration);
                assertEquals(0, matrix.sparsityCounts().leaks(), "leaks in matrix " + k);
                Set<Long> old = new HashSet<>();
                Arrays.stream(before.get(k)).forEach(old::add);
                boolean dense = matrix.sparseConfig().resolvedStorage() == WeightStorage.DENSE;
                for (INDArray state : UpdaterStates.of(model, layer, matrix.trainableWeightKey())) {
                    double[] s = state.dup().data().asDouble();
                    if (dense) {
                        Set<Long> now = new HashSet<>();
                        Arrays.stream(active).forEach(now::add);
                        for (int p = 0; p < s.length; p++) {
                            if (!now.contains((long) p)) {
                                assertEquals(0.0, Math.abs(s[p]), "updater state at inactive position " + p + " of matrix " + k);
                            }
                        }
                    }
                    for (int slot = 0; slot < active.length; slot++) {
                        if (!old.contains(active[slot])) { // grown in this step's update
                            assertEquals(0.0, Math.abs(s[dense ? (int) active[slot] : slot]), "state of a grown connection");
                        }
                    }
                }
                moved[k] |= !Arrays.equals(before.get(k), active);
                before.set(k, active);
            }
            assertEquals(0, SparsityReport.of(model).leaks());
        }
    }

    private static Layer layer(Model net) {
        return ((MultiLayerNetwork) net).getLayer(0);
    }

    @ParameterizedTest(name = "{0}, {1} storage")
    @CsvSource({"SET, DENSE", "SET, ACTIVE", "RigL, DENSE", "RigL, ACTIVE"})
    void bothMatricesAreRewiredEachWithItsOwnExactCount(String method, WeightStorage storage) {
        MultiLayerNetwork net = net(storage);
        PruneRegrowListener pr = builder(method).deltaT(3).plannedIterations(20).alpha(0.3).build();
        PerMatrixInvariants invariants = new PerMatrixInvariants(net);
        net.setListeners(pr, invariants);
        batches(20, 5).forEach(net::fit);
        assertTrue(invariants.moved[0] && invariants.moved[1], "both W and RW were rewired");
        MaskUpdate first = pr.updates().get(0);
        assertEquals(List.of("lstm/W", "lstm/RW"), first.layers().stream().map(LayerUpdate::layer).toList());
        for (LayerUpdate u : first.layers()) {
            assertEquals(u.dropped(), u.grown(), u.layer());
            assertTrue(u.dropped() > 0, u.layer() + " dropped nothing");
        }
        SparsityReport report = SparsityReport.of(net);
        assertEquals(List.of("lstm/W", "lstm/RW"), report.layers().stream().map(LayerSparsity::name).toList());
    }

    private static PruneRegrowListener.Builder builder(String method) {
        return method.equals("SET") ? PruneRegrowListener.set() : PruneRegrowListener.rigl();
    }

    @ParameterizedTest(name = "RigL, {0} storage")
    @CsvSource({"DENSE", "ACTIVE"})
    void checkpointResumeIsBitIdentical(WeightStorage storage, @TempDir File dir) throws Exception {
        List<DataSet> data = batches(16, 9);
        Supplier<PruneRegrowListener> listener = () -> builder("RigL").deltaT(3).plannedIterations(16).build();
        MultiLayerNetwork uninterrupted = net(storage);
        uninterrupted.setListeners(listener.get());
        data.forEach(uninterrupted::fit);

        MultiLayerNetwork first = net(storage);
        PruneRegrowListener firstListener = listener.get();
        first.setListeners(firstListener);
        data.subList(0, 7).forEach(first::fit);
        File file = new File(dir, "lstm.zip");
        ModelSerializer.writeModel(first, file, true);
        firstListener.saveTo(file);
        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(file, true);
        resumed.setListeners(PruneRegrowListener.restoreFrom(file));
        data.subList(7, data.size()).forEach(resumed::fit);
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.params(), resumed.params()));
        assertEquals(0.0, TestData.maxAbsDiff(uninterrupted.getUpdater().getStateViewArray(),
                resumed.getUpdater().getStateViewArray()));
    }
}
