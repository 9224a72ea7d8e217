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
     * @param masked null, or at the cells' positions ({@code masked[c + e]}) true where the step was masked out (its
     *               stored cell state and output set to 0, as DL4J's LSTM does): there the block activation's
     *               derivative is taken at that stored 0, as DL4J takes it
     */
    public static void backward(float[] gates, int g, float[] cells, int cPrev, float[] cellActs, int c, float[] dh,
                                float[] dc, float[] dz, int n, boolean sigmoidBlock, boolean[] masked) {
        float atZero = sigmoidBlock ? 0.25f : 1f;
        for (int e = 0; e < n; e++) {
            float a = gates[g + e];
            float f = gates[g + n + e];
            float o = gates[g + 2 * n + e];
            float m = gates[g + 3 * n + e];
            float act = cellActs[c + e];
            float dhe = dh[e];
            dz[2 * n + e] = dhe * act * o * (1f - o);
            float dAct = masked != null && masked[c + e] ? atZero
                    : sigmoidBlock ? act * (1f - act) : 1f - act * act;
            float dCell = dhe * o * dAct + dc[e];
            float prev = cPrev < 0 ? 0f : cells[cPrev + e];
            dz[n + e] = dCell * prev * f * (1f - f);
            dz[3 * n + e] = dCell * a * m * (1f - m);
            dz[e] = dCell * m * (sigmoidBlock ? a * (1f - a) : 1f - a * a);
            dc[e] = dCell * f;
        }
    }

    /**
     * {@link #forward(float[], int, float[], int, int, float[], float[], int, boolean)} in double precision, in plain
     * Java: the precision of gradient checks, not of speed.
     */
    public static void forward(double[] gates, int g, double[] cells, int cPrev, int c, double[] cellActs,
                               double[] out, int n, boolean sigmoidBlock) {
        for (int e = 0; e < n; e++) {
            double a = sigmoidBlock ? sigmoid(gates[g + e]) : Math.tanh(gates[g + e]);
            double f = sigmoid(gates[g + n + e]);
            double o = sigmoid(gates[g + 2 * n + e]);
            double m = sigmoid(gates[g + 3 * n + e]);
            gates[g + e] = a;
            gates[g + n + e] = f;
            gates[g + 2 * n + e] = o;
            gates[g + 3 * n + e] = m;
            double cell = (cPrev < 0 ? 0.0 : f * cells[cPrev + e]) + m * a;
            double act = sigmoidBlock ? sigmoid(cell) : Math.tanh(cell);
            cells[c + e] = cell;
            cellActs[c + e] = act;
            out[c + e] = o * act;
        }
    }

    private static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    /** {@link #backward(float[], int, float[], int, float[], int, float[], float[], float[], int, boolean, boolean[])} in double precision. */
    public static void backward(double[] gates, int g, double[] cells, int cPrev, double[] cellActs, int c, double[] dh,
                                double[] dc, double[] dz, int n, boolean sigmoidBlock, boolean[] masked) {
        double atZero = sigmoidBlock ? 0.25 : 1.0;
        for (int e = 0; e < n; e++) {
            double a = gates[g + e];
            double f = gates[g + n + e];
            double o = gates[g + 2 * n + e];
            double m = gates[g + 3 * n + e];
            double act = cellActs[c + e];
            double dhe = dh[e];
            dz[2 * n + e] = dhe * act * o * (1.0 - o);
            double dAct = masked != null && masked[c + e] ? atZero
                    : sigmoidBlock ? act * (1.0 - act) : 1.0 - act * act;
            double dCell = dhe * o * dAct + dc[e];
            double prev = cPrev < 0 ? 0.0 : cells[cPrev + e];
            dz[n + e] = dCell * prev * f * (1.0 - f);
            dz[3 * n + e] = dCell * a * m * (1.0 - m);
            dz[e] = dCell * m * (sigmoidBlock ? a * (1.0 - a) : 1.0 - a * a);
            dc[e] = dCell * f;
        }
    }
}
