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
    /** Whether a training forward pass is kept in {@link #training}'s arrays for the backward pass. */
    private boolean kept;
    private final Scratch<A> training = new Scratch<>();
    private final Scratch<A> inference = new Scratch<>();

    /**
     * Java arrays of one kind of pass, grown as needed, never shrunk (a ResNet's layers would otherwise allocate and
     * zero megabytes per call): a minibatch-major staging array every copy between an ND4J array and the channel-major
     * ones passes through, the channel-major input {@code [C][batch][outHW]} and pre-activation {@code [O][batch][outHW]}
     * (kept for the backward pass), and the backward pass's δ and {@code dL/dx}.
     */
    private static final class Scratch<A> {
        A staging;
        A xT;
        A zT;
        A deltaT;
        A dxT;
    }

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
        Scratch<A> s = training ? this.training : inference;
        int batch = (int) input.size(0);
        int plane = g.outH() * g.outW();
        int columns = batch * plane;
        int outSize = batch * g.outChannels() * plane;
        SparsePattern p = weights.pattern();
        s.staging = math.atLeast(s.staging, Math.max(batch * g.inputSize(), outSize));
        math.read(input, 'c', s.staging, batch * g.inputSize());
        s.xT = math.atLeast(s.xT, g.channels() * columns + KernelScratch.SLACK);
        math.toChannelMajor(s.staging, batch, g.channels(), g.height(), g.width(), g.strideH(), g.strideW(), g.outH(),
                g.outW(), s.xT);
        s.zT = math.atLeast(s.zT, g.outChannels() * columns);
        math.product(p, weights, s.xT, columns, s.zT);
        math.fromChannelMajor(s.zT, batch, g.outChannels(), g.outH(), g.outW(), 1, 1, g.outH(), g.outW(), biasOf(bias),
                s.staging);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, math.dataType(),
                new long[]{batch, g.outChannels(), g.outH(), g.outW()}, 'c');
        math.write(z, s.staging, 0, outSize);
        if (training) {
            this.geometry = g;
            this.batch = batch;
            this.pattern = p;
            kept = true;
        }
        return z;
    }

    /** @return whether a kept training pass of this geometry and the current positions is there */
    boolean hasPass() {
        return kept && pattern == weights.pattern();
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
        kept = false;
        Scratch<A> s = training;
        ConvGeometry g = geometry;
        int plane = g.outH() * g.outW();
        int columns = batch * plane;
        int outChannels = g.outChannels();
        s.staging = math.atLeast(s.staging, Math.max(batch * g.inputSize(), outChannels * columns));
        math.read(delta != null ? delta : epsilon, 'c', s.staging, outChannels * columns);
        s.deltaT = math.atLeast(s.deltaT, outChannels * columns + KernelScratch.SLACK);
        math.toChannelMajor(s.staging, batch, outChannels, g.outH(), g.outW(), 1, 1, g.outH(), g.outW(), s.deltaT);
        if (delta == null) {
            math.reluMask(s.zT, biasOf(bias), outChannels, columns, s.deltaT);
        }
        if (biasGradient != null) {
            A sums = math.allocate(outChannels);
            math.rowSums(s.deltaT, outChannels, columns, sums);
            INDArray packed = DirectBuffers.contiguous(biasGradient, 'c');
            math.write(packed, sums, 0, outChannels);
            if (packed != biasGradient) {
                biasGradient.assign(packed);
            }
        }
        math.weightGradient(weights, pattern, s.xT, s.deltaT, columns);
        long[] inShape = {batch, g.channels(), g.height(), g.width()};
        if (!inputGradientNeeded) {
            return workspaceMgr.create(ArrayType.ACTIVATION_GRAD, math.dataType(), inShape, 'c');
        }
        s.dxT = math.atLeast(s.dxT, g.channels() * columns);
        math.transposedProduct(pattern, weights, s.deltaT, columns, s.dxT);
        math.fromChannelMajor(s.dxT, batch, g.channels(), g.height(), g.width(), g.strideH(), g.strideW(), g.outH(),
                g.outW(), null, s.staging);
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, math.dataType(), inShape, 'c');
        math.write(dx, s.staging, 0, batch * g.inputSize());
        return dx;
    }

    /** The kept pre-activation with the bias, NCHW, in {@code target} (contiguous, of the pass's data type). */
    void preActivationInto(INDArray bias, INDArray target) {
        ConvGeometry g = geometry;
        int n = batch * g.outChannels() * g.outH() * g.outW();
        training.staging = math.atLeast(training.staging, n);
        math.fromChannelMajor(training.zT, batch, g.outChannels(), g.outH(), g.outW(), 1, 1, g.outH(), g.outW(),
                biasOf(bias), training.staging);
        math.write(target, training.staging, 0, n);
    }

    private A biasOf(INDArray bias) {
        if (bias == null) {
            return null;
        }
        A b = math.allocate((int) bias.length());
        math.read(bias, 'c', b, (int) bias.length());
        return b;
    }

    /** Forgets the kept pass (its arrays stay, to be reused). */
    void release() {
        kept = false;
    }
}
