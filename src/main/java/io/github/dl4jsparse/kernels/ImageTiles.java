package io.github.dl4jsparse.kernels;

import java.util.Arrays;

/**
 * The memory layout of {@link SparseConvKernels}: images with the minibatch innermost, in tiles of {@value #TILE}
 * examples. Tile {@code t} holds examples {@code [t · TILE, t · TILE + width(t))} and starts at
 * {@code t · TILE · rows}; within it, row {@code r} of example {@code b} (a row is one (channel, y, x) value of an
 * example) is at {@code r · width(t) + (b − t · TILE)}. A tile's rows of a small image fit the caches, and a kernel
 * keeps one output row of a tile (up to {@value #TILE} examples) in vector registers.
 *
 * <p>{@link #pack} and {@link #unpack} convert between this layout and the minibatch-major arrays of DL4J
 * ({@code [batch, channels, height, width]} or, channels last, {@code [batch, height, width, channels]}), padding or
 * cropping on the way.
 */
public final class ImageTiles {

    /** Examples per tile: four 512-bit vectors of floats. */
    public static final int TILE = 64;

    /**
     * Values to allocate past the data of a tiled array (64: a 2048-bit vector of floats): with them the Vector API
     * kernels compute the last, partial vector of a run whole instead of value by value. Optional; results are the same
     * within float rounding either way.
     */
    public static final int SLACK = 64;

    private ImageTiles() {
    }

    /** @return the number of tiles of a minibatch of {@code batch} */
    public static int tiles(int batch) {
        return (batch + TILE - 1) / TILE;
    }

    /** @return the examples in tile {@code t} of a minibatch of {@code batch} */
    public static int width(int batch, int t) {
        return Math.min(TILE, batch - t * TILE);
    }

    /** @return where tile {@code t} of an array of {@code rows} rows per example starts */
    public static int base(int rows, int t) {
        return t * TILE * rows;
    }

    /**
     * The shape of one side of a conversion: an image of {@code channels × height × width} held in the tiled layout
     * inside a frame of {@code frameH × frameW} per channel, at offset {@code (top, left)}; the rest of the frame is 0.
     */
    public record Frame(int channels, int height, int width, int top, int left, int frameH, int frameW) {

        /** The padded input of a convolution. */
        public static Frame input(ConvGeometry g) {
            return new Frame(g.channels(), g.height(), g.width(), g.padTop(), g.padLeft(), g.paddedHeight(), g.paddedWidth());
        }

        /** The output of a convolution (no padding). */
        public static Frame output(ConvGeometry g) {
            return new Frame(g.outChannels(), g.outH(), g.outW(), 0, 0, g.outH(), g.outW());
        }

        int rows() {
            return channels * frameH * frameW;
        }

        int size() {
            return channels * height * width;
        }

        boolean padded() {
            return frameH != height || frameW != width;
        }

        /** Distance between two examples in the minibatch-major array. */
        int exampleStride() {
            return channels * height * width;
        }

        /** Index of {@code (0, c, y, 0)} in the minibatch-major array. */
        int rowOffset(int c, int y, boolean channelsLast) {
            return channelsLast ? y * width * channels + c : (c * height + y) * width;
        }
    }

    /**
     * {@code dst} (tiled, {@code batch · frame rows} values) from minibatch-major {@code src}; the frame around the
     * image is zeroed.
     */
    public static void pack(float[] src, Frame f, int batch, boolean channelsLast, float[] dst) {
        int rows = f.rows();
        int stride = f.exampleStride();
        int xStep = channelsLast ? f.channels : 1;
        for (int t = 0; t < tiles(batch); t++) {
            int w = width(batch, t);
            int base = base(rows, t);
            if (f.padded()) {
                Arrays.fill(dst, base, base + rows * w, 0f);
            }
            for (int c = 0; c < f.channels; c++) {
                for (int y = 0; y < f.height; y++) {
                    int s = t * TILE * stride + f.rowOffset(c, y, channelsLast);
                    int d = base + ((c * f.frameH + y + f.top) * f.frameW + f.left) * w;
                    for (int x = 0; x < f.width; x++, s += xStep, d += w) {
                        for (int lane = 0; lane < w; lane++) {
                            dst[d + lane] = src[s + lane * stride];
                        }
                    }
                }
            }
        }
    }

    /** {@link #pack(float[], Frame, int, boolean, float[])} in double precision. */
    public static void pack(double[] src, Frame f, int batch, boolean channelsLast, double[] dst) {
        int rows = f.rows();
        int stride = f.exampleStride();
        int xStep = channelsLast ? f.channels : 1;
        for (int t = 0; t < tiles(batch); t++) {
            int w = width(batch, t);
            int base = base(rows, t);
            if (f.padded()) {
                Arrays.fill(dst, base, base + rows * w, 0.0);
            }
            for (int c = 0; c < f.channels; c++) {
                for (int y = 0; y < f.height; y++) {
                    int s = t * TILE * stride + f.rowOffset(c, y, channelsLast);
                    int d = base + ((c * f.frameH + y + f.top) * f.frameW + f.left) * w;
                    for (int x = 0; x < f.width; x++, s += xStep, d += w) {
                        for (int lane = 0; lane < w; lane++) {
                            dst[d + lane] = src[s + lane * stride];
                        }
                    }
                }
            }
        }
    }

    /**
     * Minibatch-major {@code dst} ({@code batch · channels · height · width} values) from the image inside the frame of
     * tiled {@code src}, plus {@code bias[c]} per channel if {@code bias} is not null.
     */
    public static void unpack(float[] src, Frame f, int batch, float[] bias, boolean channelsLast, float[] dst) {
        int rows = f.rows();
        int stride = f.exampleStride();
        int xStep = channelsLast ? f.channels : 1;
        for (int t = 0; t < tiles(batch); t++) {
            int w = width(batch, t);
            int base = base(rows, t);
            for (int c = 0; c < f.channels; c++) {
                float add = bias == null ? 0f : bias[c];
                for (int y = 0; y < f.height; y++) {
                    int s = base + ((c * f.frameH + y + f.top) * f.frameW + f.left) * w;
                    int d = t * TILE * stride + f.rowOffset(c, y, channelsLast);
                    for (int lane = 0; lane < w; lane++, d += stride) {
                        for (int x = 0; x < f.width; x++) {
                            dst[d + x * xStep] = src[s + x * w + lane] + add;
                        }
                    }
                }
            }
        }
    }

    /** {@link #unpack(float[], Frame, int, float[], boolean, float[])} in double precision. */
    public static void unpack(double[] src, Frame f, int batch, double[] bias, boolean channelsLast, double[] dst) {
        int rows = f.rows();
        int stride = f.exampleStride();
        int xStep = channelsLast ? f.channels : 1;
        for (int t = 0; t < tiles(batch); t++) {
            int w = width(batch, t);
            int base = base(rows, t);
            for (int c = 0; c < f.channels; c++) {
                double add = bias == null ? 0.0 : bias[c];
                for (int y = 0; y < f.height; y++) {
                    int s = base + ((c * f.frameH + y + f.top) * f.frameW + f.left) * w;
                    int d = t * TILE * stride + f.rowOffset(c, y, channelsLast);
                    for (int lane = 0; lane < w; lane++, d += stride) {
                        for (int x = 0; x < f.width; x++) {
                            dst[d + x * xStep] = src[s + x * w + lane] + add;
                        }
                    }
                }
            }
        }
    }
}
