package io.github.dl4jsparse.kernels;

/**
 * The elementwise forward work of one LSTM time step over {@code n = units · batch} cells, fused in one pass (see
 * {@link LstmCells#forward}).
 */
interface LstmCellKernel {

    /**
     * Turns the four gate blocks {@code gates[g + k·n, g + (k+1)·n)} (k = 0: block input, 1: forget, 2: output,
     * 3: input modulation) from pre-activations into activations, and writes the cell state
     * {@code cells[c, c + n)}, its activation {@code cellActs[c, c + n)} and the output {@code out[c, c + n)}; the
     * previous cell state is {@code cells[cPrev, cPrev + n)}, or 0 where {@code cPrev < 0}.
     *
     * @param sigmoidBlock whether the block input and cell activation is the sigmoid (else tanh); gates are sigmoid
     */
    void forward(float[] gates, int g, float[] cells, int cPrev, int c, float[] cellActs, float[] out, int n,
                 boolean sigmoidBlock);

    /** @return a short name for logs and benchmarks */
    String name();
}
