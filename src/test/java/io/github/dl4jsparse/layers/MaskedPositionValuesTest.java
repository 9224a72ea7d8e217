package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.LayerKinds;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Under {@link WeightStorage#DENSE} every masked weight has no effect whatever value is stored there: a NaN and an
 * infinity written into masked positions of every matrix (as {@code setParams} or a damaged file could) leave
 * inference and training exactly as without them, the first training pass stores 0 there, and a model saved with
 * them restores to the same outputs.
 */
class MaskedPositionValuesTest {

    static List<LayerKinds.LayerKind> kinds() {
        return LayerKinds.all();
    }

    private static MultiLayerNetwork net(LayerKinds.LayerKind kind) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(8).updater(new Adam(1e-2))
                .dataType(DataType.FLOAT).list()
                .layer(kind.layer().apply(WeightStorage.DENSE, 0.5))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(kind.inputType()).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Writes NaN and +Inf into the first two masked positions of every connection matrix of the first layer. */
    private static int poison(MultiLayerNetwork net) {
        Layer layer = net.getLayer(0);
        int written = 0;
        for (SparseLayer matrix : SparseMatrices.of(layer)) {
            MatrixParamKeys keys = matrix.sparseConfig().paramKeys();
            INDArray w = layer.getParam(keys.weight());
            INDArray m = layer.getParam(keys.mask());
            double[] values = {Double.NaN, Double.POSITIVE_INFINITY};
            int k = 0;
            for (long i = 0; i < m.length() && k < values.length; i++) {
                if (m.getDouble(i) == 0.0) {
                    w.putScalar(i, values[k++]);
                }
            }
            written += k;
        }
        return written;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void nonFiniteValuesAtMaskedPositionsHaveNoEffect(LayerKinds.LayerKind kind, @TempDir File dir) throws Exception {
        MultiLayerNetwork clean = net(kind);
        MultiLayerNetwork poisoned = clean.clone();
        assertTrue(poison(poisoned) >= 2, "masked positions to write into");
        DataSet data = TestData.classification(8, LayerKinds.FEATURES, 3, 5, DataType.FLOAT);
        INDArray x = kind.input().apply(data.getFeatures());
        DataSet batch = new DataSet(x, data.getLabels());

        File file = new File(dir, "poisoned.zip");
        ModelSerializer.writeModel(poisoned, file, true);
        assertEquals(clean.output(x), poisoned.output(x), "inference ignores masked values");
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertEquals(clean.output(x), restored.output(x), "a restored file with masked NaNs computes the same");
        for (int step = 0; step < 3; step++) {
            clean.fit(batch);
            poisoned.fit(batch);
            restored.fit(batch);
        }
        assertEquals(clean.params(), poisoned.params(), "training ignores masked values and stores 0 there");
        assertEquals(clean.params(), restored.params());
        assertEquals(0, SparsityReport.of(poisoned).leaks(), "no masked position holds a value after training");
    }
}
