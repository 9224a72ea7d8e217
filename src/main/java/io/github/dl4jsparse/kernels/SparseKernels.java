package io.github.dl4jsparse.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The three products of a sparse linear layer's training step on its active connections only ({@code a · batch}
 * multiply-adds each), for a {@link SparsePattern} whose values live in a buffer (an ND4J parameter's, read in place):
 * <ul>
 *   <li>{@link #forward}: {@code z = x · W};</li>
 *   <li>{@link #backwardInput}: {@code dL/dx = δ · Wᵀ};</li>
 *   <li>{@link #weightGradient}: {@code dL/dW} at the active connections, {@code Σ_b x[b, i_k] · δ[b, j_k]}.</li>
 * </ul>
 * Activations are given and returned transposed, minibatch innermost: {@code xT[i · batch + b] = x[b, i]} (the memory
 * layout of an {@code 'f'}-ordered {@code [batch, nIn]} array).
 *
 * <p>Float products run on the Vector API ({@code jdk.incubator.vector}) when that module is present at run time
 * (JVM option {@code --add-modules jdk.incubator.vector}), in plain Java otherwise; both give correct results, the
 * first faster. Double products run in plain Java. Every product runs on {@link #threads()} threads over disjoint
 * blocks of outputs, with results bit-identical for any thread count.
 *
 * <pre>{@code
 * SparsePattern p = SparsePattern.of(nIn, nOut, positions);
 * float[] zT = new float[nOut * batch];
 * SparseKernels.forward(p, values, xT, batch, zT);
 * }</pre>
 */
public final class SparseKernels {

    private static final Logger log = LoggerFactory.getLogger(SparseKernels.class);
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final FloatKernel FLOAT_KERNEL = loadFloatKernel();
    private static final AtomicBoolean KERNEL_USE_NOTED = new AtomicBoolean();

    private SparseKernels() {
    }

    private static FloatKernel loadFloatKernel() {
        return vectorOrPlain("VectorFloatKernel", PlainFloatKernel::new);
    }

    /**
     * The Vector API implementation {@code className} of this package if module {@code jdk.incubator.vector} is in the
     * boot layer and loads, else {@code plain}'s.
     */
    static <T> T vectorOrPlain(String className, Supplier<T> plain) {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent()) {
            try {
                @SuppressWarnings("unchecked")
                T k = (T) Class.forName(SparseKernels.class.getPackageName() + "." + className)
                        .getDeclaredConstructor().newInstance();
                return k;
            } catch (ReflectiveOperationException | LinkageError e) {
                log.warn("dl4j-sparse: the Vector API could not be loaded ({}); sparse products run in plain Java", e.toString());
            }
        }
        return plain.get();
    }

    /**
     * Says once per JVM, at the first product a sparse layer runs on the kernels, what they run on: {@link #kernelUseNote()}
     * at level INFO when the Vector API is absent, the implementation at DEBUG otherwise.
     */
    public static void noteKernelUse() {
        if (KERNEL_USE_NOTED.compareAndSet(false, true)) {
            String note = kernelUseNote();
            if (note != null) {
                log.info(note);
            } else {
                log.debug("dl4j-sparse: sparse float products on the {}", FLOAT_KERNEL.name());
            }
        }
    }

    /** Makes the next {@link #noteKernelUse()} say it again (for tests). */
    static void forgetKernelUse() {
        KERNEL_USE_NOTED.set(false);
    }

    /**
     * @return the line said when sparse layers run on the plain-Java kernels because module {@code jdk.incubator.vector}
     *         is not in the boot layer: the JVM option and the speed it gives; null when the Vector API is in use
     */
    public static String kernelUseNote() {
        return vectorised() ? null : "dl4j-sparse: sparse layers run their products in plain Java; the JVM option "
                + "--add-modules " + VECTOR_MODULE + " (at run time) makes them 2-4x faster (measured: a LeNet-5 "
                + "training step at sparsity 0.9 2.3x, a 784-1024-1024-10 one 2.0-2.2x; see docs/speed-and-memory.md)";
    }

    /** @return whether float products run on the Vector API (module {@code jdk.incubator.vector} present) */
    public static boolean vectorised() {
        return FLOAT_KERNEL instanceof VectorFloatKernel;
    }

    /** @return what the float products run on, e.g. {@code "Vector API, 256-bit"} or {@code "plain Java"} */
    public static String implementation() {
        return FLOAT_KERNEL.name();
    }

    /**
     * @return the number of threads a product runs on: the one set with {@link #setThreads}, else system property
     *         {@code dl4jsparse.kernel.threads}, else ND4J's ({@code OMP_NUM_THREADS})
     */
    public static int threads() {
        return KernelThreads.threads();
    }

    /**
     * Sets the number of threads every product runs on, for the whole JVM. Results do not depend on it.
     *
     * @throws IllegalArgumentException if {@code count <= 0}
     */
    public static void setThreads(int count) {
        KernelThreads.setThreads(count);
    }

    /** {@code zT = (x · W)ᵀ}: overwrites {@code zT[0, nOut · batch)}. */
    public static void forward(SparsePattern p, FloatBuffer values, float[] xT, int batch, float[] zT) {
        forward(FLOAT_KERNEL, p, values, xT, batch, zT);
    }

    static void forward(FloatKernel kernel, SparsePattern p, FloatBuffer values, float[] xT, int batch, float[] zT) {
        MinibatchTiles.product(p.colStart, p.columnCount, p.rowCount, xT, batch, zT, (in, width, out) ->
                KernelThreads.run(p.colStart, p.columnCount, (long) p.active * width,
                        (from, to) -> kernel.product(p.colStart, p.rows, null, values, in, width, out, from, to)));
    }

    /** {@code dxT = (δ · Wᵀ)ᵀ}: overwrites {@code dxT[0, nIn · batch)}. */
    public static void backwardInput(SparsePattern p, FloatBuffer values, float[] deltaT, int batch, float[] dxT) {
        backwardInput(FLOAT_KERNEL, p, values, deltaT, batch, dxT);
    }

    static void backwardInput(FloatKernel kernel, SparsePattern p, FloatBuffer values, float[] deltaT, int batch,
                              float[] dxT) {
        MinibatchTiles.product(p.rowStart, p.rowCount, p.columnCount, deltaT, batch, dxT, (in, width, out) ->
                KernelThreads.run(p.rowStart, p.rowCount, (long) p.active * width,
                        (from, to) -> kernel.product(p.rowStart, p.cols, p.rowSlot, values, in, width, out, from, to)));
    }

    /** {@code grad[k] = Σ_b x[b, i_k] · δ[b, j_k]} for every active connection {@code k}: overwrites {@code grad[0, a)}. */
    public static void weightGradient(SparsePattern p, float[] xT, float[] deltaT, int batch, FloatBuffer grad) {
        weightGradient(FLOAT_KERNEL, p, xT, deltaT, batch, grad);
    }

    static void weightGradient(FloatKernel kernel, SparsePattern p, float[] xT, float[] deltaT, int batch,
                               FloatBuffer grad) {
        // not tiled: each dot product reads two contiguous rows of the whole minibatch, which the caches stream well
        KernelThreads.run(p.colStart, p.columnCount, (long) p.active * batch,
                (from, to) -> kernel.activeDots(p.colStart, p.rows, xT, deltaT, batch, grad, from, to));
    }

    /** {@link #forward(SparsePattern, FloatBuffer, float[], int, float[])} in double precision. */
    public static void forward(SparsePattern p, DoubleBuffer values, double[] xT, int batch, double[] zT) {
        KernelThreads.run(p.colStart, p.columnCount, (long) p.active * batch,
                (from, to) -> DoubleKernel.product(p.colStart, p.rows, null, values, xT, batch, zT, from, to));
    }

    /** {@link #backwardInput(SparsePattern, FloatBuffer, float[], int, float[])} in double precision. */
    public static void backwardInput(SparsePattern p, DoubleBuffer values, double[] deltaT, int batch, double[] dxT) {
        KernelThreads.run(p.rowStart, p.rowCount, (long) p.active * batch,
                (from, to) -> DoubleKernel.product(p.rowStart, p.cols, p.rowSlot, values, deltaT, batch, dxT, from, to));
    }

    /** {@link #weightGradient(SparsePattern, float[], float[], int, FloatBuffer)} in double precision. */
    public static void weightGradient(SparsePattern p, double[] xT, double[] deltaT, int batch, DoubleBuffer grad) {
        KernelThreads.run(p.colStart, p.columnCount, (long) p.active * batch,
                (from, to) -> DoubleKernel.activeDots(p.colStart, p.rows, xT, deltaT, batch, grad, from, to));
    }
}
