package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.FusedBatchNormHelper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * DL4J's {@link BatchNormalization}, the same configuration, parameters and runtime layer, that always runs on
 * libnd4j's fused {@code batchnorm} / {@code batchnorm_bp} operations (DL4J's own {@code MKLDNNBatchNormHelper})
 * instead of the dozen separate reductions and broadcasts of DL4J's built-in path, with the minibatch's per-channel
 * mean and variance computed in Java ({@link FusedBatchNormHelper}) rather than by ND4J's slower reductions.
 *
 * <p>DL4J 1.0.0-M2.1 ships that helper but creates it only when the JVM runs with
 * {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}, which also switches every other layer's helper. This
 * layer turns on the batch-norm helper alone, for its own layers. On ResNet-50 at 224 × 224, batch 4, one thread, the
 * built-in path costs more than a sparse network's convolutions (docs/speed-and-memory.md); the helper's results match
 * the built-in path within float rounding (FusedBatchNormalizationTest). Where the helper does not support a setting
 * (DL4J's {@code checkSupported}), or fails at run time, DL4J's built-in path runs, as for any DL4J helper.
 *
 * <p>{@link io.github.dl4jsparse.prune.MagnitudePruning#toSparse} puts one in place of every
 * {@code BatchNormalization}; in a configuration of one's own, {@code new FusedBatchNormalization.Builder()} takes
 * every setting of DL4J's builder, {@link #of(BatchNormalization)} converts one layer and
 * {@link #replaceIn(ComputationGraphConfiguration)} every one of a configuration (a dense one too: DL4J's zoo ResNet-50
 * trains faster with it). Models saved with
 * it restore through {@code ModelSerializer} like any layer (the JSON names this class).
 */
public class FusedBatchNormalization extends BatchNormalization {

    private static final Logger LOG = LoggerFactory.getLogger(FusedBatchNormalization.class);
    private static final Field HELPER = helperField();

    /** For JSON; use {@link Builder} or {@link #of(BatchNormalization)}. */
    public FusedBatchNormalization() {
    }

    /**
     * @param layer a batch-normalisation layer configuration (not modified)
     * @return a fused layer with every setting of {@code layer}, its name included
     */
    public static FusedBatchNormalization of(BatchNormalization layer) {
        Objects.requireNonNull(layer, "FusedBatchNormalization.of: layer");
        FusedBatchNormalization fused = new FusedBatchNormalization();
        for (Class<?> c = BatchNormalization.class; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    try {
                        f.set(fused, f.get(layer));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("FusedBatchNormalization.of: cannot copy " + f, e);
                    }
                }
            }
        }
        return fused.clone();
    }

    /**
     * Puts a fused layer with the same settings in place of every DL4J {@code BatchNormalization} (exactly that class)
     * of a configuration that no network has been initialised from yet; parameters keep their names and layout.
     *
     * @return how many layers were replaced
     */
    public static int replaceIn(MultiLayerConfiguration conf) {
        return replaceIn(conf.getConfs());
    }

    /** As {@link #replaceIn(MultiLayerConfiguration)}, for every layer vertex of a graph configuration. */
    public static int replaceIn(ComputationGraphConfiguration conf) {
        return replaceIn(conf.getVertices().values().stream().filter(v -> v instanceof LayerVertex)
                .map(v -> ((LayerVertex) v).getLayerConf()).toList());
    }

    private static int replaceIn(List<NeuralNetConfiguration> layerConfs) {
        int replaced = 0;
        for (NeuralNetConfiguration layerConf : layerConfs) {
            if (layerConf.getLayer().getClass() == BatchNormalization.class) {
                layerConf.setLayer(of((BatchNormalization) layerConf.getLayer()));
                replaced++;
            }
        }
        return replaced;
    }

    @Override
    public FusedBatchNormalization clone() {
        return (FusedBatchNormalization) super.clone();
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        Layer layer = super.instantiate(conf, listeners, layerIndex, layerParamsView, initializeParams,
                networkDataType);
        installHelper((org.deeplearning4j.nn.layers.normalization.BatchNormalization) layer, networkDataType);
        return layer;
    }

    /** Puts DL4J's fused-operation helper into {@code layer}, unless it has one or its gamma and beta are fixed. */
    private void installHelper(org.deeplearning4j.nn.layers.normalization.BatchNormalization layer, DataType dataType) {
        if (HELPER == null || layer.getHelper() != null) {
            return;
        }
        if (isLockGammaBeta()) {
            return; // the helper's operations take gamma and beta as arrays; DL4J does not use it for fixed ones
        }
        // Not the helper's checkSupported: it also asks for oneDNN, which the operations it calls do not need
        BatchNormalizationHelper helper = new FusedBatchNormHelper(dataType);
        try {
            HELPER.set(layer, helper);
        } catch (IllegalAccessException e) {
            LOG.warn("FusedBatchNormalization: cannot install DL4J's batch-norm helper; DL4J's built-in path runs", e);
        }
    }

    /** DL4J keeps the runtime layer's helper in a package-private field; null (built-in path) if it is not there. */
    private static Field helperField() {
        try {
            Field f = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("FusedBatchNormalization: this DL4J version has no batch-norm helper field; DL4J's built-in "
                    + "path runs", e);
            return null;
        }
    }

    /** DL4J's batch-normalisation builder, building a {@link FusedBatchNormalization}. */
    public static class Builder extends BatchNormalization.Builder {

        @Override
        public FusedBatchNormalization build() {
            return of(super.build());
        }
    }
}
