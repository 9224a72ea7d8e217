package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
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

    @Test
    void multiLayerNetworkRestoresAndContinuesExactly() throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.7);
        fit(net, 5);
        File file = dir.resolve("mln.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);

        assertEquals(net.params(), restored.params(), "weights, biases and masks");
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray(), "updater state");
        assertEquals(net.getLayer(0).getParam(SparseLinear.WEIGHT_MASK_KEY),
                restored.getLayer(0).getParam(SparseLinear.WEIGHT_MASK_KEY));
        assertEquals(net.output(DATA.getFeatures()), restored.output(DATA.getFeatures()));

        fit(net, 5);
        fit(restored, 5);
        assertEquals(net.params(), restored.params(), "training continues as the original's");
    }

    @Test
    void computationGraphRestoresAndContinuesExactly() throws IOException {
        ComputationGraph graph = Nets.graph(base(), true, 0.6);
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

    @Test
    void cloneCopiesMasksAndTrainsIndependently() {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5);
        fit(net, 3);
        MultiLayerNetwork copy = net.clone();
        assertEquals(net.params(), copy.params());
        INDArray before = net.params().dup();
        fit(copy, 3);
        assertEquals(before, net.params(), "training the clone leaves the original alone");
        assertNotEquals(before, copy.params());
        assertEquals(net.getLayer(1).getParam(SparseLinear.WEIGHT_MASK_KEY),
                copy.getLayer(1).getParam(SparseLinear.WEIGHT_MASK_KEY));
        ComputationGraph graph = Nets.graph(base(), true, 0.5);
        assertEquals(graph.params(), graph.clone().params());
    }

    @Test
    void restoringANonBinaryMaskFailsNamingLayerAndParameter() throws IOException {
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5);
        net.getLayer(1).getParam(SparseLinear.WEIGHT_MASK_KEY).putScalar(0, 0, 0.5); // corrupt, bypassing setParam
        File file = dir.resolve("corrupt.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModelSerializer.restoreMultiLayerNetwork(file, false));
        assertTrue(e.getMessage().contains("layer1") && e.getMessage().contains("weightMask")
                && e.getMessage().contains("0.5"), e.getMessage());
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
        MultiLayerNetwork net = Nets.mlp(base(), true, 0.5);
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
