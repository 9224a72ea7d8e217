package io.github.dl4jsparse.kernels;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link NonFiniteScan} on the Vector API: the largest {@code bits & exponent} over the run, one flat loop with one
 * vector accumulator, then the tail in scalar code. Loaded by name only when module {@code jdk.incubator.vector} is
 * present.
 */
final class VectorNonFiniteScan implements NonFiniteScan.Impl {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

    @Override
    public boolean anyFloat(ByteBuffer bytes, int first, int n) {
        ByteOrder order = bytes.order();
        IntVector max = IntVector.zero(INTS);
        int i = 0;
        for (int upper = INTS.loopBound(n); i < upper; i += INTS.length()) {
            max = max.max(IntVector.fromByteBuffer(INTS, bytes, 4 * (first + i), order)
                    .lanewise(VectorOperators.AND, NonFiniteScan.FLOAT_EXPONENT));
        }
        int bad = max.reduceLanes(VectorOperators.MAX) == NonFiniteScan.FLOAT_EXPONENT ? 1 : 0;
        for (; i < n; i++) {
            bad |= (bytes.getInt(4 * (first + i)) & NonFiniteScan.FLOAT_EXPONENT) == NonFiniteScan.FLOAT_EXPONENT ? 1 : 0;
        }
        return bad != 0;
    }

    @Override
    public boolean anyDouble(ByteBuffer bytes, int first, int n) {
        ByteOrder order = bytes.order();
        LongVector max = LongVector.zero(LONGS);
        int i = 0;
        for (int upper = LONGS.loopBound(n); i < upper; i += LONGS.length()) {
            max = max.max(LongVector.fromByteBuffer(LONGS, bytes, 8 * (first + i), order)
                    .lanewise(VectorOperators.AND, NonFiniteScan.DOUBLE_EXPONENT));
        }
        int bad = max.reduceLanes(VectorOperators.MAX) == NonFiniteScan.DOUBLE_EXPONENT ? 1 : 0;
        for (; i < n; i++) {
            bad |= (bytes.getLong(8 * (first + i)) & NonFiniteScan.DOUBLE_EXPONENT) == NonFiniteScan.DOUBLE_EXPONENT
                    ? 1 : 0;
        }
        return bad != 0;
    }
}
