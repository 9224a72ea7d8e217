package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.kernels.SparsePattern;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
import io.github.dl4jsparse.mask.BinaryMasks;
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
 * ({@value SparseLinear#ACTIVE_INDEX_KEY}: column-major positions {@code p_k = i_k + j_k · nIn}, strictly
 * increasing, as exact float integers; shape {@code [1, a]}, or {@code [2, a]} with the low 24 and the high bits
 * when {@code nIn · nOut > 2^24}), so the gradient, the updater's work and its state have {@code a} entries, not
 * {@code nIn · nOut}. {@code W ⊙ M} is the matrix with {@code v_k} at {@code (i_k, j_k)} and 0 elsewhere.
 *
 * <p>The products take one of two routes, chosen per pass by {@link ProductRoute} from the density
 * {@code a / (nIn · nOut)} and the minibatch size:
 * <ul>
 *   <li>{@link SparseKernels} on the active connections only ({@code a · batch} multiply-adds per product), reading
 *       the values in place from the parameter; nothing of size {@code nIn · nOut} is touched;</li>
 *   <li>otherwise: {@code v} is scattered into a zeroed dense working copy of {@code W ⊙ M} (kept from the forward to
 *       the backward pass), the products are ND4J matrix products, and {@code dL/dv_k} is gathered from
 *       {@code xᵀ · δ} at the active positions.</li>
 * </ul>
 * The positions' index structure ({@link SparsePattern}) is kept from pass to pass and rebuilt only when the
 * positions parameter changes: every pass compares the parameter with the copy the structure was built from, so a
 * parameter array set from outside (a restored model, {@code net.setParams}) is always the one used.
 */
public final class ActiveWeights implements LayerWeights {

    /** Bits of a position per index row: float values hold integers exactly up to 2^24. */
    private static final int POSITION_BITS = 24;
    private static final int LOW_MASK = (1 << POSITION_BITS) - 1;
    /**
     * Most connections a layer with active storage may have: 2^48, what two 24-bit index rows hold (rows and columns
     * of the connection matrix are Java ints, and at most {@code Integer.MAX_VALUE - 8} connections are active).
     */
    public static final long MAX_CONNECTIONS = 1L << (2 * POSITION_BITS);

    private final LayerParams layer;
    /** Rows ({@code nIn}, or {@code nIn · kH · kW}) and columns ({@code nOut}) of the connection matrix. */
    private final int nIn;
    private final int nOut;

    /** The positions the cached pattern was built from, as the parameter holds them (float or double); or null. */
    private Object patternSource;
    private SparsePattern pattern;

    /**
     * A dense working copy of {@code W ⊙ M} (inference on the dense route, and every pass of a convolution), and the
     * pattern and values it was made from.
     */
    private INDArray denseCopy;
    private SparsePattern denseCopyPattern;
    private Object denseCopyValues;
    /** {@link #positions(SparsePattern)} of {@link #keptPositionsPattern}. */
    private long[] keptPositions;
    private SparsePattern keptPositionsPattern;
    /** The dense weight gradient a convolution's backward pass writes, before it is gathered; reused. */
    private INDArray denseGradient;

    /** The last training forward pass, whose work the backward pass on the same input reuses; or null. */
    private Pass pass;
    /** Working arrays of inference passes, reused. */
    private final Scratch inferenceScratch = new Scratch();
    /** Working arrays of training passes, reused. */
    private final Scratch trainingScratch = new Scratch();

    ActiveWeights(LayerParams layer, long rows, long columns) {
        this.layer = layer;
        this.nIn = (int) rows;
        this.nOut = (int) columns;
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

    /** Java arrays the kernels read and write, minibatch innermost; grown as needed, never shrunk. */
    private static final class Scratch {
        float[] inT = new float[0];
        float[] outT = new float[0];
        float[] deltaT = new float[0];
        double[] inTd = new double[0];
        double[] outTd = new double[0];
        double[] deltaTd = new double[0];

        float[] floats(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }

        double[] doubles(double[] a, int n) {
            return a.length >= n ? a : new double[n];
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
        return (long) nIn * nOut > WeightStorage.DENSE_MAX_CONNECTIONS
                || ProductRoute.useKernels(values().length() / ((double) nIn * nOut), batch, training);
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
            Scratch s = training ? trainingScratch : inferenceScratch;
            z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), new long[]{batch, nOut}, 'f');
            if (x.dataType() == DataType.FLOAT) {
                s.inT = s.floats(s.inT, batch * nIn);
                s.outT = s.floats(s.outT, batch * nOut);
                DirectBuffers.readColumnMajor(x, s.inT);
                SparseKernels.forward(p, valueFloats(), s.inT, batch, s.outT);
                DirectBuffers.write(z, s.outT, batch * nOut);
            } else {
                s.inTd = s.doubles(s.inTd, batch * nIn);
                s.outTd = s.doubles(s.outTd, batch * nOut);
                DirectBuffers.readColumnMajor(x, s.inTd);
                SparseKernels.forward(p, valueDoubles(), s.inTd, batch, s.outTd);
                DirectBuffers.write(z, s.outTd, batch * nOut);
            }
        } else {
            next.denseWeights = training ? scatter(p, x.dataType(), workspaceMgr, ArrayType.ACTIVATIONS)
                    : denseCopyOf(p, x.dataType());
            z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), batch, nOut);
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
            INDArray full = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, delta.dataType(), new long[]{nIn, nOut}, 'f');
            Nd4j.gemm(x, delta, full, true, false, 1.0, 0.0);
            gather(p.pattern, full, valueGrad);
            INDArray epsilonT = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                    new long[]{nIn, batch}, 'f');
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
        Scratch s = trainingScratch;
        INDArray epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{batch, nIn}, 'f');
        INDArray grad = DirectBuffers.contiguous(valueGrad, 'c');
        if (delta.dataType() == DataType.FLOAT) {
            s.outT = s.floats(s.outT, batch * nIn);
            s.deltaT = s.floats(s.deltaT, batch * nOut);
            float[] deltaT = s.deltaT;
            DirectBuffers.readColumnMajor(delta, deltaT);
            SparseKernels.weightGradient(p, s.inT, deltaT, batch, DirectBuffers.floats(grad));
            SparseKernels.backwardInput(p, valueFloats(), deltaT, batch, s.outT);
            DirectBuffers.write(epsilon, s.outT, batch * nIn);
        } else {
            s.outTd = s.doubles(s.outTd, batch * nIn);
            s.deltaTd = s.doubles(s.deltaTd, batch * nOut);
            double[] deltaT = s.deltaTd;
            DirectBuffers.readColumnMajor(delta, deltaT);
            SparseKernels.weightGradient(p, s.inTd, deltaT, batch, DirectBuffers.doubles(grad));
            SparseKernels.backwardInput(p, valueDoubles(), deltaT, batch, s.outTd);
            DirectBuffers.write(epsilon, s.outTd, batch * nIn);
        }
        if (grad != valueGrad) {
            valueGrad.assign(grad);
        }
        return epsilon;
    }

    /** @return the fraction of active connections, {@code a / (rows · cols)} */
    double density() {
        return values().length() / ((double) nIn * nOut);
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

    private FloatBuffer valueFloats() {
        return DirectBuffers.floats(DirectBuffers.contiguous(values(), 'c'));
    }

    private DoubleBuffer valueDoubles() {
        return DirectBuffers.doubles(DirectBuffers.contiguous(values(), 'c'));
    }

    /**
     * The index structure of the current positions: the cached one if the positions parameter still holds what it
     * was built from (one vectorised comparison), else rebuilt from the parameter.
     *
     * @throws IllegalStateException naming the layer and the entry if the parameter holds positions out of range or
     *                               out of order
     */
    SparsePattern pattern() {
        INDArray index = DirectBuffers.contiguous(index(), 'c');
        int n = (int) index.length();
        if (index.dataType() == DataType.FLOAT) {
            FloatBuffer b = DirectBuffers.floats(index);
            if (pattern != null && patternSource instanceof float[] f && f.length == n && b.mismatch(FloatBuffer.wrap(f)) < 0) {
                return pattern;
            }
            float[] copy = new float[n];
            b.get(0, copy);
            double[] wide = new double[n];
            for (int k = 0; k < n; k++) {
                wide[k] = copy[k];
            }
            pattern = build(wide, (int) index.size(0));
            patternSource = copy;
        } else {
            DoubleBuffer b = DirectBuffers.doubles(index);
            if (pattern != null && patternSource instanceof double[] d && d.length == n && b.mismatch(DoubleBuffer.wrap(d)) < 0) {
                return pattern;
            }
            double[] copy = new double[n];
            b.get(0, copy);
            pattern = build(copy, (int) index.size(0));
            patternSource = copy;
        }
        return pattern;
    }

    /**
     * @throws IllegalStateException naming the layer, the entry and its value if the positions are not integral, in
     *                               range and strictly increasing: a corrupt parameter (e.g. averaged across workers)
     *                               is refused, never rounded
     */
    private SparsePattern build(double[] idx, int indexRows) {
        return SparsePattern.of(nIn, nOut, validPositions(layer.name().get(), idx, indexRows, nIn, nOut));
    }

    /** The column-major positions of {@code p}'s active connections, in slot order: kept for the current pattern. */
    private long[] positionsOf(SparsePattern p) {
        if (keptPositionsPattern != p) {
            keptPositions = positions(p);
            keptPositionsPattern = p;
        }
        return keptPositions;
    }

    /** The column-major positions of {@code p}'s active connections, in slot order. */
    private static long[] positions(SparsePattern p) {
        long[] positions = new long[p.activeCount()];
        int[] colStart = p.colStart();
        int[] rows = p.rows();
        for (int j = 0; j < p.nOut(); j++) {
            long column = (long) j * p.nIn();
            for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                positions[k] = rows[k] + column;
            }
        }
        return positions;
    }

    /**
     * {@code W ⊙ M} as a dense working copy, for inference on the dense route and for every pass of a convolution: the
     * copy scattered last while positions and values are unchanged (one vectorised comparison of the values: a deployed
     * model scatters once; a training convolution once per step, its backward pass reusing the forward pass's), else
     * scattered anew outside the workspaces and kept. Fully connected layers get one only when dense enough for the
     * dense route, so it costs at most a few times their active storage.
     */
    private INDArray denseCopyOf(SparsePattern p, DataType type) {
        INDArray values = DirectBuffers.contiguous(values(), 'c');
        boolean samePositions = denseCopy != null && denseCopyPattern == p && denseCopy.dataType() == type;
        boolean valid = samePositions;
        if (valid && type == DataType.FLOAT) {
            valid = denseCopyValues instanceof float[] f && DirectBuffers.floats(values).mismatch(FloatBuffer.wrap(f)) < 0;
        } else if (valid) {
            valid = denseCopyValues instanceof double[] d && DirectBuffers.doubles(values).mismatch(DoubleBuffer.wrap(d)) < 0;
        }
        if (valid) {
            return denseCopy;
        }
        if (!samePositions) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                denseCopy = Nd4j.create(type, new long[]{nIn, nOut}, 'f');
            }
            denseCopyPattern = p;
        }
        // the same positions (a training step changed the values): overwrite them in place, the zeros stay
        long[] positions = positionsOf(p); // the dense route exists only below 2^31 connections
        if (type == DataType.FLOAT) {
            float[] copy = new float[(int) values.length()];
            DirectBuffers.floats(values).get(0, copy);
            FloatBuffer dense = DirectBuffers.floats(denseCopy);
            for (int k = 0; k < copy.length; k++) {
                dense.put((int) positions[k], copy[k]);
            }
            denseCopyValues = copy;
        } else {
            double[] copy = new double[(int) values.length()];
            DirectBuffers.doubles(values).get(0, copy);
            DoubleBuffer dense = DirectBuffers.doubles(denseCopy);
            for (int k = 0; k < copy.length; k++) {
                dense.put((int) positions[k], copy[k]);
            }
            denseCopyValues = copy;
        }
        return denseCopy;
    }

    /** {@code W ⊙ M} as a zeroed dense 'f' array of the given workspace with the active values written in. */
    private INDArray scatter(SparsePattern p, DataType type, LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        INDArray dense = workspaceMgr.create(arrayType, type, new long[]{nIn, nOut}, 'f');
        int[] colStart = p.colStart();
        int[] rows = p.rows();
        if (type == DataType.FLOAT) {
            FloatBuffer v = valueFloats();
            FloatBuffer b = DirectBuffers.floats(dense);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    b.put(rows[k] + j * nIn, v.get(k));
                }
            }
        } else {
            DoubleBuffer v = valueDoubles();
            DoubleBuffer b = DirectBuffers.doubles(dense);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    b.put(rows[k] + j * nIn, v.get(k));
                }
            }
        }
        return dense;
    }

    /** {@code target[k] = full[i_k, j_k]} for contiguous 'f' {@code full} of the target's data type. */
    private void gather(SparsePattern p, INDArray full, INDArray target) {
        INDArray t = DirectBuffers.contiguous(target, 'c');
        int[] colStart = p.colStart();
        int[] rows = p.rows();
        if (full.dataType() == DataType.FLOAT) {
            FloatBuffer src = DirectBuffers.floats(full);
            FloatBuffer dst = DirectBuffers.floats(t);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    dst.put(k, src.get(rows[k] + j * nIn));
                }
            }
        } else {
            DoubleBuffer src = DirectBuffers.doubles(full);
            DoubleBuffer dst = DirectBuffers.doubles(t);
            for (int j = 0; j < nOut; j++) {
                for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                    dst.put(k, src.get(rows[k] + j * nIn));
                }
            }
        }
        if (t != target) {
            target.assign(t);
        }
    }

    @Override
    public INDArray maskedMatrix(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return denseCopyOf(pattern(), values().dataType());
    }

    @Override
    public INDArray denseGradientTarget() {
        DataType type = values().dataType();
        if (denseGradient == null || denseGradient.dataType() != type) {
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                denseGradient = Nd4j.create(type, new long[]{nIn, nOut}, 'f');
            }
        }
        return denseGradient;
    }

    @Override
    public void weightGradientFromDense(INDArray dense, Gradient gradient) {
        INDArray valueGrad = layer.gradient().apply(layer.keys().activeWeight());
        gather(pattern(), DirectBuffers.contiguous(dense, 'f'), valueGrad);
        gradient.gradientForVariable().put(layer.keys().activeWeight(), valueGrad);
        gradient.gradientForVariable().put(layer.keys().activeIndex(), layer.gradient().apply(layer.keys().activeIndex()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Dense views and changes of the active set

    @Override
    public double[] flatWeights() {
        long[] positions = positions(pattern());
        double[] v = activeValues();
        double[] all = new double[denseSize()];
        for (int k = 0; k < positions.length; k++) {
            all[(int) positions[k]] = v[k];
        }
        return all;
    }

    /** @throws IllegalStateException for a layer too large for a dense view, as for dense storage */
    private int denseSize() {
        long size = (long) nIn * nOut;
        if (size > WeightStorage.DENSE_MAX_CONNECTIONS) {
            throw new IllegalStateException("Layer '" + layer.name().get() + "' has " + size + " possible connections: "
                    + "too many for a dense view of its weights or mask; read its active positions and values instead");
        }
        return (int) size;
    }

    @Override
    public double[] flatMask() {
        double[] all = new double[denseSize()];
        for (long q : positions(pattern())) {
            all[(int) q] = 1.0;
        }
        return all;
    }

    /** Masked positions, exact zeros and leaks; leaks are 0 by construction: a masked weight is not stored. */
    @Override
    public BinaryMasks.Counts counts(String layerName) {
        pattern(); // refuses corrupt positions: a report never counts on them
        long size = (long) nIn * nOut;
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
        fromMasked(weights, masked, values(), index());
    }

    @Override
    public long[] activePositions() {
        return positions(pattern());
    }

    @Override
    public double[] activeValues() {
        return DirectBuffers.readDoubles(DirectBuffers.contiguous(values(), 'c'), (int) values().length());
    }

    @Override
    public void rewire(long[] next, List<INDArray> updaterStates) {
        long[] oldPositions = positions(pattern());
        requireRewiring(layer.name().get(), next, oldPositions.length, (long) nIn * nOut);
        // both position lists are sorted: match the surviving connections in one merge pass
        int[] from = new int[next.length]; // old slot of each new slot, or -1 for a new connection
        for (int t = 0, s = 0; t < next.length; t++) {
            while (s < oldPositions.length && oldPositions[s] < next[t]) {
                s++;
            }
            from[t] = s < oldPositions.length && oldPositions[s] == next[t] ? s : -1;
        }
        writeRemapped(values(), from);
        for (INDArray state : updaterStates) {
            writeRemapped(state, from);
        }
        writeIndex(index(), next);
    }

    @Override
    public void setActiveValues(long[] targets, double[] newValues) {
        long[] active = positions(pattern());
        int[] slots = slotsOf(layer.name().get(), active, targets, newValues);
        INDArray packed = DirectBuffers.contiguous(values(), 'c');
        double[] v = DirectBuffers.readDoubles(packed, active.length);
        for (int t = 0; t < slots.length; t++) {
            v[slots[t]] = newValues[t];
        }
        writeVector(values(), v);
    }

    /**
     * The slots of {@code targets} among {@code active} (both strictly increasing).
     *
     * @throws IllegalArgumentException naming the layer, for a target that is not active or lengths that differ
     */
    static int[] slotsOf(String layerName, long[] active, long[] targets, double[] values) {
        if (values.length != targets.length) {
            throw new IllegalArgumentException("Layer '" + layerName + "': " + targets.length + " positions but "
                    + values.length + " values");
        }
        int[] slots = new int[targets.length];
        int s = 0;
        for (int t = 0; t < targets.length; t++) {
            while (s < active.length && active[s] < targets[t]) {
                s++;
            }
            if (s == active.length || active[s] != targets[t]) {
                throw new IllegalArgumentException("Layer '" + layerName + "': position " + targets[t]
                        + " is not active (or positions are not strictly increasing)");
            }
            slots[t] = s++;
        }
        return slots;
    }

    /**
     * Throws unless {@code positions} are {@code active} strictly increasing positions in {@code [0, size)}.
     *
     * @throws IllegalArgumentException naming the layer and what is wrong
     */
    static void requireRewiring(String layerName, long[] positions, int active, long size) {
        if (positions.length != active) {
            throw new IllegalArgumentException("Layer '" + layerName + "': the new connections number "
                    + positions.length + ", but the layer has exactly " + active + " (the count follows from the "
                    + "configured sparsity)");
        }
        for (int k = 0; k < positions.length; k++) {
            if (positions[k] < 0 || positions[k] >= size || (k > 0 && positions[k] <= positions[k - 1])) {
                throw new IllegalArgumentException("Layer '" + layerName + "': new connection " + k
                        + " is at position " + positions[k] + "; positions must be strictly increasing in [0, " + size + ")");
            }
        }
    }

    private static void writeRemapped(INDArray target, int[] from) {
        INDArray packed = DirectBuffers.contiguous(target, 'c');
        double[] old = DirectBuffers.readDoubles(packed, from.length);
        double[] remapped = new double[from.length];
        for (int t = 0; t < from.length; t++) {
            remapped[t] = from[t] >= 0 ? old[from[t]] : 0.0;
        }
        writeVector(target, remapped);
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

    // ---------------------------------------------------------------------------------------------------------------
    // Conversions and validation, shared with the configuration

    /**
     * Fills {@code values} and {@code index} from dense {@code weights} ({@code [nIn, nOut]}, packed 'f') and the
     * flags of the masked positions in row-major order ({@code masked[i · nOut + j]}), without a dense copy of either.
     *
     * @throws IllegalArgumentException if the number of unmasked positions is not {@code values.length()}
     */
    public static void fromMasked(INDArray weights, boolean[] masked, INDArray values, INDArray index) {
        int nIn = (int) weights.size(0);
        int nOut = (int) weights.size(1);
        int active = (int) values.length();
        INDArray w = DirectBuffers.contiguous(weights, 'f');
        boolean isDouble = w.dataType() == DataType.DOUBLE;
        FloatBuffer wf = isDouble ? null : DirectBuffers.floats(w.castTo(DataType.FLOAT));
        DoubleBuffer wd = isDouble ? DirectBuffers.doubles(w) : null;
        long[] positions = new long[active];
        double[] v = new double[active];
        int k = 0;
        for (int j = 0; j < nOut; j++) {
            for (int i = 0; i < nIn; i++) {
                if (!masked[i * nOut + j]) {
                    if (k == active) {
                        throw new IllegalArgumentException("mask has more than the " + active + " active connections stored");
                    }
                    int p = i + j * nIn;
                    positions[k] = p;
                    v[k++] = isDouble ? wd.get(p) : wf.get(p);
                }
            }
        }
        if (k != active) {
            throw new IllegalArgumentException("mask has " + k + " active connections, " + active + " are stored");
        }
        writeVector(values, v);
        writeIndex(index, positions);
    }

    /** Writes positions into {@code index}: row 0 the low 24 bits, row 1 (if there is one) the bits above. */
    public static void writeIndex(INDArray index, long[] positions) {
        int active = positions.length;
        int indexRows = (int) index.size(0);
        double[] idx = new double[Math.multiplyExact(indexRows, active)];
        for (int k = 0; k < active; k++) {
            idx[k] = positions[k] & LOW_MASK;
            if (indexRows == 2) {
                idx[active + k] = positions[k] >>> POSITION_BITS;
            }
        }
        index.assign(Nd4j.create(idx, new long[]{indexRows, active}, 'c').castTo(index.dataType()));
    }

    private static void writeVector(INDArray target, double[] v) {
        target.assign(Nd4j.create(v, target.shape(), 'c').castTo(target.dataType()));
    }

    /**
     * The number of rows of the index parameter for a layer of {@code nIn · nOut} connections: 1 while positions fit
     * in 24 bits (exact float integers), else 2.
     */
    public static int indexRows(long nIn, long nOut) {
        return nIn * nOut <= (1L << POSITION_BITS) ? 1 : 2;
    }

    /**
     * Throws unless {@code index} ({@code [indexRows(nIn, nOut), a]}) holds integral positions {@code i + j · nIn} in
     * {@code [0, nIn · nOut)}, strictly increasing.
     *
     * @throws IllegalStateException naming the layer, the parameter, the entry and its value
     */
    public static void requireValidIndex(String layerName, INDArray index, long nIn, long nOut) {
        int indexRows = indexRows(nIn, nOut);
        if (index.rank() != 2 || index.size(0) != indexRows) {
            throw new IllegalStateException("Layer '" + layerName + "': parameter '" + ACTIVE_INDEX_KEY + "' has shape "
                    + java.util.Arrays.toString(index.shape()) + ", expected [" + indexRows + ", active connections]");
        }
        int active = (int) index.size(1);
        double[] idx = DirectBuffers.readDoubles(DirectBuffers.contiguous(index, 'c'), indexRows * active);
        validPositions(layerName, idx, indexRows, nIn, nOut);
    }

    /**
     * The positions held by an index parameter's values ({@code indexRows} rows of {@code idx.length / indexRows}).
     *
     * @throws IllegalStateException naming the layer, the parameter, the entry and its value unless every position is
     *                               an integer in {@code [0, nIn · nOut)}, strictly increasing
     */
    private static long[] validPositions(String layerName, double[] idx, int indexRows, long nIn, long nOut) {
        int active = idx.length / indexRows;
        long[] positions = new long[active];
        long previous = -1;
        for (int k = 0; k < active; k++) {
            double low = idx[k];
            double high = indexRows == 2 ? idx[active + k] : 0.0;
            boolean integral = low == Math.rint(low) && high == Math.rint(high) && low >= 0 && high >= 0
                    && low <= LOW_MASK;
            long position = integral ? (long) low + ((long) high << POSITION_BITS) : -1;
            if (!integral || position >= nIn * nOut) {
                throw new IllegalStateException("Layer '" + layerName + "': parameter '" + ACTIVE_INDEX_KEY + "' entry "
                        + k + " is " + (indexRows == 2 ? "(" + low + ", " + high + ")" : Double.toString(low))
                        + ", not an integral position in [0, " + nIn * nOut + ")");
            }
            if (position <= previous) {
                throw new IllegalStateException("Layer '" + layerName + "': parameter '" + ACTIVE_INDEX_KEY + "' entry "
                        + k + " (input " + position % nIn + ", output " + position / nIn + ") is not after the previous "
                        + "one in column-major order; positions must be strictly increasing");
            }
            positions[k] = position;
            previous = position;
        }
        return positions;
    }
}
