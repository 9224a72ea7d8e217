package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.GradientChecks;
import io.github.dl4jsparse.testutil.LayerKinds;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.github.dl4jsparse.testutil.GradientChecks.EPS;
import static io.github.dl4jsparse.testutil.GradientChecks.MAX_REL_ERROR;
import static io.github.dl4jsparse.testutil.GradientChecks.MIN_ABS_ERROR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every registered sparse layer kind ({@link LayerKinds}) must do, in both storages: exact gradients (double
 * precision), SET and RigL rewiring each connection matrix with exact counts and no leaks, a ModelSerializer round
 * trip that keeps the masks and trains on identically, and one report entry per connection matrix.
 */
@ExtendWith(GradientChecks.DoublePrecision.class)
class LayerKindContractTest {

    static Stream<Arguments> kinds() {
        List<Arguments> out = new ArrayList<>();
        for (LayerKinds.LayerKind kind : LayerKinds.all()) {
            for (WeightStorage storage : new WeightStorage[]{WeightStorage.DENSE, WeightStorage.ACTIVE}) {
                out.add(Arguments.of(kind, storage));
            }
        }
        return out.stream();
    }

    private static MultiLayerNetwork net(LayerKinds.LayerKind kind, WeightStorage storage, IUpdater updater) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).updater(updater)
                .dataType(DataType.DOUBLE).list()
                .layer(kind.layer().apply(storage, 0.6))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(kind.inputType())
                .build());
        net.init();
        return net;
    }

    private static DataSet data(LayerKinds.LayerKind kind, int n, long seed) {
        DataSet d = TestData.classification(n, LayerKinds.FEATURES, 3, seed, DataType.DOUBLE);
        d.setFeatures(kind.input().apply(d.getFeatures()));
        return d;
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kinds")
    void gradientsAreExact(LayerKinds.LayerKind kind, WeightStorage storage) {
        MultiLayerNetwork net = net(kind, storage, new NoOp());
        DataSet d = data(kind, 4, 3);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                .input(d.getFeatures()).labels(d.getLabels())
                .epsilon(EPS).maxRelError(MAX_REL_ERROR).minAbsoluteError(MIN_ABS_ERROR)
                .excludeParams(GradientChecks.structure("0")));
        assertTrue(ok, "gradient check of " + kind + ", " + storage);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kinds")
    void setAndRiglRewireEveryMatrixWithExactCounts(LayerKinds.LayerKind kind, WeightStorage storage) {
        for (PruneRegrowListener.Builder b : List.of(PruneRegrowListener.set(), PruneRegrowListener.rigl())) {
            MultiLayerNetwork net = net(kind, storage, new Adam(1e-2));
            List<SparseLayer> matrices = SparseMatrices.of(net.getLayer(0));
            List<long[]> before = matrices.stream().map(SparseLayer::activePositions).toList();
            PruneRegrowListener pr = b.deltaT(2).plannedIterations(10).alpha(0.4).build();
            net.setListeners(pr);
            for (int step = 0; step < 10; step++) {
                net.fit(data(kind, 8, 10 + step));
            }
            MaskUpdate first = pr.updates().get(0);
            assertEquals(matrices.size(), first.layers().size(), "one update entry per connection matrix");
            for (int k = 0; k < matrices.size(); k++) {
                SparseLayer m = matrices.get(k);
                assertEquals(before.get(k).length, m.activePositions().length, kind + " matrix " + k + " count");
                assertEquals(0, m.sparsityCounts().leaks(), kind + " matrix " + k + " leaks");
                assertTrue(!java.util.Arrays.equals(before.get(k), m.activePositions()), kind + " matrix " + k
                        + " was not rewired");
                LayerUpdate u = first.layers().get(k);
                assertEquals(u.dropped(), u.grown());
            }
            assertEquals(0, SparsityReport.of(net).leaks());
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kinds")
    void modelSerializerKeepsMasksAndTrainingContinuesIdentically(LayerKinds.LayerKind kind, WeightStorage storage,
                                                                  @TempDir File dir) throws Exception {
        MultiLayerNetwork net = net(kind, storage, new Adam(1e-2));
        DataSet d = data(kind, 8, 4);
        net.fit(d);
        File file = new File(dir, "model.zip");
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(net.getLayerWiseConfigurations(), restored.getLayerWiseConfigurations());
        List<SparseLayer> a = SparseMatrices.of(net.getLayer(0));
        List<SparseLayer> b = SparseMatrices.of(restored.getLayer(0));
        for (int k = 0; k < a.size(); k++) {
            assertEquals(a.get(k).weightMask(), b.get(k).weightMask(), "mask of matrix " + k);
        }
        net.fit(d);
        restored.fit(d);
        assertEquals(0.0, TestData.maxAbsDiff(net.params(), restored.params()));
        SparsityReport report = SparsityReport.of(restored);
        assertEquals(a.size(), report.layers().size(), "one report entry per connection matrix");
        for (int k = 0; k < a.size(); k++) {
            LayerSparsity l = report.layers().get(k);
            long connections = a.get(k).sparseConfig().connections();
            assertEquals(connections - a.get(k).activePositions().length, l.maskZeros(), l.name());
        }
        INDArray out = net.output(d.getFeatures());
        assertEquals(out, restored.output(d.getFeatures()));
    }
}
