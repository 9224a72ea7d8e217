package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.SparseLinearLayer;
import io.github.dl4jsparse.testutil.Layers;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ModelSerializer} round trips and {@code clone()}: the mask travels with the model, training continues exactly. */
class SerializationTest {

    @TempDir
    Path dir;

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2));
    }

    private static final DataSet DATA = TestData.classification(20, Nets.N_IN, Nets.CLASSES, 9, DataType.FLOAT);

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void multiLayerNetworkRestoresAndContinuesExactly(WeightStorage storage) throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.7, storage);
        fit(net, 5);
        File file = dir.resolve("mln.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);

        assertEquals(net.params(), restored.params(), "weights, biases and masks");
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(), "updater state");
        assertEquals(Layers.mask(net.getLayer(0)), Layers.mask(restored.getLayer(0)));
        assertEquals(storage, ((SparseLinear) restored.getLayer(0).conf().getLayer()).resolvedStorage());
        assertEquals(net.output(DATA.getFeatures()), restored.output(DATA.getFeatures()));

        fit(net, 5);
        fit(restored, 5);
        assertEquals(net.params(), restored.params(), "training continues as the original's");
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void computationGraphRestoresAndContinuesExactly(WeightStorage storage) throws IOException {
        ComputationGraph graph = Nets.graph(base(), true, storage == WeightStorage.ACTIVE ? 0.6 : 0.4);
        assertEquals(storage, ((SparseLinear) graph.getLayer("h1").conf().getLayer()).resolvedStorage());
        for (int i = 0; i < 5; i++) {
            graph.fit(DATA);
        }
        File file = dir.resolve("cg.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(graph.params(), restored.params());
        assertEquals(graph.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        for (int i = 0; i < 5; i++) {
            graph.fit(DATA);
            restored.fit(DATA);
        }
        assertEquals(graph.params(), restored.params());
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void cloneCopiesMasksAndTrainsIndependently(WeightStorage storage) {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5, storage);
        fit(net, 3);
        MultiLayerNetwork copy = net.clone();
        assertEquals(net.params(), copy.params());
        INDArray before = net.params().dup();
        fit(copy, 3);
        assertEquals(before, net.params(), "training the clone leaves the original alone");
        assertNotEquals(before, copy.params());
        assertEquals(Layers.mask(net.getLayer(1)), Layers.mask(copy.getLayer(1)));
        ComputationGraph graph = Nets.graph(base(), true, 0.5);
        assertEquals(graph.params(), graph.clone().params());
    }

    @Test
    void restoringANonBinaryMaskFailsNamingLayerAndParameter() throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5, WeightStorage.DENSE);
        net.getLayer(1).getParam(SparseLinear.WEIGHT_MASK_KEY).putScalar(0, 0, 0.5); // corrupt, bypassing setParam
        File file = dir.resolve("corrupt.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelSerializer.restoreMultiLayerNetwork(file, false));
        assertTrue(e.getMessage().contains("layer1") && e.getMessage().contains("weightMask")
                && e.getMessage().contains("0.5"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"0, 0.5, 'not an integral position'", "0, 48.0, 'not an integral position'",
            "1, -1.0, 'not an integral position'", "2, 0.0, 'not after the previous one'"})
    void restoringCorruptActiveIndicesFailsNamingLayerAndParameter(int entry, double value, String expected)
            throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5, WeightStorage.ACTIVE);
        INDArray index = net.getLayer(1).getParam(SparseLinear.ACTIVE_INDEX_KEY); // [1, 24]: positions in 8x6
        long active = index.size(1);
        // entry 0 (0.5, or 48 = nIn·nOut, out of range), the last entry (-1), or entry 2 back to entry 0's position
        if (entry == 2) {
            index.putScalar(0, 2, index.getDouble(0, 0));
        } else {
            index.putScalar(0, entry == 1 ? active - 1 : 0, value);
        }
        File file = dir.resolve("corrupt-index.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelSerializer.restoreMultiLayerNetwork(file, false));
        assertTrue(e.getMessage().contains("layer1") && e.getMessage().contains(SparseLinear.ACTIVE_INDEX_KEY)
                && e.getMessage().contains(expected), e.getMessage());
    }

    /**
     * A model file written before {@link WeightStorage} existed: its configuration has no {@code storage} field and
     * its parameters are {@code W} and {@code weightMask}, also at sparsity 0.7 where {@code AUTO} now means active
     * storage. It must restore as it was saved. (The file is made by saving with dense storage and deleting the field
     * from {@code configuration.json}, which leaves exactly what the earlier version wrote.)
     */
    @Test
    void aModelSavedBeforeStorageExistedRestoresWithDenseStorage() throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.7, WeightStorage.DENSE);
        fit(net, 3);
        File file = dir.resolve("current.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        File legacy = dir.resolve("legacy.zip").toFile();
        rewriteEntry(file, legacy, "configuration.json", json -> {
            String without = json.replaceAll(",\\s*\"storage\"\\s*:\\s*\"DENSE\"", "");
            assertNotEquals(json, without, "the storage field was written");
            assertTrue(!without.contains("storage"), without);
            return without;
        });
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(legacy, true);
        assertEquals(WeightStorage.DENSE, ((SparseLinear) restored.getLayer(0).conf().getLayer()).resolvedStorage());
        assertEquals(net.params(), restored.params());
        assertEquals(net.output(DATA.getFeatures()), restored.output(DATA.getFeatures()));
        fit(restored, 2); // and it trains on
    }

    @Test
    void restoringParametersThatDoNotMatchTheShapesFails() throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5);
        File file = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        // a configuration claiming a wider first layer than the stored weights and mask
        File tampered = dir.resolve("tampered.zip").toFile();
        rewriteEntry(file, tampered, "configuration.json", json -> json.replaceFirst("\"nout\" : 8", "\"nout\" : 9"));
        Exception e = assertThrows(Exception.class, () -> ModelSerializer.restoreMultiLayerNetwork(tampered, false));
        assertTrue(e.getMessage() != null && e.getMessage().toLowerCase().contains("length"), e.getMessage());
    }

    @Test
    void setParamAssignsAndKeepsMaskedWeightsZero() {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5, WeightStorage.DENSE);
        org.deeplearning4j.nn.api.Layer layer = net.getLayer(0);
        INDArray ones = layer.getParam(SparseLinear.WEIGHT_KEY).like().assign(1.0);
        layer.setParam(SparseLinear.WEIGHT_KEY, ones);
        assertEquals(layer.getParam(SparseLinear.WEIGHT_MASK_KEY), layer.getParam(SparseLinear.WEIGHT_KEY),
                "W = 1 everywhere the mask is 1, 0 elsewhere");
        INDArray notBinary = ones.dup().muli(0.5);
        INDArray maskBefore = layer.getParam(SparseLinear.WEIGHT_MASK_KEY).dup();
        assertThrows(IllegalStateException.class, () -> layer.setParam(SparseLinear.WEIGHT_MASK_KEY, notBinary));
        assertEquals(maskBefore, layer.getParam(SparseLinear.WEIGHT_MASK_KEY), "a refused mask changes nothing");
    }

    @ParameterizedTest
    @EnumSource(value = WeightStorage.class, names = {"DENSE", "ACTIVE"})
    void setMaskedWeightsSetsTheDenseViewAndRefusesABadMask(WeightStorage storage) {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5, storage);
        SparseLinearLayer layer = (SparseLinearLayer) net.getLayer(0);
        INDArray mask = Layers.mask(layer);
        INDArray shifted = Nd4j.create(mask.dup('c').data().asDouble(), mask.shape(), 'f'); // same count, other positions
        INDArray ones = mask.like().assign(1.0);
        layer.setMaskedWeights(ones.mul(3.0), shifted.castTo(mask.dataType()));
        assertEquals(shifted.castTo(mask.dataType()), Layers.mask(layer));
        assertEquals(shifted.castTo(mask.dataType()).mul(3.0), Layers.weights(layer));
        INDArray before = net.params().dup();
        assertThrows(IllegalStateException.class, () -> layer.setMaskedWeights(ones, ones.mul(0.5)));
        assertThrows(IllegalArgumentException.class, () -> layer.setMaskedWeights(ones, Nd4j.ones(mask.dataType(), 2, 2)));
        if (storage == WeightStorage.ACTIVE) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layer.setMaskedWeights(ones, ones));
            assertTrue(e.getMessage().contains("40 active connections") && e.getMessage().contains("exactly 20"), e.getMessage());
        }
        assertEquals(before, net.params(), "a refused setMaskedWeights changes nothing");
    }

    private static void fit(MultiLayerNetwork net, int steps) {
        for (int i = 0; i < steps; i++) {
            net.fit(DATA);
        }
    }

    private static void rewriteEntry(File in, File out, String entry, java.util.function.UnaryOperator<String> edit)
            throws IOException {
        try (ZipFile zip = new ZipFile(in); ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(out.toPath()))) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                byte[] bytes = zip.getInputStream(e).readAllBytes();
                if (e.getName().equals(entry)) {
                    bytes = edit.apply(new String(bytes, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                }
                zos.putNextEntry(new ZipEntry(e.getName()));
                zos.write(bytes);
                zos.closeEntry();
            }
        }
    }
}
