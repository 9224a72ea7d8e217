package io.github.dl4jsparse.kernels;

/**
 * Runs a float product over a large minibatch in tiles of {@value #WIDTH} minibatch entries, each packed contiguously
 * ({@code [rows][WIDTH]}): the kernels read one input row per active connection, and in the unpacked layout
 * ({@code [rows][batch]}) the rows of a tile lie {@code 4 · batch} bytes apart, which for large minibatches spills
 * them out of the caches (and, at power-of-two sizes, onto the same cache sets). Packed, a tile of a 1024-row input
 * is 256 KB. Minibatches of at most {@value #WIDTH} entries run unpacked.
 *
 * <p>Each output entry is computed within one tile, in the kernel's order: results do not depend on the tiling, nor on
 * the thread count.
 */
final class MinibatchTiles {

    /** Minibatch entries per tile: four 512-bit vectors of floats. */
    static final int WIDTH = 64;

    private MinibatchTiles() {
    }

    /** A product over one tile: {@code in} is {@code [rows][width]}, {@code out} {@code [outputs][width]}. */
    @FunctionalInterface
    interface Product {
        void run(float[] in, int width, float[] out);
    }

    /**
     * {@code product} over {@code [inRows][batch]} input {@code in} into {@code [outputs][batch]} {@code out}, tile by
     * tile.
     */
    static void product(int[] start, int outputs, int inRows, float[] in, int batch, float[] out, Product product) {
        if (batch <= WIDTH) {
            product.run(in, batch, out);
            return;
        }
        float[] packedIn = new float[inRows * WIDTH + 64]; // slack: a kernel may read one vector past the last row
        float[] packedOut = new float[outputs * WIDTH];
        for (int b = 0; b < batch; b += WIDTH) {
            int width = Math.min(WIDTH, batch - b);
            pack(in, inRows, batch, b, width, packedIn);
            product.run(packedIn, width, packedOut);
            for (int o = 0; o < outputs; o++) {
                System.arraycopy(packedOut, o * width, out, o * batch + b, width);
            }
        }
    }

    /** {@code packed[r · width + c] = in[r · batch + b + c]} for every row {@code r} and {@code c < width}. */
    private static void pack(float[] in, int rows, int batch, int b, int width, float[] packed) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(in, r * batch + b, packed, r * width, width);
        }
    }
}
