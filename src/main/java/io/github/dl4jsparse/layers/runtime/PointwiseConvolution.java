package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.ConvGeometry;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A 1×1 convolution (any stride, no padding) over NCHW activations as what it is, one sparse matrix product: its
 * connection matrix {@code [C, O]} times the input's channels, with the minibatch's output positions along the vector
 * lanes. The input goes to a channel-major layout ({@code [C][batch][outH · outW]}: a block copy per image and channel
 * at stride 1, a gather at stride 2) and the products run on the fully connected kernels ({@link SparseKernels}),
 * whose rows are then thousands of values long: no tiles, no kernel-position index, no padding. ResNet's 1×1
 * convolutions (two thirds of its layers, most of its sparse step before) run here.
 *
 * <p>A training forward pass keeps its channel-major input and pre-activation for the backward pass on the same input.
 *
 * @param <A> the working array type of the layer's precision ({@link PassArithmetic})
 */
final class PointwiseConvolution<A> {

    private final PassArithmetic<A> math;
    private final ActiveWeights weights;

    private ConvGeometry geometry;
    private int batch;
    private SparsePattern pattern;
    /** The kept pass: channel-major input {@code [C][batch][outHW]} and pre-activation {@code [O][batch][outHW]}. */
    private A xT;
    private A zT;

    PointwiseConvolution(PassArithmetic<A> math, ActiveWeights weights) {
        this.math = math;
        this.weights = weights;
    }

    /** @return whether a convolution of geometry {@code g} in NCHW is a 1×1 one without padding */
    static boolean applies(ConvGeometry g, boolean channelsLast) {
        return !channelsLast && g.kernelH() == 1 && g.kernelW() == 1 && g.padTop() == 0 && g.padLeft() == 0
                && (g.outH() - 1) * g.strideH() < g.height() && (g.outW() - 1) * g.strideW() < g.width();
    }

    /**
     * {@code conv(x, W ⊙ M) + b}, NCHW, order 'c', a new array of the activations workspace.
     *
     * @param input contiguous NCHW input of the pass's data type
     * @param bias  the bias {@code [1, O]}, or null
     */
    INDArray preOutput(INDArray input, INDArray bias, ConvGeometry g, boolean training, LayerWorkspaceMgr workspaceMgr) {
        SparseKernels.noteKernelUse();
        geometry = g;
        batch = (int) input.size(0);
        pattern = weights.pattern();
        int plane = g.outH() * g.outW();
        int columns = batch * plane;
        A x = math.allocate(batch * g.inputSize());
        math.read(input, 'c', x, batch * g.inputSize());
        xT = math.allocate(g.channels() * columns + KernelScratch.SLACK);
        math.toChannelMajor(x, batch, g.channels(), g.height(), g.width(), g.strideH(), g.strideW(), g.outH(),
                g.outW(), xT);
        zT = math.allocate(g.outChannels() * columns);
        math.product(pattern, weights, xT, columns, zT);
        A out = math.allocate(batch * g.outChannels() * plane);
        math.fromChannelMajor(zT, batch, g.outChannels(), g.outH(), g.outW(), 1, 1, g.outH(), g.outW(), biasOf(bias),
                out);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, math.dataType(),
                new long[]{batch, g.outChannels(), g.outH(), g.outW()}, 'c');
        math.write(z, out, 0, batch * g.outChannels() * plane);
        if (!training) {
            release();
        }
        return z;
    }

    /** @return whether a kept training pass of this geometry and the current positions is there */
    boolean hasPass() {
        return xT != null && pattern == weights.pattern();
    }

    /**
     * The backward pass after {@link #preOutput} in training: writes {@code dL/db} (if {@code biasGradient} is not
     * null) and {@code dL/dW} at the active connections, returns {@code dL/dx} (NCHW, order 'c', activation-gradient
     * workspace; zeros if not {@code inputGradientNeeded}).
     *
     * @param delta {@code dL/dz} (NCHW), or null to take it from {@code epsilon} by ReLU's derivative on the kept
     *              pre-activation
     */
    INDArray backprop(INDArray delta, INDArray epsilon, INDArray bias, INDArray biasGradient, boolean inputGradientNeeded,
                      LayerWorkspaceMgr workspaceMgr) {
        ConvGeometry g = geometry;
        int plane = g.outH() * g.outW();
        int columns = batch * plane;
        int outChannels = g.outChannels();
        A d = math.allocate(batch * outChannels * plane);
        math.read(delta != null ? delta : epsilon, 'c', d, batch * outChannels * plane);
        A deltaT = math.allocate(outChannels * columns + KernelScratch.SLACK);
        math.toChannelMajor(d, batch, outChannels, g.outH(), g.outW(), 1, 1, g.outH(), g.outW(), deltaT);
        if (delta == null) {
            math.reluMask(zT, biasOf(bias), outChannels, columns, deltaT);
        }
        if (biasGradient != null) {
            A sums = math.allocate(outChannels);
            math.rowSums(deltaT, outChannels, columns, sums);
            INDArray packed = DirectBuffers.contiguous(biasGradient, 'c');
            math.write(packed, sums, 0, outChannels);
            if (packed != biasGradient) {
                biasGradient.assign(packed);
            }
        }
        math.weightGradient(weights, pattern, xT, deltaT, columns);
        INDArray dx;
        long[] inShape = {batch, g.channels(), g.height(), g.width()};
        if (inputGradientNeeded) {
            A dxT = math.allocate(g.channels() * columns);
            math.transposedProduct(pattern, weights, deltaT, columns, dxT);
            A dxOut = math.allocate(batch * g.inputSize());
            math.fromChannelMajor(dxT, batch, g.channels(), g.height(), g.width(), g.strideH(), g.strideW(), g.outH(),
                    g.outW(), null, dxOut);
            dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, math.dataType(), inShape, 'c');
            math.write(dx, dxOut, 0, batch * g.inputSize());
        } else {
            dx = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, math.dataType(), inShape, 'c');
        }
        release();
        return dx;
    }

    /** The kept pre-activation with the bias, NCHW, in {@code target} (contiguous, of the pass's data type). */
    void preActivationInto(INDArray bias, INDArray target) {
        ConvGeometry g = geometry;
        A out = math.allocate(batch * g.outChannels() * g.outH() * g.outW());
        math.fromChannelMajor(zT, batch, g.outChannels(), g.outH(), g.outW(), 1, 1, g.outH(), g.outW(), biasOf(bias),
                out);
        math.write(target, out, 0, batch * g.outChannels() * g.outH() * g.outW());
    }

    private A biasOf(INDArray bias) {
        if (bias == null) {
            return null;
        }
        A b = math.allocate((int) bias.length());
        math.read(bias, 'c', b, (int) bias.length());
        return b;
    }

    void release() {
        xT = null;
        zT = null;
    }
}
