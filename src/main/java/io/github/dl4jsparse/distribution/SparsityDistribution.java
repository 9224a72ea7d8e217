package io.github.dl4jsparse.distribution;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLSTM;
import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.SparseLayers;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.mask.SparsityFraction;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Layer-wise sparsities for a whole network from one global target: {@link #uniform(double)} gives every layer the
 * target; {@link #erk(double)} (Erdős–Rényi-Kernel, as in RigL) makes a layer's density proportional to
 * {@code (nIn + nOut) / (nIn · nOut)}, for a convolution {@code (nIn + nOut + kH + kW) / (nIn · nOut · kH · kW)}
 * (RigL's kernel-aware ERK), so small layers keep more of their connections, scaled so that the total
 * active count equals the uniform one. A layer whose ERK density would exceed 1 becomes dense and the others are
 * re-solved.
 *
 * <pre>{@code
 * MultiLayerConfiguration conf = ...; // SparseLinear layers, nIn known (setInputType or nIn)
 * SparsityDistribution.erk(0.9).override("fc3", 0.0).build().applyTo(conf);
 * MultiLayerNetwork net = new MultiLayerNetwork(conf); net.init();
 * }</pre>
 *
 * <p>Overridden layers (and the first layer with {@link Builder#denseFirstLayer()}) keep their given sparsity and are
 * left out of the budget: the other layers together match the uniform active count of those layers, as RigL's
 * reference implementation does. Only sparse layers ({@link SparseLayerConfig}) take part. Exact counts per layer follow from
 * {@link SparseLinear}'s rounding, so totals match within one connection per layer.
 */
public final class SparsityDistribution {

    /** The kind of distribution. */
    public enum Kind {
        /** The target sparsity in every layer. */
        UNIFORM,
        /** Erdős–Rényi-Kernel. */
        ERK
    }

    /**
     * A sparse layer's name and shape.
     *
     * @param name   the layer's name (in a MultiLayerConfiguration without names: its index)
     * @param nIn    inputs (channels of a convolution), {@code > 0}
     * @param nOut   outputs (channels of a convolution), {@code > 0}
     * @param kernel the kernel's sizes of a convolution ({@code [kH, kW]}), empty for a fully connected layer
     */
    public record LayerShape(String name, long nIn, long nOut, long[] kernel) {
        public LayerShape {
            if (nIn <= 0 || nOut <= 0) {
                throw new IllegalArgumentException("layer " + name + ": nIn and nOut must be set (> 0), got nIn="
                        + nIn + ", nOut=" + nOut);
            }
            kernel = kernel.clone();
            for (long k : kernel) {
                if (k <= 0) {
                    throw new IllegalArgumentException("layer " + name + ": kernel sizes must be > 0, got "
                            + java.util.Arrays.toString(kernel));
                }
            }
        }

        /** A fully connected layer of {@code nIn · nOut} connections. */
        public LayerShape(String name, long nIn, long nOut) {
            this(name, nIn, nOut, new long[0]);
        }

        /** The shape of {@code layer}'s weights, named {@code name}. */
        public static LayerShape of(String name, SparseLayerConfig layer) {
            long[] w = layer.weightShape();
            if (w.length == 2) {
                return new LayerShape(name, w[0], w[1]);
            }
            return new LayerShape(name, w[1], w[0], java.util.Arrays.copyOfRange(w, 2, w.length));
        }

        long connections() {
            long c = nIn * nOut;
            for (long k : kernel) {
                c *= k;
            }
            return c;
        }

        /**
         * RigL's raw ERK density, {@code (nIn + nOut) / (nIn · nOut)}, and for a kernel
         * {@code (nIn + nOut + kH + kW) / (nIn · nOut · kH · kW)}.
         */
        double erkRawDensity() {
            double sum = nIn + nOut;
            for (long k : kernel) {
                sum += k;
            }
            return sum / connections();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LayerShape l && name.equals(l.name) && nIn == l.nIn && nOut == l.nOut
                    && java.util.Arrays.equals(kernel, l.kernel);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(name, nIn, nOut, java.util.Arrays.hashCode(kernel));
        }

        @Override
        public String toString() {
            return "LayerShape[" + name + ", nIn=" + nIn + ", nOut=" + nOut
                    + (kernel.length == 0 ? "" : ", kernel=" + java.util.Arrays.toString(kernel)) + "]";
        }
    }

    private final Kind kind;
    private final double target;
    private final Map<String, Double> overrides;
    private final boolean denseFirstLayer;

    private SparsityDistribution(Builder b) {
        this.kind = b.kind;
        this.target = b.target;
        this.overrides = Map.copyOf(b.overrides);
        this.denseFirstLayer = b.denseFirstLayer;
    }

    /** @return a builder giving every layer {@code target} sparsity, in [0, 1) */
    public static Builder uniform(double target) {
        return new Builder(Kind.UNIFORM, target);
    }

    /** @return a builder for the Erdős–Rényi-Kernel distribution of {@code target} global sparsity, in [0, 1) */
    public static Builder erk(double target) {
        return new Builder(Kind.ERK, target);
    }

    /**
     * The sparsity of each layer, in the given order.
     *
     * @throws IllegalArgumentException if an override names none of the layers, or for duplicate names
     */
    public Map<String, Double> sparsities(List<LayerShape> layers) {
        Set<String> names = new HashSet<>();
        for (LayerShape l : layers) {
            if (!names.add(l.name())) {
                throw new IllegalArgumentException("two sparse layers are named '" + l.name() + "'");
            }
        }
        for (String o : overrides.keySet()) {
            if (!names.contains(o)) {
                throw new IllegalArgumentException("override for layer '" + o + "' names no sparse layer; "
                        + "layers are " + names(layers));
            }
        }
        Map<String, Double> fixed = new LinkedHashMap<>();
        if (denseFirstLayer && !layers.isEmpty()) {
            fixed.put(layers.get(0).name(), 0.0);
        }
        fixed.putAll(overrides);
        List<LayerShape> free = new ArrayList<>();
        for (LayerShape l : layers) {
            if (!fixed.containsKey(l.name())) {
                free.add(l);
            }
        }
        Map<String, Double> solved = kind == Kind.ERK ? erk(free) : uniform(free);
        Map<String, Double> out = new LinkedHashMap<>();
        for (LayerShape l : layers) {
            out.put(l.name(), fixed.containsKey(l.name()) ? fixed.get(l.name()) : solved.get(l.name()));
        }
        return out;
    }

    private Map<String, Double> uniform(List<LayerShape> layers) {
        Map<String, Double> out = new LinkedHashMap<>();
        layers.forEach(l -> out.put(l.name(), target));
        return out;
    }

    /** RigL's ERK solve: make the densest layers dense until the scale factor gives every other density <= 1. */
    private Map<String, Double> erk(List<LayerShape> layers) {
        double budget = 0.0; // active connections of the uniform distribution
        for (LayerShape l : layers) {
            budget += (1.0 - target) * l.connections();
        }
        Set<String> dense = new HashSet<>();
        double scale = 0.0;
        while (true) {
            double available = budget;
            double divisor = 0.0;
            double maxRaw = 0.0;
            for (LayerShape l : layers) {
                if (dense.contains(l.name())) {
                    available -= l.connections();
                } else {
                    double raw = raw(l);
                    divisor += raw * l.connections();
                    maxRaw = Math.max(maxRaw, raw);
                }
            }
            if (divisor == 0.0) {
                break; // every layer is dense
            }
            scale = available / divisor;
            if (maxRaw * scale <= 1.0) {
                break;
            }
            for (LayerShape l : layers) {
                if (!dense.contains(l.name()) && raw(l) == maxRaw) {
                    dense.add(l.name());
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (LayerShape l : layers) {
            out.put(l.name(), dense.contains(l.name()) ? 0.0 : Math.max(0.0, 1.0 - scale * raw(l)));
        }
        return out;
    }

    private static double raw(LayerShape l) {
        return l.erkRawDensity();
    }

    /**
     * Sets the sparsity of every sparse layer ({@link SparseLayerConfig}: {@link SparseLinear}, {@code SparseConv2D}) of
     * {@code conf}, before the network is initialised.
     *
     * @return {@code conf}
     * @throws IllegalArgumentException if a sparse layer's nIn is not known yet, or an override names no layer
     * @throws IllegalStateException    if a network has been initialised from {@code conf} (nothing is changed)
     */
    public MultiLayerConfiguration applyTo(MultiLayerConfiguration conf) {
        Map<String, SparseLayerConfig> layers = new LinkedHashMap<>();
        List<NeuralNetConfiguration> confs = conf.getConfs();
        for (int i = 0; i < confs.size(); i++) {
            String name = confs.get(i).getLayer().getLayerName() != null ? confs.get(i).getLayer().getLayerName()
                    : String.valueOf(i);
            requireNotInitialised(confs.get(i), name);
            for (SparseLayerConfig s : SparseLayers.matricesOf(confs.get(i).getLayer())) {
                layers.put(SparseLayers.matrixName(name, s), s);
            }
        }
        apply(layers);
        return conf;
    }

    /**
     * Sets the sparsity of every sparse layer vertex of {@code conf}, before the graph is initialised. The first layer
     * (for {@link Builder#denseFirstLayer()}) is the first sparse layer vertex added.
     *
     * @return {@code conf}
     * @throws IllegalArgumentException if a sparse layer's nIn is not known yet, or an override names no layer
     * @throws IllegalStateException    if a network has been initialised from {@code conf} (nothing is changed)
     */
    public ComputationGraphConfiguration applyTo(ComputationGraphConfiguration conf) {
        Map<String, SparseLayerConfig> layers = new LinkedHashMap<>();
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) { // in the order they were added
            if (e.getValue() instanceof LayerVertex v) {
                requireNotInitialised(v.getLayerConf(), e.getKey());
                for (SparseLayerConfig s : SparseLayers.matricesOf(v.getLayerConf().getLayer())) {
                    layers.put(SparseLayers.matrixName(e.getKey(), s), s);
                }
            }
        }
        apply(layers);
        return conf;
    }

    /**
     * A configuration that a network has been initialised from holds its parameters' layout: changing a sparse layer's
     * sparsity there would leave the network's arrays of the old size (a failing fit, an unrestorable file).
     */
    private static void requireNotInitialised(NeuralNetConfiguration layerConf, String name) {
        org.deeplearning4j.nn.conf.layers.Layer layer = layerConf.getLayer();
        if (layer instanceof org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep w) {
            layer = w.getUnderlying();
        }
        boolean instantiated = layer instanceof SparseLinear l && l.isInstantiated()
                || layer instanceof SparseConv2D c && c.isInstantiated()
                || layer instanceof SparseLSTM r && r.isInstantiated();
        if (instantiated) {
            throw new IllegalStateException("SparsityDistribution.applyTo: layer " + name + " belongs to a network "
                    + "that has been initialised (its parameters are laid out for its current sparsity), so the distribution would not reach the network and would make its "
                    + "saved configuration disagree with its parameters; nothing was changed. Apply it to the "
                    + "configuration before new MultiLayerNetwork(conf).init() (or ComputationGraph), or to a "
                    + "copy, net.getLayerWiseConfigurations().clone(), and build a new network from that");
        }
    }

    private void apply(Map<String, SparseLayerConfig> layers) {
        List<LayerShape> shapes = new ArrayList<>();
        layers.forEach((name, l) -> shapes.add(LayerShape.of(name, l)));
        sparsities(shapes).forEach((name, s) -> {
            layers.get(name).setSparsity(s);
            SparseLayers.kernelStorageForSmallFanIn(layers.get(name));
        });
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %.4f%s%s", kind, target, denseFirstLayer ? ", first layer dense" : "",
                overrides.isEmpty() ? "" : ", overrides " + overrides);
    }

    private static List<String> names(List<LayerShape> layers) {
        return layers.stream().map(LayerShape::name).toList();
    }

    /** Builds a {@link SparsityDistribution}. */
    public static final class Builder {
        private final Kind kind;
        private final double target;
        private final Map<String, Double> overrides = new LinkedHashMap<>();
        private boolean denseFirstLayer;

        private Builder(Kind kind, double target) {
            requireSparsity("target sparsity", target);
            this.kind = kind;
            this.target = target;
        }

        /** Gives layer {@code layerName} this sparsity, in [0, 1), outside the global budget. */
        public Builder override(String layerName, double sparsity) {
            if (layerName == null) {
                throw new IllegalArgumentException("override: layer name must not be null");
            }
            requireSparsity("override sparsity of layer '" + layerName + "'", sparsity);
            overrides.put(layerName, sparsity);
            return this;
        }

        /** Keeps the first sparse layer dense (sparsity 0), outside the global budget. Default: off. */
        public Builder denseFirstLayer() {
            this.denseFirstLayer = true;
            return this;
        }

        public SparsityDistribution build() {
            return new SparsityDistribution(this);
        }

        private static void requireSparsity(String what, double s) {
            SparsityFraction.require(what, s);
        }
    }
}
