package io.github.dl4jsparse.kernels;

/** {@link LstmCellKernel} in plain Java: the fallback without the Vector API. */
final class PlainLstmCell implements LstmCellKernel {

    @Override
    public void forward(float[] gates, int g, float[] cells, int cPrev, int c, float[] cellActs, float[] out, int n,
                        boolean sigmoidBlock) {
        for (int e = 0; e < n; e++) {
            float a = sigmoidBlock ? sigmoid(gates[g + e]) : tanh(gates[g + e]);
            float f = sigmoid(gates[g + n + e]);
            float o = sigmoid(gates[g + 2 * n + e]);
            float m = sigmoid(gates[g + 3 * n + e]);
            gates[g + e] = a;
            gates[g + n + e] = f;
            gates[g + 2 * n + e] = o;
            gates[g + 3 * n + e] = m;
            float cell = (cPrev < 0 ? 0f : f * cells[cPrev + e]) + m * a;
            float act = sigmoidBlock ? sigmoid(cell) : tanh(cell);
            cells[c + e] = cell;
            cellActs[c + e] = act;
            out[c + e] = o * act;
        }
    }

    static float sigmoid(float z) {
        return (float) (1.0 / (1.0 + Math.exp(-z)));
    }

    static float tanh(float z) {
        return (float) Math.tanh(z);
    }

    @Override
    public String name() {
        return "plain Java";
    }
}
