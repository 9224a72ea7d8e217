package io.github.dl4jsparse.kernels;

/**
 * The elementwise work of one LSTM time step, forward and backward, over {@code n = units · batch} cells laid out as
 * the sparse products give them ({@code [unit · batch + b]}), in DL4J's gate order: block input {@code a}, forget
 * gate {@code f}, output gate {@code o}, input modulation gate {@code g}:
 * {@code c = f ⊙ c₋₁ + g ⊙ a}, {@code h = o ⊙ σ_b(c)}, where the block activation {@code σ_b} (of {@code a} and of
 * the cell state) is tanh or the sigmoid and every gate is the sigmoid. The forward pass runs on the Vector API when
 * module {@code jdk.incubator.vector} is present, in plain Java otherwise; the backward pass has no transcendental
 * function and runs in plain Java, which the JIT vectorises.
 */
public final class LstmCells {

    private static final LstmCellKernel KERNEL = SparseKernels.vectorOrPlain("VectorLstmCell", PlainLstmCell::new);

    private LstmCells() {
    }

    /** @return what the forward pass runs on, e.g. {@code "Vector API, 512-bit"} or {@code "plain Java"} */
    public static String implementation() {
        return KERNEL.name();
    }

    /**
     * One time step forward: turns the gate pre-activations {@code gates[g, g + 4n)} into activations in place, and
     * writes the cell state {@code cells[c, c + n)}, its activation {@code cellActs[c, c + n)} and the step's output
     * {@code out[c, c + n)}, from the previous cell state {@code cells[cPrev, cPrev + n)} ({@code cPrev < 0}: zeros).
     *
     * @param sigmoidBlock the block activation is the sigmoid (true) or tanh (false)
     */
    public static void forward(float[] gates, int g, float[] cells, int cPrev, int c, float[] cellActs, float[] out,
                               int n, boolean sigmoidBlock) {
        KERNEL.forward(gates, g, cells, cPrev, c, cellActs, out, n, sigmoidBlock);
    }

    /**
     * One time step backward, from the activations {@link #forward} left: writes the gradient of the four gate
     * pre-activations into {@code dz[0, 4n)} and replaces the cell-state gradient {@code dc[0, n)} (in: from the next
     * step, 0 for the last; out: for the previous step).
     *
     * @param dh     the gradient of the step's output {@code h}: the layer's epsilon plus the recurrent contribution
     * @param masked null, or at the cells' positions ({@code masked[c + e]}) 1 where the step was masked out (its
     *               stored cell state and output set to 0, as DL4J's LSTM does): there the block activation's
     *               derivative is taken at that stored 0, as DL4J takes it
     */
    public static void backward(float[] gates, int g, float[] cells, int cPrev, float[] cellActs, int c, float[] dh,
                                float[] dc, float[] dz, int n, boolean sigmoidBlock, float[] masked) {
        float atZero = sigmoidBlock ? 0.25f : 1f;
        for (int e = 0; e < n; e++) {
            float a = gates[g + e];
            float f = gates[g + n + e];
            float o = gates[g + 2 * n + e];
            float m = gates[g + 3 * n + e];
            float act = cellActs[c + e];
            float dhe = dh[e];
            dz[2 * n + e] = dhe * act * o * (1f - o);
            float dAct = masked != null && masked[c + e] != 0f ? atZero
                    : sigmoidBlock ? act * (1f - act) : 1f - act * act;
            float dCell = dhe * o * dAct + dc[e];
            float prev = cPrev < 0 ? 0f : cells[cPrev + e];
            dz[n + e] = dCell * prev * f * (1f - f);
            dz[3 * n + e] = dCell * a * m * (1f - m);
            dz[e] = dCell * m * (sigmoidBlock ? a * (1f - a) : 1f - a * a);
            dc[e] = dCell * f;
        }
    }
}
