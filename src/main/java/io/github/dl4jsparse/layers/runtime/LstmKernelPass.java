package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.LstmCells;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * An LSTM layer's forward pass and backpropagation through time on the active connections of its input weights
 * {@code W} ({@code nIn × 4H}) and recurrent weights {@code RW} ({@code H × 4H}), float precision, for a whole
 * sequence from a zero state or a stored one ({@code rnnTimeStep}, truncated BPTT): the input product {@code x · W} for all time steps at once (one sparse product over
 * {@code T · batch} columns), the recurrent product {@code h₋₁ · RW} per step, the gates of a step in one fused pass
 * ({@link LstmCells}); backward, the transposed recurrent product per step, then {@code dL/dW}, {@code dL/dRW} at
 * the active positions and {@code dL/dx} each in one product over all steps. DL4J's gate order and bias layout.
 *
 * <p>Activations are held as the kernels want them, minibatch innermost: a step's cells at {@code [unit · batch + b]},
 * which is also the memory order of an {@code 'f'}-ordered {@code [batch, units, T]} array's step {@code t}, so the
 * layer's output is the steps' outputs one after another. The cell states, their activations and the outputs start
 * with a block for the state before the first step (zeros, or the stored state), so step {@code t} is at
 * {@code (t + 1) · n}. A training forward pass keeps what the backward pass reads.
 */
final class LstmKernelPass {

    /**
     * Floats past the end of every array a product reads: the kernels then compute a minibatch's last partial vector
     * as a whole one (see {@link KernelScratch#SLACK}).
     */
    private static final int SLACK = KernelScratch.SLACK;

    private final ActiveWeights inputWeights;
    private final ActiveWeights recurrentWeights;
    private final int hidden;
    private final boolean sigmoidBlock;

    /** The input the kept pass was computed from, or null when none is kept. */
    private INDArray keptInput;
    private int batch;
    private int steps;
    private int nIn;
    private SparsePattern inputPattern;
    private SparsePattern recurrentPattern;
    /** {@code x} transposed: {@code [i · T·batch + t · batch + b]}. */
    private float[] xT;
    /** Per step {@code t}, at {@code t · 4n}: the gate activations {@code a, f, o, g}, each {@code n = H · batch}. */
    private float[] gates;
    /** Per step, at {@code (t + 1) · n}: the cell state, its activation and the output; at 0 the state before. */
    private float[] cells;
    private float[] cellActs;
    private float[] out;
    /** Per step, at {@code (t + 1) · n}: 1 where the mask removed the cell, else 0; null without a mask. */
    private float[] masked;
    /** Whether the kept pass started from a stored state rather than zeros. */
    private boolean fromState;
    /** The output and cell state after the last step of the latest forward pass, {@code [unit · batch + b]}. */
    private float[] lastOutput;
    private float[] lastCell;

    LstmKernelPass(ActiveWeights inputWeights, ActiveWeights recurrentWeights, int hidden, boolean sigmoidBlock) {
        this.inputWeights = inputWeights;
        this.recurrentWeights = recurrentWeights;
        this.hidden = hidden;
        this.sigmoidBlock = sigmoidBlock;
    }

    /**
     * @param x       the input, {@code [batch, nIn, T]} (NCW), float
     * @param bias    the bias {@code [1, 4H]}
     * @param mask    null, or the per-step mask {@code [batch, T]}: where it is 0 the step's cell state and output are
     *                set to 0 after the step, as DL4J's LSTM does (the next step then starts from a zero state)
     * @param initial null (a zero state), or the output and cell state before the first step, {@code [batch, H]} each
     * @param keep    whether a backward pass follows (training): keep what it reads
     * @return the output {@code [batch, H, T]}, order 'f', in the activations workspace; {@link #lastState()} then
     *         gives the state after the last step
     */
    INDArray forward(INDArray x, INDArray bias, INDArray mask, State initial, boolean keep,
                     LayerWorkspaceMgr workspaceMgr) {
        keptInput = null;
        batch = (int) x.size(0);
        nIn = (int) x.size(1);
        steps = (int) x.size(2);
        int columns = steps * batch;
        int n = hidden * batch;
        inputPattern = inputWeights.pattern();
        recurrentPattern = recurrentWeights.pattern();
        SparseKernels.noteKernelUse();

        float[] xf = new float[nIn * columns];
        DirectBuffers.read(DirectBuffers.contiguous(x, 'f'), xf, xf.length);
        xT = new float[nIn * columns + SLACK];
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < nIn; i++) {
                System.arraycopy(xf, t * batch * nIn + i * batch, xT, i * columns + t * batch, batch);
            }
        }
        float[] inputProduct = new float[4 * hidden * columns];
        SparseKernels.forward(inputPattern, inputWeights.floatValues(), xT, columns, inputProduct);
        float[] b = new float[4 * hidden];
        DirectBuffers.read(DirectBuffers.contiguous(bias, 'c'), b, b.length);

        masked = mask == null ? null : maskedCells(mask, n);
        gates = new float[steps * 4 * n];
        cells = new float[(steps + 1) * n];
        cellActs = new float[(steps + 1) * n];
        out = new float[(steps + 1) * n];
        fromState = initial != null;
        if (fromState) {
            initial.read(hidden, batch, out, cells);
        }
        float[] previous = new float[n + SLACK];
        float[] recurrent = new float[4 * n];
        FloatBuffer rw = recurrentWeights.floatValues();
        for (int t = 0; t < steps; t++) {
            int g = t * 4 * n;
            for (int u = 0; u < 4 * hidden; u++) {
                int from = u * columns + t * batch;
                int to = g + u * batch;
                float bu = b[u];
                for (int e = 0; e < batch; e++) {
                    gates[to + e] = inputProduct[from + e] + bu;
                }
            }
            int c = (t + 1) * n;
            if (t > 0 || fromState) {
                System.arraycopy(out, t * n, previous, 0, n);
                SparseKernels.forward(recurrentPattern, rw, previous, batch, recurrent);
                for (int e = 0; e < 4 * n; e++) {
                    gates[g + e] += recurrent[e];
                }
            }
            LstmCells.forward(gates, g, cells, t == 0 && !fromState ? -1 : t * n, c, cellActs, out, n, sigmoidBlock);
            if (masked != null) {
                for (int e = 0; e < n; e++) {
                    if (masked[c + e] != 0f) {
                        cells[c + e] = 0f;
                        out[c + e] = 0f;
                    }
                }
            }
        }
        lastOutput = Arrays.copyOfRange(out, steps * n, (steps + 1) * n);
        lastCell = Arrays.copyOfRange(cells, steps * n, (steps + 1) * n);
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[]{batch, hidden, steps}, 'f');
        DirectBuffers.write(result, out, n, steps * n);
        if (keep) {
            keptInput = x;
        } else {
            release();
        }
        return result;
    }

    /**
     * @return whether a training pass over {@code batch} sequences of {@code steps} steps of {@code nIn} inputs fits in
     *         a quarter of the JVM's maximum heap: its working arrays (about {@code (13·H + 3·nIn) · steps · batch}
     *         floats) are Java arrays, where DL4J's LSTM keeps its own off the heap
     */
    boolean fitsInHeap(long batch, long steps, long nIn) {
        long floats = (13L * hidden + 3L * nIn) * steps * batch;
        return 4 * floats <= Runtime.getRuntime().maxMemory() / 4;
    }

    /** Per step {@code t}, at {@code (t + 1) · n}: 1 for every cell of a masked-out sequence, else 0. */
    private float[] maskedCells(INDArray mask, int n) {
        float[] m = new float[batch * steps];
        DirectBuffers.read(DirectBuffers.contiguous(mask.castTo(DataType.FLOAT), 'f'), m, m.length);
        float[] cellsMasked = new float[(steps + 1) * n];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                if (m[t * batch + b] == 0f) {
                    for (int j = 0; j < hidden; j++) {
                        cellsMasked[(t + 1) * n + j * batch + b] = 1f;
                    }
                }
            }
        }
        return cellsMasked;
    }

    /** @return the output and cell state after the last step of the latest forward pass, off any workspace */
    State lastState() {
        return State.of(lastOutput, lastCell, batch, hidden);
    }

    /**
     * Backpropagation through time from the kept forward pass: writes {@code dL/dW} and {@code dL/dRW} at the active
     * positions into the matrices' gradient views and {@code dL/db} into {@code biasGradient}. As DL4J's LSTM, no
     * gradient flows into a stored state the pass started from.
     *
     * @param epsilon   {@code dL/dh}, {@code [batch, H, T]} (NCW)
     * @param firstStep the earliest step backpropagated through: 0, or {@code T −} the backward length of truncated
     *                  BPTT (earlier steps get no gradient, as in DL4J's LSTM)
     * @param capture   called with the dense weight gradients' factors when a matrix asked for them (RigL)
     * @return {@code dL/dx}, {@code [batch, nIn, T]}, order 'f', in the activation-gradient workspace
     */
    INDArray backward(INDArray epsilon, INDArray biasGradient, int firstStep, Capture capture,
                      LayerWorkspaceMgr workspaceMgr) {
        int columns = steps * batch;
        int n = hidden * batch;
        float[] eps = new float[steps * n];
        DirectBuffers.read(DirectBuffers.contiguous(epsilon.castTo(DataType.FLOAT), 'f'), eps, eps.length);

        float[] dz = new float[4 * hidden * columns + SLACK];
        float[] dzStep = new float[4 * n + SLACK];
        float[] dc = new float[n];
        float[] dh = new float[n];
        float[] dhRecurrent = new float[n];
        FloatBuffer rw = recurrentWeights.floatValues();
        for (int t = steps - 1; t >= firstStep; t--) {
            for (int e = 0; e < n; e++) {
                dh[e] = eps[t * n + e] + dhRecurrent[e];
            }
            LstmCells.backward(gates, t * 4 * n, cells, t == 0 && !fromState ? -1 : t * n, cellActs, (t + 1) * n, dh,
                    dc, dzStep, n, sigmoidBlock, masked);
            for (int u = 0; u < 4 * hidden; u++) {
                System.arraycopy(dzStep, u * batch, dz, u * columns + t * batch, batch);
            }
            if (t > firstStep) {
                SparseKernels.backwardInput(recurrentPattern, rw, dzStep, batch, dhRecurrent);
            }
        }
        float[] previousT = new float[hidden * columns + SLACK]; // h₋₁ of every step: the state before, h₀, ..., h_{T-2}
        for (int t = fromState ? 0 : 1; t < steps; t++) {
            for (int j = 0; j < hidden; j++) {
                System.arraycopy(out, t * n + j * batch, previousT, j * columns + t * batch, batch);
            }
        }
        writeWeightGradient(recurrentWeights, recurrentPattern, previousT, dz, columns);
        writeWeightGradient(inputWeights, inputPattern, xT, dz, columns);
        if (capture != null) {
            capture.factors(matrix(xT, columns, nIn), matrix(previousT, columns, hidden),
                    matrix(dz, columns, 4 * hidden));
        }

        float[] db = new float[4 * hidden];
        for (int u = 0; u < 4 * hidden; u++) {
            float s = 0f;
            for (int e = u * columns; e < (u + 1) * columns; e++) {
                s += dz[e];
            }
            db[u] = s;
        }
        INDArray dbPacked = DirectBuffers.contiguous(biasGradient, 'c');
        DirectBuffers.write(dbPacked, db, db.length);
        if (dbPacked != biasGradient) {
            biasGradient.assign(dbPacked);
        }

        float[] dxT = new float[nIn * columns];
        SparseKernels.backwardInput(inputPattern, inputWeights.floatValues(), dz, columns, dxT);
        float[] dx = new float[nIn * columns];
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < nIn; i++) {
                System.arraycopy(dxT, i * columns + t * batch, dx, t * batch * nIn + i * batch, batch);
            }
        }
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[]{batch, nIn, steps}, 'f');
        DirectBuffers.write(result, dx, dx.length);
        release();
        return result;
    }

    private static void writeWeightGradient(ActiveWeights weights, SparsePattern p, float[] xT, float[] dz,
                                            int columns) {
        INDArray view = weights.valueGradient();
        INDArray grad = DirectBuffers.contiguous(view, 'c');
        SparseKernels.weightGradient(p, xT, dz, columns, DirectBuffers.floats(grad));
        if (grad != view) {
            view.assign(grad);
        }
    }

    /** {@code [rows, cols]}, order 'f', from the first {@code rows · cols} values of a (slack-padded) array. */
    private static INDArray matrix(float[] values, int rows, int cols) {
        return Nd4j.create(Arrays.copyOf(values, rows * cols), new long[]{rows, cols}, 'f');
    }

    /** Forgets the kept pass. */
    void release() {
        keptInput = null;
        xT = null;
        gates = null;
        cells = null;
        cellActs = null;
        out = null;
        masked = null;
    }

    /**
     * The output {@code h} and cell state {@code c} of an LSTM layer between two passes, {@code [batch, H]} each, as
     * DL4J's LSTM stores them ({@code stateMap} for {@code rnnTimeStep}, {@code tBpttStateMap} for truncated BPTT).
     */
    record State(INDArray output, INDArray cell) {

        /** Copies off any workspace, {@code [batch, H]}, order 'f', of values at {@code [unit · batch + b]}. */
        static State of(float[] output, float[] cell, int batch, int hidden) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                return new State(Nd4j.create(output, new long[]{batch, hidden}, 'f'),
                        Nd4j.create(cell, new long[]{batch, hidden}, 'f'));
            }
        }

        /** @return null where DL4J stored no state (a zero state), else the state */
        static State ofStored(INDArray output, INDArray cell) {
            return output == null || cell == null ? null : new State(output, cell);
        }

        /** Copies the state into {@code output[0, n)} and {@code cell[0, n)} at {@code [unit · batch + b]}. */
        void read(int hidden, int batch, float[] output, float[] cell) {
            for (INDArray a : new INDArray[]{this.output, this.cell}) {
                if (a.rank() != 2 || a.size(0) != batch || a.size(1) != hidden) {
                    throw new IllegalStateException("stored LSTM state of shape " + Arrays.toString(a.shape())
                            + " for a pass over " + batch + " sequences of a layer of " + hidden + " units: the "
                            + "minibatch size changed between calls; call rnnClearPreviousState() first");
                }
            }
            DirectBuffers.readColumnMajor(this.output.castTo(DataType.FLOAT), output);
            DirectBuffers.readColumnMajor(this.cell.castTo(DataType.FLOAT), cell);
        }
    }

    /** Receives the factors of the dense weight gradients {@code xᵀ · δ} and {@code h₋₁ᵀ · δ} (RigL's signal). */
    interface Capture {
        /**
         * @param x        the input of every step, {@code [T·batch, nIn]}
         * @param previous the previous output of every step, {@code [T·batch, H]}
         * @param delta    the gate pre-activation gradients, {@code [T·batch, 4H]}
         */
        void factors(INDArray x, INDArray previous, INDArray delta);
    }
}
