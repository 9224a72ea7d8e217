package io.github.dl4jsparse.io;

import io.github.dl4jsparse.Networks;
import io.github.dl4jsparse.layers.MatrixParamKeys;
import io.github.dl4jsparse.layers.runtime.NonFiniteValues;
import io.github.dl4jsparse.layers.runtime.SparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrices;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Restores networks from model files written by {@code ModelSerializer} (masks, positions and all), refusing a file
 * that is damaged or lacks what the restore needs, with the file's name and the missing entry in the message, and a
 * network whose parameters hold NaN or infinities (a run that diverged before it was saved).
 *
 * <p>Why not {@code ModelSerializer} alone: it reads a file as a stream of entries, so a file cut after its parameters
 * (an interrupted copy, a full disk) loads without complaint with a fresh updater state, and a resumed training run
 * then silently differs from an uninterrupted one; a file cut elsewhere fails with {@code EOFException: Unexpected end
 * of ZLIB input stream}, which does not say which file. Here every entry is read and checked (CRC and length) first.
 *
 * <pre>{@code
 * ModelSerializer.writeModel(net, file, true);                          // true: with the updater state
 * rigl.saveTo(file);                                                    // optional: the prune-and-regrow schedule
 * MultiLayerNetwork resumed = ModelFiles.restoreMultiLayerNetwork(file, true);
 * resumed.setListeners(PruneRegrowListener.restoreFrom(file));         // checks the file the same way
 * }</pre>
 */
public final class ModelFiles {

    private ModelFiles() {
    }

    /**
     * {@code ModelSerializer.restoreMultiLayerNetwork(file, loadUpdater)} from a file checked by
     * {@link #requireComplete(File, boolean, String...)}.
     *
     * @param loadUpdater true to restore the updater state, which is then required (to resume training)
     * @throws IllegalArgumentException naming the file and the problem: missing, damaged, or an entry missing
     */
    public static MultiLayerNetwork restoreMultiLayerNetwork(File file, boolean loadUpdater) {
        requireComplete(file, loadUpdater);
        try {
            return requireFiniteParameters(file, ModelSerializer.restoreMultiLayerNetwork(file, loadUpdater));
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + file + " could not be read: " + e, e);
        }
    }

    /** As {@link #restoreMultiLayerNetwork(File, boolean)}, for a {@code ComputationGraph}. */
    public static ComputationGraph restoreComputationGraph(File file, boolean loadUpdater) {
        requireComplete(file, loadUpdater);
        try {
            return requireFiniteParameters(file, ModelSerializer.restoreComputationGraph(file, loadUpdater));
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + file + " could not be read: " + e, e);
        }
    }

    /**
     * Refuses a network whose parameters hold NaN or infinities where they count: every parameter, except at the
     * masked positions of a sparse matrix's dense storage (which compute as exactly 0 whatever they hold).
     *
     * @throws IllegalArgumentException naming the file, the layer, the parameter and the count
     */
    private static <M extends Model> M requireFiniteParameters(File file, M model) {
        for (Layer layer : Networks.layers(model)) {
            Set<String> matrixKeys = new HashSet<>();
            for (SparseLayer matrix : SparseMatrices.of(layer)) {
                MatrixParamKeys keys = matrix.sparseConfig().paramKeys();
                matrixKeys.addAll(List.of(keys.weight(), keys.mask(), keys.activeWeight(), keys.activeIndex()));
                long bad = Arrays.stream(matrix.activeValues()).filter(v -> !Double.isFinite(v)).count();
                requireNoneBad(file, layer, keys.trainable(matrix.sparseConfig().resolvedStorage())
                        + " (active connections)", bad);
            }
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                if (!matrixKeys.contains(p.getKey())) {
                    requireNoneBad(file, layer, p.getKey(), NonFiniteValues.count(p.getValue()));
                }
            }
        }
        return model;
    }

    private static void requireNoneBad(File file, Layer layer, String param, long bad) {
        if (bad > 0) {
            throw new IllegalArgumentException("model file " + file + ": layer " + Networks.layerName(layer)
                    + " parameter " + param + " holds " + bad + " NaN or infinite value(s); the network diverged "
                    + "before it was saved (restore an earlier checkpoint, and train with a lower learning rate). "
                    + "To look at it anyway, ModelSerializer.restore... reads it unchecked");
        }
    }

    /**
     * Checks that {@code file} is a complete model file: a readable ZIP archive whose every entry passes its CRC and
     * length check, with DL4J's configuration and parameters, and the updater state if {@code needUpdater}.
     *
     * @param needUpdater whether the updater state is required (resuming training)
     * @param objectKeys  keys of objects that {@code ModelSerializer.addObjectToFile} must have stored, e.g.
     *                    {@code PruneRegrowListener.MODEL_FILE_KEY}
     * @throws IllegalArgumentException naming the file and the first problem found, with what to do about it
     */
    public static void requireComplete(File file, boolean needUpdater, String... objectKeys) {
        if (!file.isFile()) {
            throw new IllegalArgumentException("model file " + file + " does not exist or is not a file");
        }
        List<String> names = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file)) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                names.add(entry.getName());
                try (InputStream in = zip.getInputStream(entry)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("model file " + file + " (" + file.length() + " bytes) is damaged or "
                    + "truncated: " + e.getMessage() + ". Restore it from a good copy; it cannot be loaded", e);
        }
        require(file, names, ModelSerializer.CONFIGURATION_JSON, "the network's configuration");
        if (!names.contains(ModelSerializer.NO_PARAMS_MARKER)) {
            require(file, names, ModelSerializer.COEFFICIENTS_BIN, "the parameters (weights, masks and positions)");
        }
        if (needUpdater) {
            require(file, names, ModelSerializer.UPDATER_BIN, "the updater state, needed to resume training "
                    + "(write the model with ModelSerializer.writeModel(net, file, true), or restore with "
                    + "loadUpdater = false to start a fresh updater)");
        }
        for (String key : objectKeys) {
            require(file, names, "objects/" + key, "the object '" + key + "' stored by ModelSerializer.addObjectToFile");
        }
    }

    private static void require(File file, List<String> names, String entry, String what) {
        if (!names.contains(entry)) {
            throw new IllegalArgumentException("model file " + file + " has no entry " + entry + ": " + what
                    + " is missing (the file holds " + names + ")");
        }
    }
}
