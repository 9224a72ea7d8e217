package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.layers.SparseLSTM;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.LSTM;
import org.deeplearning4j.nn.params.LSTMParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The runtime layer of {@link SparseLSTM}: DL4J's LSTM (forward, backward, truncated BPTT, masking, NCW/NWC) on the
 * masked weights {@code W ⊙ M} and {@code RW ⊙ M_R}. Where DL4J's LSTM reads its weights, this layer hands it each
 * matrix's {@link SparseMatrix#maskedTensor}; where it writes their gradients, it points it at each matrix's gradient
 * target, then has the matrix turn the dense gradient into the storage's. The bias is DL4J's.
 */
public class SparseLSTMLayer extends LSTM implements SparseMatrices {

    private static final String W = LSTMParamInitializer.INPUT_WEIGHT_KEY;
    private static final String RW = LSTMParamInitializer.RECURRENT_WEIGHT_KEY;

    private final SparseMatrix inputWeights;
    private final SparseMatrix recurrentWeights;
    /** DL4J's key of each weight tensor and the matrix that holds it, for every backward pass. */
    private final Map<String, SparseMatrix> byKey;

    public SparseLSTMLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        SparseLSTM c = (SparseLSTM) conf.getLayer();
        this.inputWeights = new SparseMatrix(c.inputMatrix(), dataType, this::getParam, key -> gradientViews.get(key),
                () -> layerName() + "/W");
        this.recurrentWeights = new SparseMatrix(c.recurrentMatrix(), dataType, this::getParam,
                key -> gradientViews.get(key), () -> layerName() + "/RW");
        Map<String, SparseMatrix> keys = new LinkedHashMap<>();
        keys.put(W, inputWeights);
        keys.put(RW, recurrentWeights);
        this.byKey = Collections.unmodifiableMap(keys);
    }

    /** @return the input weights {@code W} and the recurrent weights {@code RW} */
    @Override
    public List<SparseLayer> sparseMatrices() {
        return List.of(inputWeights, recurrentWeights);
    }

    /** The weights DL4J's LSTM multiplies by: {@code W ⊙ M} and {@code RW ⊙ M_R}. The bias as DL4J reads it. */
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (W.equals(param)) {
            return inputWeights.maskedTensor(training, workspaceMgr);
        }
        if (RW.equals(param)) {
            return recurrentWeights.maskedTensor(training, workspaceMgr);
        }
        return getParam(param);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return sparseGradient(() -> super.backpropGradient(epsilon, workspaceMgr));
    }

    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackwardLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        return sparseGradient(() -> super.tbpttBackpropGradient(epsilon, tbpttBackwardLength, workspaceMgr));
    }

    /** Runs DL4J's backward pass with its weight gradients redirected to the matrices' targets, then converts them. */
    private Pair<Gradient, INDArray> sparseGradient(Supplier<Pair<Gradient, INDArray>> denseBackprop) {
        IgnoredListeners.checkTrainingThread();
        return SparseMatrix.backpropThrough(byKey, () -> gradientViews, v -> gradientViews = v, denseBackprop);
    }

    /**
     * Assigns a parameter; a new mask must be binary and new positions valid, and masked weights stay exactly 0.
     *
     * @throws IllegalStateException for a mask that is not binary or invalid positions; nothing is changed then
     */
    @Override
    public void setParam(String key, INDArray val) {
        SparseMatrix.setParam(List.of(inputWeights, recurrentWeights), key, val, super::setParam, this::getParam);
    }

    private String layerName() {
        String name = conf.getLayer().getLayerName();
        return name != null ? name : String.valueOf(index);
    }
}
