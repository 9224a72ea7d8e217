package org.example.sparselayer;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import io.github.dl4jsparse.layers.runtime.DelegatingSparseLayer;
import io.github.dl4jsparse.layers.runtime.SparseMatrix;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.Deconvolution2DLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * The runtime layer of {@link MaskedDeconvolution2D}: DL4J's deconvolution on {@code W ⊙ M}, delegating everything
 * sparse to a {@link SparseMatrix} (the three steps of its class comment).
 */
public class MaskedDeconvolution2DLayer extends Deconvolution2DLayer implements DelegatingSparseLayer {

    private static final String W = SparseLayerConfig.WEIGHT_KEY;

    private final SparseMatrix matrix;

    public MaskedDeconvolution2DLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        this.matrix = new SparseMatrix((MaskedDeconvolution2D) conf.getLayer(), dataType, this::getParam,
                key -> gradientViews.get(key), () -> String.valueOf(conf.getLayer().getLayerName()));
    }

    @Override
    public SparseMatrix sparseMatrix() {
        return matrix;
    }

    // 1. where DL4J reads the kernel: W ⊙ M
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        return W.equals(param) ? matrix.maskedTensor(training, workspaceMgr) : getParam(param);
    }

    // 2. where DL4J writes the kernel's gradient: the matrix's target, then the storage's gradient
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        return SparseMatrix.backpropThrough(Map.of(W, matrix), () -> gradientViews, v -> gradientViews = v,
                () -> super.backpropGradient(epsilon, workspaceMgr));
    }

    // 3. parameters set from outside stay valid and masked
    @Override
    public void setParam(String key, INDArray val) {
        SparseMatrix.setParam(List.of(matrix), key, val, super::setParam, this::getParam);
    }
}
