package io.github.dl4jsparse.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;

import java.util.ArrayList;

/**
 * The sparse layer configured like a DL4J dense one: {@code DenseLayer} → {@link SparseLinear},
 * {@code ConvolutionLayer} → {@link SparseConv2D}, {@code LSTM} (also inside {@code LastTimeStep}) →
 * {@link SparseLSTM}, with the dense layer's shape, geometry, data format, activation, initialisation, updaters,
 * regularisation, dropout, gradient normalisation and name. Only layers of exactly these classes have a counterpart
 * (not subclasses such as depthwise or separable convolutions, whose maths differs).
 *
 * <p>The conversions of the library ({@code MagnitudePruning}, {@code SparseTwin}) build on this class; it is public
 * for configurations of one's own.
 */
public final class SparseCounterparts {

    private SparseCounterparts() {
    }

    /** @return true if {@code layer} (or the layer inside a {@code LastTimeStep}) has a sparse counterpart */
    public static boolean hasCounterpart(Layer layer) {
        return layer.getClass() == DenseLayer.class || layer.getClass() == ConvolutionLayer.class
                || unwrapped(layer).getClass() == LSTM.class;
    }

    /**
     * @return why a conversion leaves {@code layer} with dense weights although it has a weight matrix (e.g.
     *         {@code "GravesLSTM: no sparse counterpart; DL4J deprecates GravesLSTM, use LSTM"}), or null if it has a
     *         counterpart, is sparse already, is an output layer (they keep their dense weights by design) or has no
     *         weight matrix (batch norm, pooling, activations)
     */
    public static String keptDense(Layer layer) {
        if (hasCounterpart(layer) || !SparseLayers.matricesOf(layer).isEmpty()
                || layer instanceof org.deeplearning4j.nn.conf.layers.BaseOutputLayer
                || layer instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
            return null;
        }
        boolean weights;
        try {
            weights = layer.initializer().numParams(layer) > 0 && !layer.initializer().weightKeys(layer).isEmpty();
        } catch (RuntimeException e) {
            weights = false;
        }
        if (!weights) {
            return null;
        }
        Layer inner = unwrapped(layer);
        String type = inner.getClass().getSimpleName();
        String why = inner instanceof org.deeplearning4j.nn.conf.layers.GravesLSTM
                ? "; DL4J deprecates GravesLSTM (it has peephole connections): use LSTM, which has one"
                : "; only DenseLayer, ConvolutionLayer and LSTM (also in LastTimeStep) have one";
        return type + ": no sparse counterpart" + why;
    }

    /** @return the layer inside a {@code LastTimeStep}, or the layer itself */
    public static Layer unwrapped(Layer layer) {
        return layer instanceof LastTimeStep w ? w.getUnderlying() : layer;
    }

    /**
     * Puts the sparse counterpart of {@code layerConf}'s layer in its place (inside its {@code LastTimeStep} for a
     * wrapped LSTM), and clears the layer configuration's parameter names (the new layer declares its own).
     *
     * @param sparsities one sparsity per connection matrix, in [0, 1): one for a dense or convolution layer, two
     *                   (input, recurrent) for an LSTM
     * @throws IllegalArgumentException if the layer has no counterpart or the count of sparsities does not match
     */
    public static void replace(NeuralNetConfiguration layerConf, double... sparsities) {
        Layer layer = layerConf.getLayer();
        if (!hasCounterpart(layer)) {
            throw new IllegalArgumentException("SparseCounterparts: layer " + layer.getLayerName() + " ("
                    + layer.getClass().getSimpleName() + ") has no sparse counterpart; only DenseLayer, "
                    + "ConvolutionLayer and LSTM have");
        }
        int matrices = unwrapped(layer) instanceof LSTM ? 2 : 1;
        if (sparsities.length != matrices) {
            throw new IllegalArgumentException("SparseCounterparts: layer " + layer.getLayerName() + " has "
                    + matrices + " connection matrices, got " + sparsities.length + " sparsities");
        }
        if (unwrapped(layer) instanceof LSTM lstm) {
            SparseLSTM sparse = of(lstm, sparsities[0], sparsities[1]);
            if (layer instanceof LastTimeStep wrapper) {
                wrapper.setUnderlying(sparse);
            } else {
                layerConf.setLayer(sparse);
            }
        } else {
            layerConf.setLayer(layer instanceof ConvolutionLayer c ? of(c, sparsities[0])
                    : of((DenseLayer) layer, sparsities[0]));
        }
        layerConf.clearVariables();
    }

    /** A {@link SparseConv2D} configured like {@code c}, at {@code sparsity}. */
    public static SparseConv2D of(ConvolutionLayer c, double sparsity) {
        SparseConv2D.Builder b = new SparseConv2D.Builder(c.getKernelSize()[0], c.getKernelSize()[1])
                .nIn(c.getNIn()).nOut(c.getNOut()).sparsity(sparsity)
                .stride(c.getStride()).padding(c.getPadding()).dilation(c.getDilation())
                .convolutionMode(c.getConvolutionMode()).dataFormat(c.getCnn2dDataFormat())
                .hasBias(c.hasBias()).activation(c.getActivationFn()).weightInit(c.getWeightInitFn())
                .biasInit(c.getBiasInit()).updater(c.getIUpdater()).biasUpdater(c.getBiasUpdater());
        b.setRegularization(new ArrayList<>(c.getRegularization()));
        b.setRegularizationBias(new ArrayList<>(c.getRegularizationBias()));
        if (c.getLayerName() != null) {
            b.name(c.getLayerName());
        }
        if (c.getIDropout() != null) {
            b.dropOut(c.getIDropout().clone());
        }
        SparseConv2D layer = b.build();
        layer.setGradientNormalization(c.getGradientNormalization());
        layer.setGradientNormalizationThreshold(c.getGradientNormalizationThreshold());
        return layer;
    }

    /**
     * A {@link SparseLSTM} configured like {@code l} (every field of DL4J's LSTM: shape, activations, forget-gate bias,
     * format, updaters, regularisation, dropout, name), with the two matrices' sparsities.
     */
    public static SparseLSTM of(LSTM l, double inputSparsity, double recurrentSparsity) {
        SparseLSTM layer = new SparseLSTM.Builder().nOut(l.getNOut()).sparsity(0.0).build();
        SparseLSTM.copyLstmFields(l, layer);
        layer.setInputSparsity(inputSparsity);
        layer.setRecurrentSparsity(recurrentSparsity);
        return layer;
    }

    /** A {@link SparseLinear} configured like {@code d}, at {@code sparsity}. */
    public static SparseLinear of(DenseLayer d, double sparsity) {
        SparseLinear.Builder b = new SparseLinear.Builder()
                .nIn(d.getNIn()).nOut(d.getNOut()).sparsity(sparsity)
                .activation(d.getActivationFn()).hasBias(d.hasBias()).weightInit(d.getWeightInitFn())
                .updater(d.getIUpdater()).biasUpdater(d.getBiasUpdater());
        b.setRegularization(new ArrayList<>(d.getRegularization()));
        b.setRegularizationBias(new ArrayList<>(d.getRegularizationBias()));
        if (d.getLayerName() != null) {
            b.name(d.getLayerName());
        }
        if (d.getIDropout() != null) {
            b.dropOut(d.getIDropout().clone());
        }
        SparseLinear layer = b.build();
        layer.setGradientNormalization(d.getGradientNormalization());
        layer.setGradientNormalizationThreshold(d.getGradientNormalizationThreshold());
        return layer;
    }
}
