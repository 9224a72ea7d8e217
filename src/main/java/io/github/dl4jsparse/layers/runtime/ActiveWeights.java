package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.mask.BinaryMasks;
import io.github.dl4jsparse.mask.Positions;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.List;

import static io.github.dl4jsparse.layers.SparseLayerConfig.ACTIVE_INDEX_KEY;
import static io.github.dl4jsparse.layers.SparseLayerConfig.ACTIVE_WEIGHT_KEY;

/**
 * {@link io.github.dl4jsparse.layers.WeightStorage#ACTIVE}: only the {@code a} active connections are parameters,
 * their values {@code v} ({@value SparseLinear#ACTIVE_WEIGHT_KEY}, {@code [1, a]}) and their positions
 * ({@value SparseLinear#ACTIVE_INDEX_KEY}: column-major positions {@code p_k = i_k + j_k · rows}, strictly
 * increasing, as exact float integers; shape {@code [1, a]}, or {@code [2, a]} with the low 24 and the high bits
 * when {@code rows · columns > 2^24}), so the gradient, the updater's work and its state have {@code a} entries, not
 * {@code rows · columns}. {@code W ⊙ M} is the matrix with {@code v_k} at {@code (i_k, j_k)} and 0 elsewhere.
 *
 * <p>The products take one of two routes, chosen per pass by {@link ProductRoute} from the density
 * {@code a / (rows · columns)} and the minibatch size:
 * <ul>
 *   <li>{@link SparseKernels} on the active connections only ({@code a · batch} multiply-adds per product), reading
 *       the values in place from the parameter; nothing of size {@code rows · columns} is touched;</li>
 *   <li>otherwise: {@code v} is scattered into a zeroed dense working copy of {@code W ⊙ M} (kept from the forward to
 *       the backward pass), the products are ND4J matrix products, and {@code dL/dv_k} is gathered from
 *       {@code xᵀ · δ} at the active positions.</li>
 * </ul>
 * The positions' index structure ({@link SparsePattern}) is kept from pass to pass ({@link PatternCache}); the dense
 * working copies are {@link DenseWorkingCopy}'s; the positions parameter's encoding is {@link PositionIndex}'s.
 */
public final class ActiveWeights implements LayerWeights {

    private final LayerParams layer;
    /** Rows (e.g. {@code nIn}, or {@code nIn · kH · kW}) and columns (e.g. {@code nOut}) of the connection matrix. */
    private final int rows;
    private final int columns;

    /** The index structure of the positions, kept from pass to pass. */
    private final PatternCache patterns = new PatternCache();

    /** A dense working copy of {@code W ⊙ M} (inference on the dense route, and every pass of a convolution). */
    private final DenseWorkingCopy dense = new DenseWorkingCopy();
    /** {@link SparsePattern#positions()} of {@link #keptPositionsPattern}. */
    private long[] keptPositions;
    private SparsePattern keptPositionsPattern;

    /** The last training forward pass, whose work the backward pass on the same input reuses; or null. */
    private Pass pass;
    /** Working arrays of inference passes, reused. */
    private final KernelScratch inferenceKernelScratch = new KernelScratch();
    /** Working arrays of training passes, reused. */
    private final KernelScratch trainingKernelScratch = new KernelScratch();

    ActiveWeights(LayerParams layer, long rows, long columns) {
        this.layer = layer;
        this.rows = (int) rows;
        this.columns = (int) columns;
    }

    /** @return the number of rows of the connection matrix */
    int rows() {
        return rows;
    }

    /** What one training forward pass read and computed, reused by the backward pass that follows it. */
    private static final class Pass {
        INDArray input;
        boolean kernels;
        /** The connections the forward pass used; the backward pass uses the same. */
        SparsePattern pattern;
        /** Dense route: {@code W ⊙ M} in the activations workspace. */
        INDArray denseWeights;

        boolean validFor(INDArray x) {
            return input == x && (denseWeights == null || !denseWeights.isAttached()
                    || denseWeights.data().getParentWorkspace().isScopeActive());
        }
    }

    private INDArray values() {
        return layer.param().apply(layer.keys().activeWeight());
    }

    private INDArray index() {
        return layer.param().apply(layer.keys().activeIndex());
    }

    /** The kernels, whatever the route, for a layer too large for a dense working copy of its weights. */
    private boolean kernelRoute(int batch, boolean training) {
        return (long) rows * columns > WeightStorage.DENSE_MAX_CONNECTIONS
                || ProductRoute.useKernels(values().length() / ((double) rows * columns), batch, training);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Products

    @Override
    public INDArray multiply(INDArray x, boolean training, LayerWorkspaceMgr workspaceMgr) {
        int batch = (int) x.size(0);
        boolean kernels = kernelRoute(batch, training);
        SparsePattern p = pattern();
        Pass next = new Pass();
        next.kernels = kernels;
        next.pattern = p;
        INDArray z;
        if (kernels) {
            SparseKernels.noteKernelUse();
            KernelScratch s = training ? trainingKernelScratch : inferenceKernelScratch;
            z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), new long[]{batch, columns}, 'f');
            if (x.dataType() == DataType.FLOAT) {
                s.inT = s.floats(s.inT, batch * rows);
                s.outT = s.floats(s.outT, batch * columns);
                DirectBuffers.readColumnMajor(x, s.inT);
                SparseKernels.forward(p, valueFloats(), s.inT, batch, s.outT);
                DirectBuffers.write(z, s.outT, batch * columns);
            } else {
                s.inTd = s.doubles(s.inTd, batch * rows);
                s.outTd = s.doubles(s.outTd, batch * columns);
                DirectBuffers.readColumnMajor(x, s.inTd);
                SparseKernels.forward(p, valueDoubles(), s.inTd, batch, s.outTd);
                DirectBuffers.write(z, s.outTd, batch * columns);
            }
        } else {
            next.denseWeights = training
                    ? DenseWorkingCopy.scatter(p, values(), x.dataType(), workspaceMgr, ArrayType.ACTIVATIONS)
                    : dense.copyOf(p, positionsOf(p), values(), x.dataType());
            z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), batch, columns);
            x.mmuli(next.denseWeights, z);
        }
        if (training) {
            next.input = x;
            pass = next;
        }
        return z;
    }

    @Override
    public INDArray backprop(INDArray x, INDArray delta, Gradient gradient, LayerWorkspaceMgr workspaceMgr) {
        Pass p = pass != null && pass.validFor(x) ? pass : null;
        pass = null;
        if (p == null) {
            multiply(x, true, workspaceMgr);
            p = pass;
            pass = null;
        }
        int batch = (int) x.size(0);
        INDArray valueGrad = layer.gradient().apply(layer.keys().activeWeight());
        INDArray epsilon;
        if (p.kernels) {
            epsilon = kernelBackprop(p.pattern, delta, batch, valueGrad, workspaceMgr);
        } else {
            INDArray full = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, delta.dataType(), new long[]{rows, columns}, 'f');
            Nd4j.gemm(x, delta, full, true, false, 1.0, 0.0);
            DenseWorkingCopy.gather(p.pattern, full, valueGrad);
            INDArray epsilonT = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                    new long[]{rows, batch}, 'f');
            epsilon = p.denseWeights.mmuli(delta.transpose(), epsilonT).transpose();
        }
        gradient.gradientForVariable().put(layer.keys().activeWeight(), valueGrad);
        gradient.gradientForVariable().put(layer.keys().activeIndex(), layer.gradient().apply(layer.keys().activeIndex()));
        return epsilon;
    }

    /**
     * {@code dL/dv} into {@code valueGrad} and {@code dL/dx} (returned) on the kernels, with {@code x} transposed by
     * the forward pass in the training scratch.
     */
    private INDArray kernelBackprop(SparsePattern p, INDArray delta, int batch, INDArray valueGrad,
                                    LayerWorkspaceMgr workspaceMgr) {
        KernelScratch s = trainingKernelScratch;
        INDArray epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{batch, rows}, 'f');
        INDArray grad = DirectBuffers.contiguous(valueGrad, 'c');
        if (delta.dataType() == DataType.FLOAT) {
            s.outT = s.floats(s.outT, batch * rows);
            s.deltaT = s.floats(s.deltaT, batch * columns);
            float[] deltaT = s.deltaT;
            DirectBuffers.readColumnMajor(delta, deltaT);
            SparseKernels.weightGradient(p, s.inT, deltaT, batch, DirectBuffers.floats(grad));
            SparseKernels.backwardInput(p, valueFloats(), deltaT, batch, s.outT);
            DirectBuffers.write(epsilon, s.outT, batch * rows);
        } else {
            s.outTd = s.doubles(s.outTd, batch * rows);
            s.deltaTd = s.doubles(s.deltaTd, batch * columns);
            double[] deltaT = s.deltaTd;
            DirectBuffers.readColumnMajor(delta, deltaT);
            SparseKernels.weightGradient(p, s.inTd, deltaT, batch, DirectBuffers.doubles(grad));
            SparseKernels.backwardInput(p, valueDoubles(), deltaT, batch, s.outTd);
            DirectBuffers.write(epsilon, s.outTd, batch * rows);
        }
        if (grad != valueGrad) {
            valueGrad.assign(grad);
        }
        return epsilon;
    }

    /** @return the fraction of active connections, {@code a / (rows · cols)} */
    double density() {
        return values().length() / ((double) rows * columns);
    }

    /** @return the active values in slot order, in {@code reuse} if it is long enough, else in a new array */
    float[] valuesInto(float[] reuse) {
        int a = (int) values().length();
        float[] out = reuse.length >= a ? reuse : new float[a];
        valueFloats().get(0, out, 0, a);
        return out;
    }

    /** As {@link #valuesInto(float[])} in double precision. */
    double[] valuesInto(double[] reuse) {
        int a = (int) values().length();
        double[] out = reuse.length >= a ? reuse : new double[a];
        valueDoubles().get(0, out, 0, a);
        return out;
    }

    /** @return the gradient view of the active values, {@code [1, a]} */
    INDArray valueGradient() {
        return layer.gradient().apply(layer.keys().activeWeight());
    }

    /** Enters the gradient views of the active values and of the (never trained) positions in {@code gradient}. */
    void enterGradient(Gradient gradient) {
        gradient.gradientForVariable().put(layer.keys().activeWeight(), valueGradient());
        gradient.gradientForVariable().put(layer.keys().activeIndex(), layer.gradient().apply(layer.keys().activeIndex()));
    }

    /** @return the active values, read in place (a packed copy if the parameter is a view that is not) */
    FloatBuffer floatValues() {
        return valueFloats();
    }

    /** @return the active values of a double layer, read in place (a packed copy if the parameter is a view that is not) */
    DoubleBuffer doubleValues() {
        return valueDoubles();
    }

    private FloatBuffer valueFloats() {
        return DirectBuffers.floats(DirectBuffers.contiguous(values(), 'c'));
    }

    private DoubleBuffer valueDoubles() {
        return DirectBuffers.doubles(DirectBuffers.contiguous(values(), 'c'));
    }

    /**
     * The index structure of the current positions, rebuilt only when the positions parameter changed.
     *
     * @throws IllegalStateException naming the layer and the entry if the parameter holds positions out of range or
     *                               out of order
     */
    SparsePattern pattern() {
        return patterns.of(index(), layer.name().get(), layer.keys().activeIndex(), rows, columns);
    }

    /** The column-major positions of {@code p}'s active connections, in slot order: kept for the current pattern. */
    private long[] positionsOf(SparsePattern p) {
        if (keptPositionsPattern != p) {
            keptPositions = p.positions();
            keptPositionsPattern = p;
        }
        return keptPositions;
    }


    @Override
    public INDArray maskedMatrix(boolean training, LayerWorkspaceMgr workspaceMgr) {
        SparsePattern p = pattern();
        return dense.copyOf(p, positionsOf(p), values(), values().dataType());
    }

    @Override
    public INDArray denseGradientTarget() {
        return dense.gradientTarget(rows, columns, values().dataType());
    }

    @Override
    public void weightGradientFromDense(INDArray dense, Gradient gradient) {
        INDArray valueGrad = layer.gradient().apply(layer.keys().activeWeight());
        DenseWorkingCopy.gather(pattern(), DirectBuffers.contiguous(dense, 'f'), valueGrad);
        gradient.gradientForVariable().put(layer.keys().activeWeight(), valueGrad);
        gradient.gradientForVariable().put(layer.keys().activeIndex(), layer.gradient().apply(layer.keys().activeIndex()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Dense views and changes of the active set

    @Override
    public double[] flatWeights() {
        long[] positions = pattern().positions();
        double[] v = activeValues();
        double[] all = new double[denseSize()];
        for (int k = 0; k < positions.length; k++) {
            all[(int) positions[k]] = v[k];
        }
        return all;
    }

    /** @throws IllegalStateException for a layer too large for a dense view, as for dense storage */
    private int denseSize() {
        long size = (long) rows * columns;
        if (size > WeightStorage.DENSE_MAX_CONNECTIONS) {
            throw new IllegalStateException("Layer '" + layer.name().get() + "' has " + size + " possible connections: "
                    + "too many for a dense view of its weights or mask; read its active positions and values instead");
        }
        return (int) size;
    }

    @Override
    public double[] flatMask() {
        double[] all = new double[denseSize()];
        for (long q : pattern().positions()) {
            all[(int) q] = 1.0;
        }
        return all;
    }

    /** Masked positions, exact zeros and leaks; leaks are 0 by construction: a masked weight is not stored. */
    @Override
    public BinaryMasks.Counts counts(String layerName) {
        pattern(); // refuses corrupt positions: a report never counts on them
        long size = (long) rows * columns;
        int active = (int) values().length();
        double[] v = DirectBuffers.readDoubles(DirectBuffers.contiguous(values(), 'c'), active);
        long zeroValues = 0;
        for (double value : v) {
            if (value == 0.0) {
                zeroValues++;
            }
        }
        return new BinaryMasks.Counts(size - active, size - active + zeroValues, 0);
    }

    /**
     * @throws IllegalArgumentException if the mask does not have exactly as many active connections as this layer
     *                                  stores, or is not binary
     */
    @Override
    public void set(INDArray weights, INDArray mask) {
        requireActiveCount(mask);
        double[] m = DirectBuffers.readDoubles(mask.castTo(DataType.DOUBLE).dup('c'), (int) mask.length());
        boolean[] masked = new boolean[m.length]; // row-major, as fromMasked takes it
        for (int q = 0; q < m.length; q++) {
            masked[q] = m[q] == 0.0;
        }
        PositionIndex.fromMasked(weights, masked, values(), index());
    }

    @Override
    public long[] activePositions() {
        return pattern().positions();
    }

    @Override
    public double[] activeValues() {
        return DirectBuffers.readDoubles(DirectBuffers.contiguous(values(), 'c'), (int) values().length());
    }

    @Override
    public void rewire(long[] next, List<INDArray> updaterStates) {
        Positions old = Positions.of("Layer '" + layer.name().get() + "': active connection", pattern().positions(),
                (long) rows * columns);
        Positions wanted = requireRewiring(layer.name().get(), next, old.count(), old.size());
        int[] from = old.survivorSlots(wanted); // old slot of each new slot, or -1 for a new connection
        writeRemapped(values(), from);
        for (INDArray state : updaterStates) {
            writeRemapped(state, from);
        }
        PositionIndex.write(index(), next);
    }

    @Override
    public void setActiveValues(long[] targets, double[] newValues) {
        long[] active = pattern().positions();
        int[] slots = slotsOf(layer.name().get(), active, targets, newValues, (long) rows * columns);
        INDArray packed = DirectBuffers.contiguous(values(), 'c');
        double[] v = DirectBuffers.readDoubles(packed, active.length);
        for (int t = 0; t < slots.length; t++) {
            v[slots[t]] = newValues[t];
        }
        PositionIndex.writeVector(values(), v);
    }

    /**
     * The slots of {@code targets} among {@code active} (both strictly increasing).
     *
     * @throws IllegalArgumentException naming the layer, for a target that is not active or lengths that differ
     */
    static int[] slotsOf(String layerName, long[] active, long[] targets, double[] values, long size) {
        if (values.length != targets.length) {
            throw new IllegalArgumentException("Layer '" + layerName + "': " + targets.length + " positions but "
                    + values.length + " values");
        }
        String what = "Layer '" + layerName + "'";
        return Positions.of(what + ": active connection", active, size)
                .slotsOf(what, Positions.of(what + ": position", targets, size));
    }

    /**
     * @return {@code positions} as {@link Positions}, when they are {@code active} strictly increasing positions in
     *         {@code [0, size)} (any number when {@code active} is negative)
     * @throws IllegalArgumentException naming the layer and what is wrong
     */
    static Positions requireRewiring(String layerName, long[] positions, int active, long size) {
        if (active >= 0 && positions.length != active) {
            throw new IllegalArgumentException("Layer '" + layerName + "': the new connections number "
                    + positions.length + ", but the layer has exactly " + active + " (the count follows from the "
                    + "configured sparsity)");
        }
        return Positions.of("Layer '" + layerName + "': new connection", positions, size);
    }

    private static void writeRemapped(INDArray target, int[] from) {
        INDArray packed = DirectBuffers.contiguous(target, 'c');
        double[] old = DirectBuffers.readDoubles(packed, from.length);
        double[] remapped = new double[from.length];
        for (int t = 0; t < from.length; t++) {
            remapped[t] = from[t] >= 0 ? old[from[t]] : 0.0;
        }
        PositionIndex.writeVector(target, remapped);
    }

    @Override
    public boolean usesSparseKernels(int batchSize, boolean training) {
        return kernelRoute(batchSize, training);
    }

    @Override
    public String trainableKey() {
        return layer.keys().activeWeight();
    }

    private void requireActiveCount(INDArray mask) {
        long active = mask.length() - BinaryMasks.zeros(mask);
        if (active != values().length()) {
            throw new IllegalArgumentException(activeCountMessage(active));
        }
    }

    private String activeCountMessage(long active) {
        return "Layer '" + layer.name().get() + "': the new mask has " + active + " active connections, but "
                + "the layer stores exactly " + values().length() + " (storage ACTIVE; the count follows from the "
                + "configured sparsity)";
    }

    /** {@code false}: a fixed number of slots, each its own updater state. */
    @Override
    public boolean activeCountMayChange() {
        return false;
    }

    @Override
    public boolean updaterStatePerActiveConnection() {
        return true;
    }
}
