package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * An LSTM layer's forward pass and backpropagation through time on the active connections of its input weights
 * {@code W} ({@code nIn × 4H}) and recurrent weights {@code RW} ({@code H × 4H}), in the layer's precision (float, or
 * double for gradient checks; see {@link PassArithmetic}), for a whole sequence from a zero state or a stored one
 * ({@code rnnTimeStep}, truncated BPTT): the input product {@code x · W} for all time steps at once (one sparse product
 * over {@code T · batch} columns), the recurrent product {@code h₋₁ · RW} per step, the gates of a step in one fused
 * pass ({@link io.github.dl4jsparse.kernels.LstmCells}); backward, the transposed recurrent product per step, then {@code dL/dW}, {@code dL/dRW} at
 * the active positions and {@code dL/dx} each in one product over all steps. DL4J's gate order and bias layout.
 *
 * <p>Activations are held as the kernels want them, minibatch innermost: a step's cells at {@code [unit · batch + b]},
 * which is also the memory order of an {@code 'f'}-ordered {@code [batch, units, T]} array's step {@code t}, so the
 * layer's output is the steps' outputs one after another. The cell states, their activations and the outputs start
 * with a block for the state before the first step (zeros, or the stored state), so step {@code t} is at
 * {@code (t + 1) · n}. A training forward pass keeps what the backward pass reads.
 */
final class LstmKernelPass<A> {

    /**
     * Elements past the end of every array a product reads: the kernels then compute a minibatch's last partial vector
     * as a whole one (see {@link KernelScratch#SLACK}).
     */
    private static final int SLACK = KernelScratch.SLACK;

    private final PassArithmetic<A> math;
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
    private A xT;
    /** Per step {@code t}, at {@code t · 4n}: the gate activations {@code a, f, o, g}, each {@code n = H · batch}. */
    private A gates;
    /** Per step, at {@code (t + 1) · n}: the cell state, its activation and the output; at 0 the state before. */
    private A cells;
    private A cellActs;
    private A out;
    /** Per step, at {@code (t + 1) · n}: true where the mask removed the cell; null without a mask. */
    private boolean[] masked;
    /** Whether the kept pass started from a stored state rather than zeros. */
    private boolean fromState;
    /** The output and cell state after the last step of the latest forward pass, {@code [unit · batch + b]}. */
    private A lastOutput;
    private A lastCell;

    /** @param math the layer's precision: {@link PassArithmetic#FLOAT} or {@link PassArithmetic#DOUBLE} */
    LstmKernelPass(PassArithmetic<A> math, ActiveWeights inputWeights, ActiveWeights recurrentWeights, int hidden,
                   boolean sigmoidBlock) {
        this.math = math;
        this.inputWeights = inputWeights;
        this.recurrentWeights = recurrentWeights;
        this.hidden = hidden;
        this.sigmoidBlock = sigmoidBlock;
    }

    /** @return the data type this pass computes in: its layer's */
    DataType dataType() {
        return math.dataType();
    }

    /**
     * @param x       the input, {@code [batch, nIn, T]} (NCW), of the pass's data type
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

        A xf = math.allocate(nIn * columns);
        math.read(x, 'f', xf, nIn * columns);
        xT = math.allocate(nIn * columns + SLACK);
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < nIn; i++) {
                System.arraycopy(xf, t * batch * nIn + i * batch, xT, i * columns + t * batch, batch);
            }
        }
        A inputProduct = math.allocate(4 * hidden * columns);
        math.product(inputPattern, inputWeights, xT, columns, inputProduct);
        A b = math.allocate(4 * hidden);
        math.read(bias, 'c', b, 4 * hidden);

        masked = mask == null ? null : maskedCells(mask, n);
        gates = math.allocate(steps * 4 * n);
        cells = math.allocate((steps + 1) * n);
        cellActs = math.allocate((steps + 1) * n);
        out = math.allocate((steps + 1) * n);
        fromState = initial != null;
        if (fromState) {
            initial.read(math, hidden, batch, out, cells);
        }
        A previous = math.allocate(n + SLACK);
        A recurrent = math.allocate(4 * n);
        for (int t = 0; t < steps; t++) {
            int g = t * 4 * n;
            for (int u = 0; u < 4 * hidden; u++) {
                math.biased(inputProduct, u * columns + t * batch, b, u, gates, g + u * batch, batch);
            }
            int c = (t + 1) * n;
            if (t > 0 || fromState) {
                System.arraycopy(out, t * n, previous, 0, n);
                math.product(recurrentPattern, recurrentWeights, previous, batch, recurrent);
                math.addTo(gates, g, recurrent, 4 * n);
            }
            math.cellsForward(gates, g, cells, t == 0 && !fromState ? -1 : t * n, c, cellActs, out, n, sigmoidBlock);
            if (masked != null) {
                math.zeroMasked(cells, out, masked, c, n);
            }
        }
        lastOutput = math.copyOfRange(out, steps * n, (steps + 1) * n);
        lastCell = math.copyOfRange(cells, steps * n, (steps + 1) * n);
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, math.dataType(),
                new long[]{batch, hidden, steps}, 'f');
        math.write(result, out, n, steps * n);
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
     *         elements) are Java arrays, where DL4J's LSTM keeps its own off the heap
     */
    boolean fitsInHeap(long batch, long steps, long nIn) {
        long elements = (13L * hidden + 3L * nIn) * steps * batch;
        return elements * math.dataType().width() <= Runtime.getRuntime().maxMemory() / 4;
    }

    /** Per step {@code t}, at {@code (t + 1) · n}: true for every cell of a masked-out sequence. */
    private boolean[] maskedCells(INDArray mask, int n) {
        double[] m = DirectBuffers.readDoubles(DirectBuffers.contiguous(mask.castTo(DataType.DOUBLE), 'f'), batch * steps);
        boolean[] cellsMasked = new boolean[(steps + 1) * n];
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                if (m[t * batch + b] == 0.0) {
                    for (int j = 0; j < hidden; j++) {
                        cellsMasked[(t + 1) * n + j * batch + b] = true;
                    }
                }
            }
        }
        return cellsMasked;
    }

    /** @return the output and cell state after the last step of the latest forward pass, off any workspace */
    State lastState() {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return new State(math.matrix(lastOutput, batch, hidden), math.matrix(lastCell, batch, hidden));
        }
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
        A eps = math.allocate(steps * n);
        math.read(epsilon, 'f', eps, steps * n);

        A dz = math.allocate(4 * hidden * columns + SLACK);
        A dzStep = math.allocate(4 * n + SLACK);
        A dc = math.allocate(n);
        A dh = math.allocate(n);
        A dhRecurrent = math.allocate(n);
        for (int t = steps - 1; t >= firstStep; t--) {
            math.sum(eps, t * n, dhRecurrent, dh, n);
            math.cellsBackward(gates, t * 4 * n, cells, t == 0 && !fromState ? -1 : t * n, cellActs, (t + 1) * n, dh,
                    dc, dzStep, n, sigmoidBlock, masked);
            for (int u = 0; u < 4 * hidden; u++) {
                System.arraycopy(dzStep, u * batch, dz, u * columns + t * batch, batch);
            }
            if (t > firstStep) {
                math.transposedProduct(recurrentPattern, recurrentWeights, dzStep, batch, dhRecurrent);
            }
        }
        A previousT = math.allocate(hidden * columns + SLACK); // h₋₁ of every step: the state before, h₀, ..., h_{T-2}
        for (int t = fromState ? 0 : 1; t < steps; t++) {
            for (int j = 0; j < hidden; j++) {
                System.arraycopy(out, t * n + j * batch, previousT, j * columns + t * batch, batch);
            }
        }
        math.weightGradient(recurrentWeights, recurrentPattern, previousT, dz, columns);
        math.weightGradient(inputWeights, inputPattern, xT, dz, columns);
        if (capture != null) {
            capture.factors(math.matrix(xT, columns, nIn), math.matrix(previousT, columns, hidden),
                    math.matrix(dz, columns, 4 * hidden));
        }

        A db = math.allocate(4 * hidden);
        math.rowSums(dz, 4 * hidden, columns, db);
        INDArray dbPacked = DirectBuffers.contiguous(biasGradient, 'c');
        math.write(dbPacked, db, 0, 4 * hidden);
        if (dbPacked != biasGradient) {
            biasGradient.assign(dbPacked);
        }

        A dxT = math.allocate(nIn * columns);
        math.transposedProduct(inputPattern, inputWeights, dz, columns, dxT);
        A dx = math.allocate(nIn * columns);
        for (int t = 0; t < steps; t++) {
            for (int i = 0; i < nIn; i++) {
                System.arraycopy(dxT, i * columns + t * batch, dx, t * batch * nIn + i * batch, batch);
            }
        }
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, math.dataType(),
                new long[]{batch, nIn, steps}, 'f');
        math.write(result, dx, 0, nIn * columns);
        release();
        return result;
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

        /** @return null where DL4J stored no state (a zero state), else the state */
        static State ofStored(INDArray output, INDArray cell) {
            return output == null || cell == null ? null : new State(output, cell);
        }

        /** Copies the state into {@code output[0, n)} and {@code cell[0, n)} at {@code [unit · batch + b]}. */
        <A> void read(PassArithmetic<A> math, int hidden, int batch, A output, A cell) {
            for (INDArray a : new INDArray[]{this.output, this.cell}) {
                if (a.rank() != 2 || a.size(0) != batch || a.size(1) != hidden) {
                    throw new IllegalStateException("stored LSTM state of shape " + Arrays.toString(a.shape())
                            + " for a pass over " + batch + " sequences of a layer of " + hidden + " units: the "
                            + "minibatch size changed between calls; call rnnClearPreviousState() first");
                }
            }
            math.readColumnMajor(this.output, output);
            math.readColumnMajor(this.cell, cell);
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
