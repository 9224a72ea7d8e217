package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.ConvGeometry;
import io.github.dl4jsparse.kernels.ConvIndex;
import io.github.dl4jsparse.kernels.ImageTiles;
import io.github.dl4jsparse.kernels.ImageTiles.Frame;
import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseConvKernels;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import io.github.dl4jsparse.layers.SparseConv2D;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The products of a {@link SparseConv2DLayer} under active storage on {@link SparseConvKernels}: the forward pass
 * {@code conv(x, W ⊙ M) + b} and the backward pass ({@code dL/db}, {@code dL/dW} at the active connections,
 * {@code dL/dx}) without an im2col matrix, nothing of the size of the dense kernel. Activations travel between DL4J's
 * minibatch-major arrays and the kernels' tiled layout ({@link ImageTiles}); a training forward pass keeps its tiled
 * input and pre-activation for the backward pass on the same input. The {@link ConvIndex} is kept while the
 * positions and the input size are unchanged.
 *
 * <p>A plain ReLU's backward pass runs in the tiled layout, on the kept pre-activation; any other activation's on
 * DL4J's {@link IActivation#backprop}.
 */
final class ConvolutionKernels {

    private final ActiveWeights weights;
    private final SparseConv2D conf;
    private ConvIndex index;

    /** The last training forward pass, whose tiled arrays the backward pass on the same input reuses; or null. */
    private INDArray passInput;
    private ConvIndex passIndex;
    /** The pass of a 1×1 convolution that keeps the last training forward pass, or null (see {@link PointwiseConvolution}). */
    private PointwiseConvolution<?> pointwisePass;
    private PointwiseConvolution<float[]> pointwiseFloat;
    private PointwiseConvolution<double[]> pointwiseDouble;
    private final Scratch trainingScratch = new Scratch();
    private final Scratch inferenceScratch = new Scratch();

    ConvolutionKernels(ActiveWeights weights, SparseConv2D conf) {
        this.weights = weights;
        this.conf = conf;
    }

    /**
     * Java arrays of one kind of pass, grown as needed, never shrunk: the tiled input, pre-activation and δ, and one
     * minibatch-major staging array that every copy between an ND4J array and the tiles passes through (input, output,
     * ε, {@code dL/dx}: never two at a time). {@code dL/dx} is computed into the tiled input's array, which the weight
     * gradient has finished with by then.
     */
    private static final class Scratch {
        float[] staging = new float[0];
        float[] xT = new float[0];
        float[] zT = new float[0];
        float[] deltaT = new float[0];
        float[] values = new float[0];
        double[] stagingd = new double[0];
        double[] xTd = new double[0];
        double[] zTd = new double[0];
        double[] deltaTd = new double[0];
        double[] valuesd = new double[0];

        /** @return {@code a} if it holds {@code n} values and the kernels' slack, else a new array that does */
        static float[] floats(float[] a, int n) {
            return a.length >= n + ImageTiles.SLACK ? a : new float[n + ImageTiles.SLACK];
        }

        static double[] doubles(double[] a, int n) {
            return a.length >= n ? a : new double[n];
        }
    }

    /** @return whether a pass over {@code batch} examples runs on the kernels ({@link ProductRoute}) */
    boolean pays(int batch, boolean training) {
        return ProductRoute.useConvolutionKernels(weights.density(), conf.connectionRows(), batch, training);
    }

    private boolean channelsLast() {
        return conf.getCnn2dDataFormat() == CNN2DFormat.NHWC;
    }

    /** The geometry of a convolution of {@code input} ({@code [batch, C, H, W]}, or {@code [batch, H, W, C]}). */
    private ConvGeometry geometry(INDArray input) {
        boolean last = channelsLast();
        int h = (int) input.size(last ? 1 : 2);
        int w = (int) input.size(last ? 2 : 3);
        int[] kernel = conf.getKernelSize();
        int[] stride = conf.getStride();
        int[] dilation = conf.getDilation();
        ConvolutionMode mode = conf.getConvolutionMode();
        int[] pad;
        int[] out;
        if (mode == ConvolutionMode.Same) {
            out = ConvolutionUtils.getOutputSize(input, kernel, stride, null, mode, dilation, conf.getCnn2dDataFormat());
            pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[]{h, w}, kernel, stride, dilation);
        } else {
            pad = conf.getPadding();
            out = ConvolutionUtils.getOutputSize(input, kernel, stride, pad, mode, dilation, conf.getCnn2dDataFormat());
        }
        return new ConvGeometry((int) conf.getNIn(), h, w, (int) conf.getNOut(), kernel[0], kernel[1], stride[0],
                stride[1], dilation[0], dilation[1], pad[0], pad[1], out[0], out[1]);
    }

    private ConvIndex index(ConvGeometry g) {
        SparsePattern p = weights.pattern();
        if (index == null || !index.serves(p, g)) {
            index = ConvIndex.of(p, g);
        }
        return index;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward

    /**
     * {@code conv(x, W ⊙ M) + b} in the layer's data format, order 'c', a new array of the activations workspace.
     *
     * @param input    the layer's input (after dropout), of the layer's data type
     * @param training whether a backward pass on the same input follows (its tiled arrays are kept for it)
     */
    INDArray preOutput(INDArray input, INDArray bias, boolean training, LayerWorkspaceMgr workspaceMgr) {
        SparseKernels.noteKernelUse();
        ConvGeometry g = geometry(input);
        if (PointwiseConvolution.applies(g, channelsLast())) {
            PointwiseConvolution<?> pw = pointwise(input.dataType());
            INDArray z = pw.preOutput(DirectBuffers.contiguous(input, 'c'), bias, g, training, workspaceMgr);
            noteForwardPass(input, training, null, pw);
            return z;
        }
        ConvIndex ix = index(g);
        int batch = (int) input.size(0);
        Scratch s = training ? trainingScratch : inferenceScratch;
        long[] shape = channelsLast() ? new long[]{batch, g.outH(), g.outW(), g.outChannels()}
                : new long[]{batch, g.outChannels(), g.outH(), g.outW()};
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), shape, 'c');
        int n = batch * g.outputSize();
        INDArray x = DirectBuffers.contiguous(input, 'c');
        if (input.dataType() == DataType.FLOAT) {
            s.staging = Scratch.floats(s.staging, Math.max(batch * g.inputSize(), n));
            s.xT = Scratch.floats(s.xT, batch * g.paddedInputSize());
            s.zT = Scratch.floats(s.zT, n);
            DirectBuffers.read(x, s.staging, batch * g.inputSize());
            ImageTiles.pack(s.staging, Frame.input(g), batch, channelsLast(), s.xT);
            s.values = weights.valuesInto(s.values);
            SparseConvKernels.forward(ix, s.values, s.xT, batch, s.zT);
            ImageTiles.unpack(s.zT, Frame.output(g), batch, bias == null ? null : bias.toFloatVector(), channelsLast(), s.staging);
            DirectBuffers.write(z, s.staging, n);
        } else {
            s.stagingd = Scratch.doubles(s.stagingd, Math.max(batch * g.inputSize(), n));
            s.xTd = Scratch.doubles(s.xTd, batch * g.paddedInputSize());
            s.zTd = Scratch.doubles(s.zTd, n);
            DirectBuffers.read(x, s.stagingd, batch * g.inputSize());
            ImageTiles.pack(s.stagingd, Frame.input(g), batch, channelsLast(), s.xTd);
            s.valuesd = weights.valuesInto(s.valuesd);
            SparseConvKernels.forward(ix, s.valuesd, s.xTd, batch, s.zTd);
            ImageTiles.unpack(s.zTd, Frame.output(g), batch, bias == null ? null : bias.toDoubleVector(), channelsLast(), s.stagingd);
            DirectBuffers.write(z, s.stagingd, n);
        }
        noteForwardPass(input, training, ix, null);
        return z;
    }

    /** A training pass is kept for the backward pass on the same input; inference on that input forgets it. */
    private void noteForwardPass(INDArray input, boolean training, ConvIndex ix, PointwiseConvolution<?> pw) {
        if (training) {
            passInput = input;
            passIndex = ix;
            pointwisePass = pw;
        } else if (passInput == input) {
            passInput = null;
        }
    }

    /** @return whether the last training forward pass ran on the kernels for exactly this input */
    boolean hasPassFor(INDArray input) {
        if (passInput == null || passInput != input) {
            return false;
        }
        return passIndex != null ? passIndex.serves(weights.pattern(), passIndex.geometry())
                : pointwisePass != null && pointwisePass.hasPass();
    }

    private PointwiseConvolution<?> pointwise(DataType dataType) {
        if (dataType == DataType.DOUBLE) {
            if (pointwiseDouble == null) {
                pointwiseDouble = new PointwiseConvolution<>(PassArithmetic.DOUBLE, weights);
            }
            return pointwiseDouble;
        }
        if (pointwiseFloat == null) {
            pointwiseFloat = new PointwiseConvolution<>(PassArithmetic.FLOAT, weights);
        }
        return pointwiseFloat;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Backward

    /**
     * The backward pass after a training forward pass on {@code input} ({@link #hasPassFor}): writes {@code dL/db} into
     * {@code biasGradient} (if not null) and {@code dL/dW} at the active connections into the weights' gradient view.
     *
     * @param epsilon            {@code dL/d(activation)} in the layer's data format
     * @param bias               the bias parameter, or null without one
     * @param inputGradientNeeded whether {@code dL/dx} is wanted; if not, a zero array is returned in its place
     * @return {@code dL/dx} in the layer's data format, a new array of the activation-gradient workspace
     */
    INDArray backprop(INDArray input, INDArray epsilon, IActivation activation, INDArray bias, INDArray biasGradient,
                      boolean inputGradientNeeded, LayerWorkspaceMgr workspaceMgr) {
        if (pointwisePass != null) {
            PointwiseConvolution<?> pw = pointwisePass;
            pointwisePass = null;
            passInput = null;
            INDArray delta = null;
            if (!isPlainRelu(activation)) {
                INDArray z = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(),
                        epsilon.shape(), 'c');
                pw.preActivationInto(bias, z);
                delta = DirectBuffers.contiguous(activation.backprop(z, epsilon).getFirst(), 'c');
            }
            return pw.backprop(delta, epsilon, bias, biasGradient, inputGradientNeeded, workspaceMgr);
        }
        ConvIndex ix = passIndex;
        passInput = null;
        passIndex = null;
        ConvGeometry g = ix.geometry();
        int batch = (int) input.size(0);
        Scratch s = trainingScratch;
        INDArray dx = inputGradientNeeded
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c')
                : workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        int n = batch * g.outputSize();
        Frame out = Frame.output(g);
        INDArray valueGrad = weights.valueGradient();
        if (input.dataType() == DataType.FLOAT) {
            s.deltaT = Scratch.floats(s.deltaT, n);
            float[] b = bias == null ? null : bias.toFloatVector();
            if (isPlainRelu(activation)) {
                DirectBuffers.read(DirectBuffers.contiguous(epsilon.castTo(DataType.FLOAT), 'c'), s.staging, n);
                ImageTiles.pack(s.staging, out, batch, channelsLast(), s.deltaT);
                SparseConvKernels.reluBackward(g, batch, s.zT, b, s.deltaT);
            } else {
                INDArray delta = activationDelta(activation, epsilon, s, g, batch, b, null, workspaceMgr);
                DirectBuffers.read(delta, s.staging, n);
                ImageTiles.pack(s.staging, out, batch, channelsLast(), s.deltaT);
            }
            if (biasGradient != null) {
                biasGradient.assign(Nd4j.createFromArray(SparseConvKernels.channelSums(g, batch, s.deltaT))
                        .reshape(biasGradient.shape()));
            }
            float[] grad = new float[ix.pattern().activeCount()];
            SparseConvKernels.weightGradient(ix, s.xT, s.deltaT, batch, grad);
            DirectBuffers.write(valueGrad, grad, grad.length);
            if (inputGradientNeeded) {
                SparseConvKernels.backwardInput(ix, s.values, s.deltaT, batch, s.xT);
                ImageTiles.unpack(s.xT, Frame.input(g), batch, null, channelsLast(), s.staging);
                DirectBuffers.write(dx, s.staging, batch * g.inputSize());
            }
        } else {
            s.deltaTd = Scratch.doubles(s.deltaTd, n);
            double[] b = bias == null ? null : bias.toDoubleVector();
            INDArray delta = activationDelta(activation, epsilon, s, g, batch, null, b, workspaceMgr);
            DirectBuffers.read(delta, s.stagingd, n);
            ImageTiles.pack(s.stagingd, out, batch, channelsLast(), s.deltaTd);
            if (biasGradient != null) {
                biasGradient.assign(Nd4j.createFromArray(SparseConvKernels.channelSums(g, batch, s.deltaTd))
                        .reshape(biasGradient.shape()));
            }
            double[] grad = new double[ix.pattern().activeCount()];
            SparseConvKernels.weightGradient(ix, s.xTd, s.deltaTd, batch, grad);
            DirectBuffers.write(valueGrad, grad, grad.length);
            if (inputGradientNeeded) {
                SparseConvKernels.backwardInput(ix, s.valuesd, s.deltaTd, batch, s.xTd);
                ImageTiles.unpack(s.xTd, Frame.input(g), batch, null, channelsLast(), s.stagingd);
                DirectBuffers.write(dx, s.stagingd, batch * g.inputSize());
            }
        }
        return dx;
    }

    private static boolean isPlainRelu(IActivation fn) {
        return fn instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null
                && r.getNegativeSlope() == null;
    }

    /**
     * {@code δ = activation'(z) ⊙ ε} by DL4J's activation, on {@code z} unpacked from the kept tiled pre-activation:
     * contiguous 'c', in the layer's data format.
     */
    private INDArray activationDelta(IActivation activation, INDArray epsilon, Scratch s, ConvGeometry g, int batch,
                                     float[] bias, double[] biasD, LayerWorkspaceMgr workspaceMgr) {
        INDArray z = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(), epsilon.shape(), 'c');
        int n = batch * g.outputSize();
        if (z.dataType() == DataType.FLOAT) {
            ImageTiles.unpack(s.zT, Frame.output(g), batch, bias, channelsLast(), s.staging);
            DirectBuffers.write(z, s.staging, n);
        } else {
            ImageTiles.unpack(s.zTd, Frame.output(g), batch, biasD, channelsLast(), s.stagingd);
            DirectBuffers.write(z, s.stagingd, n);
        }
        return DirectBuffers.contiguous(activation.backprop(z, epsilon).getFirst(), 'c');
    }
}
