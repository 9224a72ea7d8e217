package io.github.dl4jsparse.io;

import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.testutil.CapturedOutput;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFilesTest {

    @TempDir
    Path dir;

    private static final DataSet DATA = TestData.classification(32, Nets.N_IN, Nets.CLASSES, 3, DataType.FLOAT);

    private static MultiLayerNetwork trained() {
        MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2)), true, 0.8);
        for (int i = 0; i < 3; i++) {
            net.fit(DATA);
        }
        return net;
    }

    /** A checkpoint as the docs write it: network with updater state, plus the prune-and-regrow configuration. */
    private File checkpoint(MultiLayerNetwork net, String name) throws IOException {
        File file = dir.resolve(name).toFile();
        ModelSerializer.writeModel(net, file, true);
        PruneRegrowListener.set().deltaT(25).plannedIterations(100).build().saveTo(file);
        return file;
    }

    /** A copy of {@code file} cut before the local header of entry {@code entry}, as an interrupted copy leaves it. */
    private File cutBefore(File file, String entry) throws IOException {
        byte[] bytes = Files.readAllBytes(file.toPath());
        int at = indexOf(bytes, entry.getBytes(StandardCharsets.US_ASCII)) - 30; // local header: 30 bytes, then the name
        assertTrue(at > 0, entry + " found in " + file);
        File cut = dir.resolve("cut-before-" + entry).toFile();
        Files.write(cut.toPath(), Arrays.copyOf(bytes, at));
        return cut;
    }

    private static int indexOf(byte[] bytes, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void aNetworkThatDivergedBeforeItWasSavedIsRefusedNamingTheLayerAndParameter() throws IOException {
        for (WeightStorage storage : new WeightStorage[]{WeightStorage.DENSE, WeightStorage.ACTIVE}) {
            MultiLayerNetwork net = Nets.mlp(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2)), true,
                    0.8, storage);
            SparseLayer first = (SparseLayer) SparseMatrices.of(net.getLayer(0)).get(0);
            long[] active = first.activePositions();
            first.setActiveValues(new long[]{active[1]}, new double[]{Double.NaN});
            File file = dir.resolve("diverged-" + storage + ".zip").toFile();
            ModelSerializer.writeModel(net, file, true);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelFiles.restoreMultiLayerNetwork(file, true));
            String key = storage == WeightStorage.ACTIVE ? "activeW" : "W";
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("parameter " + key
                    + " (active connections) holds 1 NaN or infinite value(s)")
                    && e.getMessage().contains("diverged"), e.getMessage());

            MultiLayerNetwork biasNet = Nets.mlp(new NeuralNetConfiguration.Builder().seed(5), true, 0.8, storage);
            biasNet.getLayer(2).getParam("b").putScalar(0, Double.POSITIVE_INFINITY);
            File bias = dir.resolve("bias-" + storage + ".zip").toFile();
            ModelSerializer.writeModel(biasNet, bias, false);
            IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                    () -> ModelFiles.restoreMultiLayerNetwork(bias, false));
            assertTrue(b.getMessage().contains("parameter b holds 1 NaN or infinite"), b.getMessage());
        }
    }

    @Test
    void aCompleteCheckpointRestoresWithItsUpdaterState() throws IOException {
        MultiLayerNetwork net = trained();
        File file = checkpoint(net, "ok.zip");
        MultiLayerNetwork restored = ModelFiles.restoreMultiLayerNetwork(file, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(PruneRegrowListener.set().deltaT(25).plannedIterations(100).build().schedule(),
                PruneRegrowListener.restoreFrom(file).schedule());
    }

    @Test
    void aFileCutAfterItsParametersIsRefusedWhereDl4jLoadsItWithAFreshUpdater() throws IOException {
        MultiLayerNetwork net = trained();
        File cut = cutBefore(checkpoint(net, "full.zip"), ModelSerializer.UPDATER_BIN);

        // DL4J's own loader: no error, and the updater state is gone (why the library checks)
        MultiLayerNetwork silently = ModelSerializer.restoreMultiLayerNetwork(cut, true);
        assertEquals(net.params(), silently.params());
        assertTrue(silently.getUpdater(false) == null
                || silently.getUpdater().getStateViewArray().amaxNumber().doubleValue() == 0.0);

        for (org.junit.jupiter.api.function.Executable restore : new org.junit.jupiter.api.function.Executable[]{
                () -> ModelFiles.restoreMultiLayerNetwork(cut, true),
                () -> ModelFiles.restoreMultiLayerNetwork(cut, false),
                () -> PruneRegrowListener.restoreFrom(cut)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, restore);
            assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("damaged or truncated"),
                    e.getMessage());
        }
    }

    @Test
    void aFileCutInsideItsParametersNamesTheFile() throws IOException {
        File full = checkpoint(trained(), "full.zip");
        File cut = dir.resolve("half.zip").toFile();
        byte[] bytes = Files.readAllBytes(full.toPath());
        Files.write(cut.toPath(), Arrays.copyOf(bytes, bytes.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.restoreComputationGraph(cut, true));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("damaged or truncated"), e.getMessage());
    }

    @Test
    void aFileWithoutUpdaterStateIsRefusedForResumingOnly() throws IOException {
        MultiLayerNetwork net = trained();
        File file = dir.resolve("no-updater.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.restoreMultiLayerNetwork(file, true));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("updaterState.bin")
                && e.getMessage().contains("writeModel(net, file, true)"), e.getMessage());
        assertEquals(net.params(), ModelFiles.restoreMultiLayerNetwork(file, false).params());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.restoreMultiLayerNetwork(dir.resolve("nothing.zip").toFile(), false));
        assertTrue(missing.getMessage().contains("nothing.zip") && missing.getMessage().contains("does not exist"));
    }

    @Test
    void resumingANetworkRestoredWithoutItsUpdaterStateWarns() throws IOException {
        MultiLayerNetwork net = trained();
        File file = dir.resolve("no-updater.zip").toFile();
        ModelSerializer.writeModel(net, file, false);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, false);
        restored.setListeners(PruneRegrowListener.set().deltaT(25).plannedIterations(100).build());
        String log = CapturedOutput.stderr(() -> restored.fit(DATA));
        assertTrue(log.contains("WARN") && log.contains("at iteration 3 but its updater holds no state"), log);

        MultiLayerNetwork complete = ModelFiles.restoreMultiLayerNetwork(checkpoint(net, "ok.zip"), true);
        complete.setListeners(PruneRegrowListener.set().deltaT(25).plannedIterations(100).build());
        String quiet = CapturedOutput.stderr(() -> complete.fit(DATA));
        assertTrue(!quiet.contains("holds no state"), quiet);
    }

    @Test
    void graphsRestoreToo() throws IOException {
        ComputationGraph graph = Nets.graph(new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-2)), true, 0.8);
        graph.fit(DATA);
        File file = dir.resolve("graph.zip").toFile();
        ModelSerializer.writeModel(graph, file, true);
        assertEquals(graph.params(), ModelFiles.restoreComputationGraph(file, true).params());
    }
}
