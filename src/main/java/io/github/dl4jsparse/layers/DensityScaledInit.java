package io.github.dl4jsparse.layers;

import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * A weight initialisation for sparse layers: a sparse connection matrix's starting weights are drawn from
 * {@link #getBase() base} as for the dense layer, then divided by {@code sqrt(density)} (density = active connections /
 * connections, of that matrix). A unit then sums about {@code density} times as many inputs as in the dense layer, each
 * {@code 1/sqrt(density)} times larger, so its summed input starts with the dense layer's variance instead of
 * {@code density} times it: the "layer-scaled" initialisation of the RigL authors (google-research/rigl,
 * {@code layer_scaled_init}; Evci et al., "Gradient flow in sparse neural networks and how lottery tickets win", AAAI
 * 2022). On a dense layer (DL4J's own, or a sparse layer at sparsity 0) it is {@code base} itself.
 *
 * <pre>{@code
 * new SparseLSTM.Builder().nOut(128).sparsity(0.9).weightInit(new DensityScaledInit(WeightInit.XAVIER)).build();
 * }</pre>
 * Set on the network's builder ({@code NeuralNetConfiguration.Builder.weightInit}) it applies to every layer. It is a
 * starting point only: weights grown later by prune-and-regrow start at 0, as they do under any initialisation. Saved
 * with the configuration's JSON like DL4J's own initialisations.
 */
public final class DensityScaledInit implements IWeightInit {

    private static final long serialVersionUID = 1L;

    private final IWeightInit base;

    /**
     * @param base the initialisation the weights are drawn from before scaling (e.g. {@code WeightInit.XAVIER}'s
     *             function); not null, not itself a {@code DensityScaledInit}
     * @throws IllegalArgumentException for a null or nested {@code base}
     */
    @JsonCreator
    public DensityScaledInit(@JsonProperty("base") IWeightInit base) {
        if (base == null) {
            throw new IllegalArgumentException("DensityScaledInit: base must not be null; e.g. "
                    + "new DensityScaledInit(WeightInit.XAVIER)");
        }
        if (base instanceof DensityScaledInit) {
            throw new IllegalArgumentException("DensityScaledInit: base is already a DensityScaledInit (" + base
                    + "); scale once, e.g. new DensityScaledInit(WeightInit.XAVIER)");
        }
        this.base = base;
    }

    /** @param base one of DL4J's initialisations, e.g. {@link WeightInit#XAVIER} */
    public DensityScaledInit(WeightInit base) {
        this(base == null ? null : base.getWeightInitFunction());
    }

    /** @return the initialisation the weights are drawn from before scaling */
    public IWeightInit getBase() {
        return base;
    }

    /**
     * Draws from {@link #getBase()} unscaled: what a dense layer gets. Sparse layers draw their active weights through
     * {@link SparseLayers#initializeConnections}, which applies the scale.
     */
    @Override
    public INDArray init(double fanIn, double fanOut, long[] shape, char order, INDArray paramView) {
        return base.init(fanIn, fanOut, shape, order, paramView);
    }

    /**
     * @param density a matrix's active connections / connections
     * @return what the weights drawn for a matrix of this density are divided by: {@code sqrt(density)}
     * @throws IllegalArgumentException for a density outside (0, 1]
     */
    public static double divisor(double density) {
        if (!(density > 0.0 && density <= 1.0)) {
            throw new IllegalArgumentException("density must be in (0, 1], got " + density);
        }
        return Math.sqrt(density);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DensityScaledInit d && base.equals(d.base);
    }

    @Override
    public int hashCode() {
        return 31 * base.hashCode() + 1;
    }

    @Override
    public String toString() {
        return "DensityScaledInit(" + base + ")";
    }
}
