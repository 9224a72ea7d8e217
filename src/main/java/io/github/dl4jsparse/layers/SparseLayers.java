package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.mask.RandomMasks;
import io.github.dl4jsparse.mask.SparsityFraction;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.List;
import java.util.function.BiFunction;
import java.util.Map;

/**
 * What the configurations of sparse layer types share, this library's and those written outside it: messages that
 * name the layer, validation of the sparsity, nIn and nOut, and the draw of a connection matrix's initial connections.
 */
public final class SparseLayers {

    private SparseLayers() {
    }

    /**
     * @return the sparse connection matrices of a layer configuration, looked for inside DL4J's wrappers
     *         ({@code LastTimeStep}, {@code FrozenLayer}, ...): the layer itself for {@link SparseLinear} and
     *         {@link SparseConv2D}, both of {@link SparseLSTM}; empty for a layer without any
     */
    public static List<SparseLayerConfig> matricesOf(Layer layer) {
        Layer inner = layer;
        while (true) {
            if (inner instanceof BaseWrapperLayer w) {
                inner = w.getUnderlying();
            } else if (inner instanceof FrozenLayer f) {
                inner = f.getLayer();
            } else {
                break;
            }
        }
        if (inner instanceof SparseLayerConfig single) {
            return List.of(single);
        }
        return inner instanceof SparseParamInitializer.Layout layout ? layout.sparseMatrices() : List.of();
    }

    /**
     * @return the name of a connection matrix in reports: {@code layerName}, or {@code layerName/matrix} for a layer
     *         of several matrices (e.g. {@code lstm/RW})
     */
    public static String matrixName(String layerName, SparseLayerConfig matrix) {
        return matrix.matrixName() == null ? layerName : layerName + "/" + matrix.matrixName();
    }

    /** @return e.g. {@code SparseLinear layer 'fc1'}, or {@code ... '(name not set)'} */
    public static String describe(String kind, String layerName) {
        return kind + " layer '" + (layerName == null ? "(name not set)" : layerName) + "'";
    }

    /**
     * Throws unless {@code sparsity} is in [0, 1) ({@link SparsityFraction#require}).
     *
     * @throws IllegalArgumentException naming the layer, the parameter, the value and the fix
     */
    public static void validateSparsity(String layerDescription, double sparsity) {
        SparsityFraction.require(layerDescription + ": sparsity", sparsity);
    }

    /**
     * A builder's check of the sizes: {@code nOut > 0} and {@code nIn >= 0} (0: filled in by {@code setInputType}).
     *
     * @throws IllegalArgumentException naming the layer, the parameter and the value
     */
    public static void requireSizes(String layerDescription, long nIn, long nOut) {
        if (nOut <= 0) {
            throw new IllegalArgumentException(layerDescription + ": nOut must be > 0, got " + nOut);
        }
        if (nIn < 0) {
            throw new IllegalArgumentException(layerDescription + ": nIn must be > 0 (or 0 to infer it from "
                    + "setInputType), got " + nIn);
        }
    }

    /**
     * Throws unless {@code nIn} and {@code nOut} are set: DL4J's own check says only {@code nIn=0 ... must be > 0}, and
     * a missing {@code nIn} nearly always means that the network's input type was never given.
     *
     * @throws IllegalStateException naming the layer, its index, the values and the fix
     */
    public static void requireNInNOut(String layerDescription, int layerIndex, long nIn, long nOut) {
        if (nIn <= 0) {
            throw new IllegalStateException(layerDescription + " (layer index " + layerIndex + "): nIn=" + nIn
                    + " was neither set nor inferred. Give the network its input type, e.g. "
                    + ".setInputType(InputType.feedForward(784)) or .setInputType(InputType.convolutionalFlat(28, 28, 1)) "
                    + "on the ListBuilder (or GraphBuilder), which fills nIn of every layer; or set .nIn(...) on this layer");
        }
        if (nOut <= 0) {
            throw new IllegalStateException(layerDescription + " (layer index " + layerIndex + "): nOut=" + nOut
                    + " must be > 0; set .nOut(...) on the layer's builder");
        }
    }

    /**
     * Gives a convolution of at most {@link io.github.dl4jsparse.kernels.ProductRoute#SMALL_FAN_IN} inputs per output
     * channel {@link WeightStorage#ACTIVE} storage where {@link WeightStorage#AUTO} would give it dense storage (below
     * sparsity {@value SparseLayerConfig#ACTIVE_STORAGE_MIN_SPARSITY}): only active storage runs on the sparse
     * kernels, which beat DL4J's convolution on so few inputs at any density (ERK and SNIP leave a first layer nearly
     * dense). {@code SparsityDistribution} (so {@code SparseTwin} too) and the pruning conversions ({@code MagnitudePruning},
     * SNIP, SynFlow) call it; a storage set explicitly is kept.
     *
     * @return {@code layer}
     */
    public static SparseLayerConfig kernelStorageForSmallFanIn(SparseLayerConfig layer) {
        if (layer instanceof SparseConv2D && layer.getStorage() == WeightStorage.AUTO
                && layer.connectionRows() <= io.github.dl4jsparse.kernels.ProductRoute.SMALL_FAN_IN
                && layer.getSparsity() < SparseLayerConfig.ACTIVE_STORAGE_MIN_SPARSITY) {
            layer.setStorage(WeightStorage.ACTIVE);
        }
        return layer;
    }

    /**
     * Everything a sparse layer type's {@code instantiate} does, for a configuration that is a DL4J
     * {@code FeedForwardLayer} and a {@link SparseParamInitializer.Layout}: checks nIn and nOut, the matrices
     * ({@link #validateMatrices}) and that no weight noise is set (it would perturb the masked zeros); creates the
     * runtime layer; defines and (for a new network) initialises the parameters, or checks them when they come from
     * elsewhere (a saved model: {@link #requireValidParams}).
     *
     * @param runtime the runtime layer's constructor, e.g. {@code SparseConv2DLayer::new}
     * @throws IllegalArgumentException or {@link IllegalStateException} naming the layer and the fix
     */
    public static <C extends FeedForwardLayer & SparseParamInitializer.Layout, R extends org.deeplearning4j.nn.api.Layer>
    R instantiate(C layer, String description, NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                  int layerIndex, INDArray paramsView, boolean initializeParams, DataType networkDataType,
                  BiFunction<NeuralNetConfiguration, DataType, R> runtime) {
        requireNInNOut(description, layerIndex, layer.getNIn(), layer.getNOut());
        validateMatrices(description, layer.sparseMatrices(), networkDataType);
        if (layer.getWeightNoise() != null) {
            throw new IllegalArgumentException(description + ": weight noise (" + layer.getWeightNoise() + ") is not "
                    + "supported on a sparse layer (it would perturb the masked zeros); use dropout on its input");
        }
        R out = runtime.apply(conf, networkDataType);
        out.setListeners(listeners);
        out.setIndex(layerIndex);
        out.setParamsViewArray(paramsView);
        Map<String, INDArray> params = layer.initializer().init(conf, paramsView, initializeParams);
        if (!initializeParams) {
            // parameters come from elsewhere (a saved model): refuse a mask that is not one
            String name = layer.getLayerName() != null ? layer.getLayerName() : "index " + layerIndex;
            requireValidParams(name, params, layer.sparseMatrices());
        }
        out.setParamTable(params);
        out.setConf(conf);
        return out;
    }

    /**
     * Checks a layer's connection matrices when the network is built: each sparsity in [0, 1), and each storage
     * possible ({@link WeightStorage#ACTIVE} needs a FLOAT or DOUBLE network, at least one active connection, at most
     * 2^48 connections; {@link WeightStorage#DENSE} at most {@link WeightStorage#DENSE_MAX_CONNECTIONS}).
     *
     * @throws IllegalArgumentException naming the layer, the matrix, the value and the fix
     */
    public static void validateMatrices(String layerDescription, List<SparseLayerConfig> matrices,
                                        DataType networkDataType) {
        for (SparseLayerConfig m : matrices) {
            String description = m.matrixName() == null ? layerDescription
                    : layerDescription + " matrix " + m.matrixName();
            validateSparsity(description, m.getSparsity());
            WeightStorage.validate(description, m, networkDataType);
        }
    }

    /**
     * Checks parameters that come from elsewhere (a saved model, {@code init(params, false)}): every matrix's mask
     * binary, or its positions valid.
     *
     * @throws IllegalStateException naming the layer, the matrix, the parameter and the entry
     */
    public static void requireValidParams(String layerName, Map<String, INDArray> params,
                                          List<SparseLayerConfig> matrices) {
        for (SparseLayerConfig m : matrices) {
            m.resolvedStorage().requireValid(matrixName(layerName, m), params, m);
        }
    }

    /**
     * Draws the active positions ({@link RandomMasks#activePositions}) and their values (from {@code init} with the
     * given fan-in and fan-out, drawn as a vector of the active count; for a {@link DensityScaledInit}, from its base,
     * then divided by {@link DensityScaledInit#divisor}) and writes them through the layer's storage, so that
     * initialisation costs memory and time in proportion to the active connections. Both storages make the same draws:
     * a network seed gives the same {@code W ⊙ M} whichever storage the layer uses.
     *
     * @throws IllegalArgumentException for the IDENTITY initialisation, which is not a distribution
     */
    public static void initializeConnections(SparseLayerConfig layer, String layerDescription,
                                             Map<String, INDArray> params, IWeightInit weightInit, double fanIn,
                                             double fanOut) {
        IWeightInit init = weightInit instanceof DensityScaledInit scaled ? scaled.getBase() : weightInit;
        if (init instanceof WeightInitIdentity) {
            throw new IllegalArgumentException(layerDescription + ": weightInit IDENTITY is not supported: the active "
                    + "weights are drawn from the initialisation's distribution; use e.g. XAVIER or a Distribution");
        }
        long seed = layer.getMaskSeed() != null ? layer.getMaskSeed() : Nd4j.getRandom().nextLong();
        long[] positions = RandomMasks.activePositions(layer.connections(), layer.getSparsity(), seed);
        WeightStorage storage = layer.resolvedStorage();
        INDArray anyWeight = params.get(storage.weightParams(layer).keySet().iterator().next());
        INDArray values = null;
        if (positions.length > 0) {
            values = Nd4j.createUninitialized(anyWeight.dataType(), 1, positions.length);
            init.init(fanIn, fanOut, values.shape(), 'c', values);
            if (weightInit instanceof DensityScaledInit) {
                values.divi(DensityScaledInit.divisor((double) positions.length / layer.connections()));
            }
        }
        storage.initialize(params, layer.paramKeys(), layer.weightOrder(), positions, values);
    }
}
