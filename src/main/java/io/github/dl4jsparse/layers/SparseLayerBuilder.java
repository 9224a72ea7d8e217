package io.github.dl4jsparse.layers;

import java.util.Objects;

/**
 * The options every sparse layer's builder shares ({@link SparseLinear.Builder}, {@link SparseConv2D.Builder},
 * {@link SparseLSTM.Builder}, and a layer written outside the library), held and checked in one place: the sparsity,
 * the seed of the mask's draw and the weight storage.
 *
 * <pre>{@code
 * new SparseConv2D.Builder(3, 3).nOut(64).sparsity(0.9).maskSeed(7).storage(WeightStorage.ACTIVE).build()
 * }</pre>
 *
 * @param <B> the builder's own type, which every setter returns
 */
public interface SparseLayerBuilder<B extends SparseLayerBuilder<B>> {

    /** @return the options this builder holds: the one place they are kept until {@code build()} */
    Options sparseOptions();

    /**
     * Fraction of the layer's connections that are masked out, in [0, 1) (0.9: one connection in ten is active).
     * Required: there is no default; a value outside [0, 1) is refused by {@code build()}, naming the layer.
     */
    default B sparsity(double sparsity) {
        sparseOptions().sparsity = sparsity;
        return self();
    }

    /**
     * Seed of the mask's draw. Default: none, the seed is drawn from ND4J's random generator while the network
     * initialises (reproducible from the network seed). Two layers of one shape with the same mask seed get the same
     * mask; a layer of several matrices draws matrix {@code k}'s with seed {@code maskSeed + k}.
     */
    default B maskSeed(long maskSeed) {
        sparseOptions().maskSeed = maskSeed;
        return self();
    }

    /**
     * How the weights are held: {@link WeightStorage#AUTO} (the default) stores only the active connections from
     * sparsity {@value SparseLayerConfig#ACTIVE_STORAGE_MIN_SPARSITY} (per matrix for a layer of several), where that
     * was faster and smaller in the benchmarks; the layer computes the same either way.
     *
     * @throws NullPointerException for null
     */
    default B storage(WeightStorage storage) {
        sparseOptions().storage = Objects.requireNonNull(storage, "storage");
        return self();
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The shared options of one builder: read by the layer's constructor, set through {@link SparseLayerBuilder}. */
    final class Options {
        private double sparsity = Double.NaN;
        private Long maskSeed;
        private WeightStorage storage = WeightStorage.AUTO;

        /** @return the sparsity given, or NaN when none was */
        public double sparsity() {
            return sparsity;
        }

        /** @return the mask seed given, or null (drawn from the network's generator) */
        public Long maskSeed() {
            return maskSeed;
        }

        /** @return the storage given; default {@link WeightStorage#AUTO} */
        public WeightStorage storage() {
            return storage;
        }

        /**
         * The builders' one check, before a configuration exists: the sparsity (see
         * {@link io.github.dl4jsparse.mask.SparsityFraction}) and the sizes ({@link SparseLayers#requireSizes}).
         *
         * @param layerDescription e.g. {@code SparseLinear layer 'fc1'} ({@link SparseLayers#describe})
         * @throws IllegalArgumentException naming the layer, the parameter, the value and the fix
         */
        public void requireValid(String layerDescription, long nIn, long nOut) {
            SparseLayers.validateSparsity(layerDescription, sparsity);
            SparseLayers.requireSizes(layerDescription, nIn, nOut);
        }
    }
}
