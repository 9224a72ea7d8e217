package io.github.dl4jsparse.kernels;

/**
 * The shape of one 2D convolution as {@link SparseConvKernels} computes it, for one input size: channels, input and
 * output size, kernel, stride, dilation and the padding at the top and left (every convolution mode reduces to these:
 * {@code Same} pads as DL4J's {@code ConvolutionUtils.getSameModeTopLeftPadding}, {@code Truncate} with the configured
 * padding, the output size as DL4J's {@code ConvolutionUtils.getOutputSize}).
 *
 * <p>The kernels read the input zero-padded, {@link #paddedHeight()} × {@link #paddedWidth()} per channel, large enough
 * for every tap of every output position, so their loops have no bounds checks: output {@code (oh, ow)} and tap
 * {@code (kh, kw)} of input channel {@code c} read padded row {@code oh · sH + kh · dH} and column
 * {@code ow · sW + kw · dW}. A connection of the connection matrix {@code [nIn · kH · kW, nOut]} has row
 * {@code (c · kH + kh) · kW + kw}.
 *
 * @param channels    input channels {@code nIn}
 * @param height      input height
 * @param width       input width
 * @param outChannels output channels {@code nOut}
 * @param kernelH     kernel height
 * @param kernelW     kernel width
 * @param strideH     vertical stride
 * @param strideW     horizontal stride
 * @param dilationH   vertical dilation (1: none)
 * @param dilationW   horizontal dilation (1: none)
 * @param padTop      zero rows above the input
 * @param padLeft     zero columns left of the input
 * @param outH        output height
 * @param outW        output width
 */
public record ConvGeometry(int channels, int height, int width, int outChannels, int kernelH, int kernelW,
                           int strideH, int strideW, int dilationH, int dilationW, int padTop, int padLeft,
                           int outH, int outW) {

    /** @throws IllegalArgumentException naming the first size that is not positive (paddings: negative) */
    public ConvGeometry {
        int[] positive = {channels, height, width, outChannels, kernelH, kernelW, strideH, strideW, dilationH,
                dilationW, outH, outW};
        String[] names = {"channels", "height", "width", "outChannels", "kernelH", "kernelW", "strideH", "strideW",
                "dilationH", "dilationW", "outH", "outW"};
        for (int k = 0; k < positive.length; k++) {
            if (positive[k] <= 0) {
                throw new IllegalArgumentException("convolution geometry: " + names[k] + " must be >= 1, got " + positive[k]);
            }
        }
        if (padTop < 0 || padLeft < 0) {
            throw new IllegalArgumentException("convolution geometry: padding must be >= 0, got top " + padTop
                    + ", left " + padLeft);
        }
    }

    /** @return rows of the padded input: the input and its top padding, and every row a tap reads */
    public int paddedHeight() {
        return Math.max(padTop + height, (outH - 1) * strideH + (kernelH - 1) * dilationH + 1);
    }

    /** @return columns of the padded input: the input and its left padding, and every column a tap reads */
    public int paddedWidth() {
        return Math.max(padLeft + width, (outW - 1) * strideW + (kernelW - 1) * dilationW + 1);
    }

    /** @return values per example of the padded input, {@code channels · paddedHeight · paddedWidth} */
    public int paddedInputSize() {
        return channels * paddedHeight() * paddedWidth();
    }

    /** @return values per example of the input, {@code channels · height · width} */
    public int inputSize() {
        return channels * height * width;
    }

    /** @return output positions per channel, {@code outH · outW} */
    public int outputPositions() {
        return outH * outW;
    }

    /** @return values per example of the output, {@code outChannels · outH · outW} */
    public int outputSize() {
        return outChannels * outH * outW;
    }

    /** @return rows of the connection matrix, {@code channels · kernelH · kernelW} */
    public int connectionRows() {
        return channels * kernelH * kernelW;
    }
}
