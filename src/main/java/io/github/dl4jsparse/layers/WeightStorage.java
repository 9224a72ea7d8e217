package io.github.dl4jsparse.layers;

import io.github.dl4jsparse.layers.runtime.PositionIndex;
import io.github.dl4jsparse.mask.BinaryMasks;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;


/**
 * How a sparse layer ({@link SparseLinear}, {@link SparseConv2D}) holds its weights. The layer computes the same
 * function either way; what differs is the memory and work the updater and the products spend on the masked-out
 * connections. Each storage defines the layer's weight parameters, writes their initial values and validates restored
 * ones, so the layers themselves hold no storage branches.
 */
public enum WeightStorage {

    /**
     * {@link #ACTIVE} at sparsity {@value SparseLayerConfig#ACTIVE_STORAGE_MIN_SPARSITY} and above, {@link #DENSE}
     * below (and for a layer without a single active connection). The default.
     */
    AUTO {
        @Override
        Map<String, long[]> weightParams(SparseLayerConfig layer) {
            throw unresolved();
        }

        @Override
        void initialize(Map<String, INDArray> params, MatrixParamKeys keys, char order, long[] positions,
                        INDArray values) {
            throw unresolved();
        }

        @Override
        void requireValid(String layerName, Map<String, INDArray> params, SparseLayerConfig layer) {
            throw unresolved();
        }

        private IllegalStateException unresolved() {
            return new IllegalStateException("AUTO is resolved to DENSE or ACTIVE before parameters are defined");
        }
    },

    /**
     * The weights {@code W} and the binary mask {@code M} as two dense parameters of the layer's weight shape
     * ({@value SparseLayerConfig#WEIGHT_KEY}, {@value SparseLayerConfig#WEIGHT_MASK_KEY}). The updater (Adam's M and V
     * included) and the products work on every position, masked ones too.
     */
    DENSE {
        @Override
        Map<String, long[]> weightParams(SparseLayerConfig layer) {
            Map<String, long[]> out = new LinkedHashMap<>();
            out.put(layer.paramKeys().weight(), layer.weightShape());
            out.put(layer.paramKeys().mask(), layer.weightShape());
            return out;
        }

        @Override
        void initialize(Map<String, INDArray> params, MatrixParamKeys keys, char order, long[] positions,
                        INDArray values) {
            INDArray weights = params.get(keys.weight());
            INDArray mask = params.get(keys.mask());
            double[] w = new double[(int) weights.length()];
            double[] m = new double[w.length];
            double[] v = values == null ? new double[0] : values.toDoubleVector();
            for (int k = 0; k < positions.length; k++) {
                w[(int) positions[k]] = v[k];
                m[(int) positions[k]] = 1.0;
            }
            weights.assign(Nd4j.create(w, weights.shape(), order).castTo(weights.dataType()));
            mask.assign(Nd4j.create(m, mask.shape(), order).castTo(mask.dataType()));
        }

        @Override
        void requireValid(String layerName, Map<String, INDArray> params, SparseLayerConfig layer) {
            MatrixParamKeys keys = layer.paramKeys();
            BinaryMasks.requireSameShape(layerName, keys.weight(), params.get(keys.weight()),
                    keys.mask(), params.get(keys.mask()));
            BinaryMasks.requireBinary(layerName, keys.mask(), params.get(keys.mask()));
        }
    },

    /**
     * Only the active connections: their values ({@value SparseLayerConfig#ACTIVE_WEIGHT_KEY}, shape {@code [1, a]})
     * and their positions ({@value SparseLayerConfig#ACTIVE_INDEX_KEY}, shape {@code [1, a]}: column-major positions
     * {@code r + o · rows}, sorted), where {@code a} is the number of active connections. Parameters, gradient and
     * updater state shrink with the density. A {@link SparseLinear}'s products run on the sparse kernels of
     * {@link io.github.dl4jsparse.kernels.SparseKernels} where {@link io.github.dl4jsparse.kernels.ProductRoute} finds
     * them faster (by density and minibatch size), and as dense products on a scattered working copy of
     * {@code W ⊙ M} elsewhere; a {@link SparseConv2D}'s likewise on
     * {@link io.github.dl4jsparse.kernels.SparseConvKernels}, or through DL4J's convolution on that working copy.
     */
    ACTIVE {
        @Override
        Map<String, long[]> weightParams(SparseLayerConfig layer) {
            long active = layer.activeConnections();
            Map<String, long[]> out = new LinkedHashMap<>();
            out.put(layer.paramKeys().activeWeight(), new long[]{1, active});
            out.put(layer.paramKeys().activeIndex(), new long[]{PositionIndex.indexRows(layer.connectionRows(),
                    layer.connectionColumns()), active});
            return out;
        }

        @Override
        void initialize(Map<String, INDArray> params, MatrixParamKeys keys, char order, long[] positions,
                        INDArray values) {
            params.get(keys.activeWeight()).assign(values);
            PositionIndex.write(params.get(keys.activeIndex()), positions);
        }

        @Override
        void requireValid(String layerName, Map<String, INDArray> params, SparseLayerConfig layer) {
            PositionIndex.requireValid(layerName, layer.paramKeys().activeIndex(),
                    params.get(layer.paramKeys().activeIndex()), layer.connectionRows(),
                    layer.connectionColumns());
        }
    };

    /** Most possible connections of a layer with {@link #DENSE} storage: a Java array's length. */
    public static final long DENSE_MAX_CONNECTIONS = Integer.MAX_VALUE - 8;

    /** @return the weight parameters this storage defines for {@code layer}: key and shape, in order */
    abstract Map<String, long[]> weightParams(SparseLayerConfig layer);

    /**
     * Writes the initial weight parameters.
     *
     * @param order     the memory order of the dense weight parameter ('f' for {@code [nIn, nOut]}, 'c' for a kernel):
     *                  the order in which positions index it
     * @param positions the active positions, increasing
     * @param values    the active values, {@code [1, positions.length]} (null when there are none)
     */
    abstract void initialize(Map<String, INDArray> params, MatrixParamKeys keys, char order, long[] positions,
                             INDArray values);

    /**
     * Throws unless restored parameters describe valid connections (a binary mask, or valid positions).
     *
     * @throws IllegalStateException naming the layer, the parameter and the entry
     */
    abstract void requireValid(String layerName, Map<String, INDArray> params, SparseLayerConfig layer);

    /**
     * Resolves {@link #AUTO} for {@code layer}: {@link #ACTIVE} from sparsity
     * {@value SparseLayerConfig#ACTIVE_STORAGE_MIN_SPARSITY} up when at least one connection is active, else
     * {@link #DENSE}; the other storages resolve to themselves.
     */
    public static WeightStorage resolve(WeightStorage configured, double sparsity, SparseLayerConfig layer) {
        if (configured != AUTO) {
            return configured;
        }
        // an invalid sparsity (possible only through setters or JSON) resolves to DENSE here and fails at init
        boolean valid = sparsity >= 0.0 && sparsity < 1.0;
        return valid && sparsity >= SparseLayerConfig.ACTIVE_STORAGE_MIN_SPARSITY && layer.activeConnections() > 0
                ? ACTIVE : DENSE;
    }

    /**
     * Throws if the sparsity leaves the layer no active connection, or {@link #ACTIVE} is asked for with too many
     * connections or a network type that cannot hold its positions exactly.
     *
     * @throws IllegalArgumentException naming the layer and what to do instead
     */
    static void validate(String layerDescription, SparseLayerConfig layer, DataType networkDataType) {
        WeightStorage resolved = layer.resolvedStorage();
        if (resolved == ACTIVE && networkDataType != DataType.FLOAT && networkDataType != DataType.DOUBLE) {
            throw new IllegalArgumentException(layerDescription + ": storage ACTIVE keeps connection positions as "
                    + "exact integers and needs a FLOAT or DOUBLE network, got " + networkDataType + "; use DENSE");
        }
        if (layer.connections() > 0 && layer.activeConnections() == 0) {
            // a layer without a connection computes a constant: never what a sparsity below 1 asked for
            throw new IllegalArgumentException(layerDescription + ": sparsity " + layer.getSparsity() + " of "
                    + layer.connections() + " connections rounds to no active connection (round(sparsity · "
                    + layer.connections() + ") = " + layer.connections() + "); use a sparsity below "
                    + (1.0 - 0.5 / layer.connections()) + " to keep at least one");
        }
        if (resolved == ACTIVE && layer.connections() > PositionIndex.MAX_CONNECTIONS) {
            throw new IllegalArgumentException(layerDescription + ": storage ACTIVE supports up to "
                    + PositionIndex.MAX_CONNECTIONS + " (2^48) possible connections, got " + layer.connections());
        }
        if (resolved == DENSE && layer.connections() > DENSE_MAX_CONNECTIONS) {
            throw new IllegalArgumentException(layerDescription + ": storage DENSE keeps all " + layer.connections()
                    + " possible connections in arrays of at most " + DENSE_MAX_CONNECTIONS + " entries; use ACTIVE "
                    + "(AUTO picks it from sparsity " + SparseLayerConfig.ACTIVE_STORAGE_MIN_SPARSITY + "), which stores "
                    + "only the active connections");
        }
    }
}
