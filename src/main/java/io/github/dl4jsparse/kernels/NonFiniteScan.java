package io.github.dl4jsparse.kernels;

import java.nio.ByteBuffer;

/**
 * Whether a run of floats or doubles in a native-order buffer holds a NaN or an infinity (exponent bits all ones): on
 * the Vector API when module {@code jdk.incubator.vector} is present, in plain Java otherwise (about 0.3 ns a value).
 * Checks that run at every training step read every parameter this way.
 */
public final class NonFiniteScan {

    /** One implementation: plain Java or the Vector API. */
    interface Impl {
        /** @return whether any of the {@code n} floats from float index {@code first} of {@code bytes} is not finite */
        boolean anyFloat(ByteBuffer bytes, int first, int n);

        /** As {@link #anyFloat} for doubles. */
        boolean anyDouble(ByteBuffer bytes, int first, int n);
    }

    static final int FLOAT_EXPONENT = 0x7f800000;
    static final long DOUBLE_EXPONENT = 0x7ff0000000000000L;
    private static final Impl IMPL = SparseKernels.vectorOrPlain("VectorNonFiniteScan", Plain::new);

    private NonFiniteScan() {
    }

    /**
     * @param bytes a buffer in native byte order (e.g. ND4J's {@code data().asNio().order(ByteOrder.nativeOrder())})
     * @param first index of the first float
     * @param n     number of floats
     * @return whether any of them is NaN or infinite
     */
    public static boolean anyFloat(ByteBuffer bytes, int first, int n) {
        return IMPL.anyFloat(bytes, first, n);
    }

    /** As {@link #anyFloat} for doubles. */
    public static boolean anyDouble(ByteBuffer bytes, int first, int n) {
        return IMPL.anyDouble(bytes, first, n);
    }

    /** @return how many of the {@code n} floats from float index {@code first} are not finite (a plain count) */
    public static long countFloat(ByteBuffer bytes, int first, int n) {
        long count = 0;
        for (int i = first; i < first + n; i++) {
            count += (bytes.getInt(4 * i) & FLOAT_EXPONENT) == FLOAT_EXPONENT ? 1 : 0;
        }
        return count;
    }

    /** As {@link #countFloat} for doubles. */
    public static long countDouble(ByteBuffer bytes, int first, int n) {
        long count = 0;
        for (int i = first; i < first + n; i++) {
            count += (bytes.getLong(8 * i) & DOUBLE_EXPONENT) == DOUBLE_EXPONENT ? 1 : 0;
        }
        return count;
    }

    /** Branch-free scalar scans. */
    static final class Plain implements Impl {
        @Override
        public boolean anyFloat(ByteBuffer bytes, int first, int n) {
            int bad = 0;
            for (int i = first; i < first + n; i++) {
                bad |= (bytes.getInt(4 * i) & FLOAT_EXPONENT) == FLOAT_EXPONENT ? 1 : 0;
            }
            return bad != 0;
        }

        @Override
        public boolean anyDouble(ByteBuffer bytes, int first, int n) {
            int bad = 0;
            for (int i = first; i < first + n; i++) {
                bad |= (bytes.getLong(8 * i) & DOUBLE_EXPONENT) == DOUBLE_EXPONENT ? 1 : 0;
            }
            return bad != 0;
        }
    }
}
