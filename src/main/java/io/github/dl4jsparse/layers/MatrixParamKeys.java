package io.github.dl4jsparse.layers;

import java.util.List;

/**
 * The parameter keys under which one sparse connection matrix is stored: its dense weights and binary mask under
 * {@link WeightStorage#DENSE}, the values and positions of its active connections under {@link WeightStorage#ACTIVE}.
 * A layer with one connection matrix uses {@link #STANDARD}; a layer with several gives each its own keys (e.g.
 * {@link SparseLSTM}'s input weights {@code W} and recurrent weights {@code RW}).
 *
 * @param weight       dense weights {@code W}, of the layer's weight shape
 * @param mask         binary mask of {@code weight}, same shape
 * @param activeWeight values of the active connections, {@code [1, a]}
 * @param activeIndex  positions of the active connections, {@code [1, a]} or {@code [2, a]}; never trained
 */
public record MatrixParamKeys(String weight, String mask, String activeWeight, String activeIndex) {

    /** The keys of a layer's single connection matrix: {@code W}, {@code weightMask}, {@code activeW}, {@code activeIndex}. */
    public static final MatrixParamKeys STANDARD = new MatrixParamKeys(SparseLayerConfig.WEIGHT_KEY,
            SparseLayerConfig.WEIGHT_MASK_KEY, SparseLayerConfig.ACTIVE_WEIGHT_KEY, SparseLayerConfig.ACTIVE_INDEX_KEY);

    /** @throws IllegalArgumentException for a missing or repeated key */
    public MatrixParamKeys {
        List<String> all = java.util.Arrays.asList(weight, mask, activeWeight, activeIndex);
        if (all.contains(null) || all.stream().distinct().count() != all.size()) {
            throw new IllegalArgumentException("the four parameter keys of a connection matrix must be set and "
                    + "distinct, got " + all);
        }
    }

    /** @return the key of the trained weight parameter under {@code storage}: {@link #weight} or {@link #activeWeight} */
    public String trainable(WeightStorage storage) {
        return storage == WeightStorage.ACTIVE ? activeWeight : weight;
    }

    /** @return whether {@code key} is trained: false for the mask and the positions, which describe the connections */
    public boolean isTrainable(String key) {
        return !mask.equals(key) && !activeIndex.equals(key);
    }
}
