package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.CscMatrix;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.SparseLinear;
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

import static io.github.dl4jsparse.layers.SparseLinear.ACTIVE_INDEX_KEY;
import static io.github.dl4jsparse.layers.SparseLinear.ACTIVE_WEIGHT_KEY;

/**
 * {@link io.github.dl4jsparse.layers.WeightStorage#ACTIVE}: only the {@code a} active connections are parameters,
 * their values {@code v} ({@value SparseLinear#ACTIVE_WEIGHT_KEY}, {@code [1, a]}) and their positions
 * ({@value SparseLinear#ACTIVE_INDEX_KEY}: column-major positions {@code p_k = i_k + j_k · nIn}, strictly
 * increasing, as exact float integers; shape {@code [1, a]}, or {@code [2, a]} with the low 24 and the high bits
 * when {@code nIn · nOut > 2^24}), so the gradient, the updater's work and its state have {@code a} entries, not
 * {@code nIn · nOut}. {@code W ⊙ M} is the matrix with {@code v_k} at {@code (i_k, j_k)} and 0 elsewhere.
 *
 * <p>The products take one of two routes, chosen per pass by the density {@code a / (nIn · nOut)}:
 * <ul>
 *   <li>at or below {@value SparseLinear#SPARSE_PRODUCT_MAX_DENSITY} in a float network: {@link SparseKernels} on the
 *       active connections only ({@code a · batch} multiply-adds per product);</li>
 *   <li>otherwise: {@code v} is scattered into a zeroed dense working copy of {@code W ⊙ M} (kept from the forward to
 *       the backward pass), the products are ND4J matrix products, and {@code dL/dv_k} is gathered from
 *       {@code xᵀ · δ} at the active positions.</li>
 * </ul>
 * Positions are re-read from the parameter on every forward pass, so a parameter array set from outside (a restored
 * model, {@code net.setParams}) is always the one used.
 */
public final class ActiveWeights implements LayerWeights {

    /** Bits of a position per index row: float values hold integers exactly up to 2^24. */
    private static final int POSITION_BITS = 24;
    private static final int LOW_MASK = (1 << POSITION_BITS) - 1;
    /** Most connections a layer with active storage may have: positions are Java ints. */
    public static final long MAX_CONNECTIONS = Integer.MAX_VALUE;

    private final SparseLinearLayer layer;
    private final int nIn;
    private final int nOut;

    /** The connections read by the last forward pass, and the work kept for the backward pass on the same input. */
    private Pass pass;
    /** A pass no longer needed, whose arrays the next forward pass reuses. */
    private Pass recycled;

    ActiveWeights(SparseLinearLayer layer, long nIn, long nOut) {
        this.layer = layer;
        this.nIn = (int) nIn;
        this.nOut = (int) nOut;
    }

    /** What one forward pass read and computed, reused by the backward pass that follows it. */
    private static final class Pass {
        INDArray input;
        int active;
        int[] rows;
        int[] colStart;
        int[] positions;
        float[] floatValues;
        double[] doubleValues;
        /** Dense path: {@code W ⊙ M} in the activations workspace; null on the sparse path. */
        INDArray denseWeights;
        /** Sparse path: x transposed (minibatch innermost). */
        float[] inputT;

        boolean validFor(INDArray x) {
            return input == x && (denseWeights == null || !denseWeights.isAttached()
                    || denseWeights.data().getParentWorkspace().isScopeActive());
        }
    }

    private INDArray values() {
        return layer.getParam(ACTIVE_WEIGHT_KEY);
    }

    private INDArray index() {
        return layer.getParam(ACTIVE_INDEX_KEY);
    }

    private boolean sparseProducts(DataType type) {
        return type == DataType.FLOAT
                && values().length() <= SparseLinear.SPARSE_PRODUCT_MAX_DENSITY * nIn * (double) nOut;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Products

    @Override
    public INDArray multiply(INDArray x, boolean training, LayerWorkspaceMgr workspaceMgr) {
        boolean kernels = sparseProducts(x.dataType());
        Pass p = read(x.dataType(), recycled, kernels);
        recycled = null;
        int batch = (int) x.size(0);
        INDArray z;
        if (kernels) {
            p.inputT = new float[batch * nIn];
            DirectBuffers.readColumnMajor(x, p.inputT);
            float[] zT = new float[batch * nOut];
            SparseKernels.forward(csc(p), p.inputT, batch, zT);
            z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, new long[]{batch, nOut}, 'f');
            DirectBuffers.write(z, zT, zT.length);
        } else {
            p.denseWeights = scatter(p, workspaceMgr, training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM);
            z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), batch, nOut);
            x.mmuli(p.denseWeights, z);
        }
        p.input = x;
        if (training) {
            pass = p;
        } else {
            p.input = null;
            p.denseWeights = null;
            recycled = p;
        }
        return z;
    }

    @Override
    public Backprop backprop(INDArray x, INDArray delta, Gradient gradient, boolean denseWeightGradient,
                             LayerWorkspaceMgr workspaceMgr) {
        Pass p = pass != null && pass.validFor(x) ? pass : null;
        pass = null;
        if (p == null) {
            multiply(x, true, workspaceMgr);
            p = pass;
            pass = null;
        }
        int batch = (int) x.size(0);
        INDArray valueGrad = layer.gradientView(ACTIVE_WEIGHT_KEY);
        INDArray dense = null;
        INDArray epsilon;
        if (p.denseWeights == null) {
            float[] deltaT = new float[batch * nOut];
            DirectBuffers.readColumnMajor(delta, deltaT);
            CscMatrix w = csc(p);
            float[] grad = new float[p.active];
            SparseKernels.weightGradient(w, p.inputT, deltaT, batch, grad);
            DirectBuffers.write(valueGrad, grad, grad.length);
            float[] dxT = new float[batch * nIn];
            SparseKernels.backwardInput(w, deltaT, batch, dxT);
            epsilon = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, new long[]{batch, nIn}, 'f');
            DirectBuffers.write(epsilon, dxT, dxT.length);
            if (denseWeightGradient) {
                try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    dense = Nd4j.gemm(x, delta, true, false).dup('f');
                }
            }
        } else {
            INDArray full = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, delta.dataType(), new long[]{nIn, nOut}, 'f');
            Nd4j.gemm(x, delta, full, true, false, 1.0, 0.0);
            gather(p, full, valueGrad);
            if (denseWeightGradient) {
                try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    dense = full.dup('f');
                }
            }
            INDArray epsilonT = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                    new long[]{nIn, batch}, 'f');
            epsilon = p.denseWeights.mmuli(delta.transpose(), epsilonT).transpose();
        }
        gradient.gradientForVariable().put(ACTIVE_WEIGHT_KEY, valueGrad);
        gradient.gradientForVariable().put(ACTIVE_INDEX_KEY, layer.gradientView(ACTIVE_INDEX_KEY));
        p.input = null;
        p.denseWeights = null;
        p.inputT = null;
        recycled = p;
        return new Backprop(epsilon, dense);
    }

    private CscMatrix csc(Pass p) {
        return CscMatrix.wrap(nIn, nOut, p.colStart, p.rows, p.floatValues);
    }

    /** Reads positions and values from the parameters into new arrays. */
    private Pass read(DataType type) {
        return read(type, null, false);
    }

    /**
     * Reads positions and values from the parameters, into the arrays of {@code reuse} (a pass that is no longer
     * needed) where they fit; with the compressed-column form ({@code rows}, {@code colStart}) if asked for.
     */
    private Pass read(DataType type, Pass reuse, boolean withColumns) {
        INDArray values = DirectBuffers.contiguous(values(), 'c');
        INDArray index = DirectBuffers.contiguous(index(), 'c');
        int active = (int) values.length();
        Pass p = new Pass();
        p.active = active;
        boolean fits = reuse != null && reuse.active == active;
        // exact integers below 2^24 per row: float holds them exactly whatever the network's type
        FloatBuffer idx = DirectBuffers.floats(index.dataType() == DataType.FLOAT ? index : index.castTo(DataType.FLOAT));
        int[] positions = fits ? reuse.positions : new int[active];
        // rounded (rint: exact up to 2^24, unlike x + 0.5f): robust to the tiny perturbations of a gradient check
        if (index.size(0) == 1) {
            for (int k = 0; k < active; k++) {
                positions[k] = (int) Math.rint(idx.get(k));
            }
        } else {
            for (int k = 0; k < active; k++) {
                positions[k] = (int) Math.rint(idx.get(k)) + ((int) Math.rint(idx.get(active + k)) << POSITION_BITS);
            }
        }
        int width = nIn;
        int[] rows = null;
        int[] colStart = null;
        if (withColumns) {
            // compressed sparse columns for the kernels: positions are sorted by column
            rows = fits && reuse.rows != null ? reuse.rows : new int[active];
            colStart = fits && reuse.colStart != null ? reuse.colStart : new int[nOut + 1];
            java.util.Arrays.fill(colStart, 0);
            for (int k = 0; k < active; k++) {
                rows[k] = positions[k] % width;
                colStart[positions[k] / width + 1]++;
            }
            for (int j = 0; j < nOut; j++) {
                colStart[j + 1] += colStart[j];
            }
        }
        p.rows = rows;
        p.positions = positions;
        p.colStart = colStart;
        if (type == DataType.FLOAT && values.dataType() == DataType.FLOAT) {
            p.floatValues = fits && reuse.floatValues != null ? reuse.floatValues : new float[active];
            DirectBuffers.read(values, p.floatValues, active);
        } else {
            p.doubleValues = DirectBuffers.readDoubles(values, active);
        }
        return p;
    }

    /** {@code W ⊙ M} as a zeroed dense 'f' array of the given workspace with the active values written in. */
    private INDArray scatter(Pass p, LayerWorkspaceMgr workspaceMgr, ArrayType arrayType) {
        // active storage exists in FLOAT and DOUBLE networks only (SparseLinear refuses others at init)
        DataType type = p.floatValues != null ? DataType.FLOAT : DataType.DOUBLE;
        INDArray dense = workspaceMgr.create(arrayType, type, new long[]{nIn, nOut}, 'f');
        if (p.floatValues != null) {
            FloatBuffer b = DirectBuffers.floats(dense);
            for (int k = 0; k < p.active; k++) {
                b.put(p.positions[k], p.floatValues[k]);
            }
        } else {
            DoubleBuffer b = DirectBuffers.doubles(dense);
            for (int k = 0; k < p.active; k++) {
                b.put(p.positions[k], p.doubleValues[k]);
            }
        }
        return dense;
    }

    /** {@code target[k] = full[i_k, j_k]} for contiguous 'f' {@code full}. */
    private static void gather(Pass p, INDArray full, INDArray target) {
        if (full.dataType() == DataType.FLOAT && target.dataType() == DataType.FLOAT) {
            FloatBuffer src = DirectBuffers.floats(full);
            float[] out = new float[p.active];
            for (int k = 0; k < p.active; k++) {
                out[k] = src.get(p.positions[k]);
            }
            DirectBuffers.write(target, out, p.active);
        } else {
            double[] all = DirectBuffers.readDoubles(full.castTo(DataType.DOUBLE), (int) full.length());
            double[] out = new double[p.active];
            for (int k = 0; k < p.active; k++) {
                out[k] = all[p.positions[k]];
            }
            DirectBuffers.writeDoubles(target, out, p.active);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Dense views and changes of the active set

    @Override
    public double[] flatWeights() {
        Pass p = read(DataType.DOUBLE);
        double[] all = new double[nIn * nOut];
        for (int k = 0; k < p.active; k++) {
            all[p.positions[k]] = p.doubleValues[k];
        }
        return all;
    }

    @Override
    public double[] flatMask() {
        Pass p = read(DataType.DOUBLE);
        double[] all = new double[nIn * nOut];
        for (int k = 0; k < p.active; k++) {
            all[p.positions[k]] = 1.0;
        }
        return all;
    }

    /** Masked positions, exact zeros and leaks; leaks are 0 by construction: a masked weight is not stored. */
    @Override
    public BinaryMasks.Counts counts(String layerName) {
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
    public void replaceMask(double[] newMask, List<INDArray> updaterStates) {
        Pass old = read(DataType.DOUBLE);
        int[] next = new int[old.active];
        int count = 0;
        for (int q = 0; q < newMask.length; q++) {
            if (newMask[q] != 0.0) {
                if (count == next.length) {
                    throw new IllegalArgumentException(activeCountMessage(count + 1));
                }
                next[count++] = q;
            }
        }
        if (count != old.active) {
            throw new IllegalArgumentException(activeCountMessage(count));
        }
        // both position lists are sorted: match the surviving connections in one merge pass
        int[] from = new int[count]; // old slot of each new slot, or -1 for a new connection
        for (int t = 0, s = 0; t < count; t++) {
            while (s < old.active && old.positions[s] < next[t]) {
                s++;
            }
            from[t] = s < old.active && old.positions[s] == next[t] ? s : -1;
        }
        writeRemapped(values(), from);
        for (INDArray state : updaterStates) {
            writeRemapped(state, from);
        }
        writeIndex(index(), next);
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
    public boolean usesSparseKernels() {
        return sparseProducts(DataType.FLOAT);
    }

    @Override
    public String trainableKey() {
        return ACTIVE_WEIGHT_KEY;
    }

    private void requireActiveCount(INDArray mask) {
        long active = mask.length() - BinaryMasks.zeros(mask);
        if (active != values().length()) {
            throw new IllegalArgumentException(activeCountMessage(active));
        }
    }

    private String activeCountMessage(long active) {
        return "SparseLinear layer '" + layer.layerName() + "': the new mask has " + active + " active connections, but "
                + "the layer stores exactly " + values().length() + " (storage ACTIVE; the count follows from the "
                + "configured sparsity)";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Conversions and validation, shared with the configuration

    /**
     * Fills {@code values} and {@code index} from dense {@code weights} ({@code [nIn, nOut]}, packed 'f') and the
     * flags of the masked positions in row-major order ({@code masked[i · nOut + j]}, as {@code RandomMasks.masked}
     * gives them), without a dense copy of either.
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
        int[] positions = new int[active];
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
    private static void writeIndex(INDArray index, int[] positions) {
        int active = positions.length;
        int indexRows = (int) index.size(0);
        double[] idx = new double[indexRows * active];
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
            previous = position;
        }
    }
}
