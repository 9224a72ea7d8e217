package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.kernels.NonFiniteScan;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * Counts the NaN and infinite values of an ND4J array by reading its native memory from Java
 * ({@link NonFiniteScan}: the exponent bits of every value, vectorised), where one ND4J reduction costs ~50 µs of
 * call overhead before its first element and ~0.6 ns a value (checks that run at every training step of small layers
 * cost a third of the step that way).
 */
public final class NonFiniteValues {

    private static final int FLOAT_EXPONENT = 0x7f800000;
    private static final long DOUBLE_EXPONENT = 0x7ff0000000000000L;

    private NonFiniteValues() {
    }

    /** @return the number of NaN and ±infinite values of {@code a}; 0 for null, empty or non-floating arrays */
    public static long count(INDArray a) {
        if (a == null || a.isEmpty() || !a.dataType().isFPType()) {
            return 0;
        }
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) {
            return Nd4j.getExecutioner().exec(new MatchCondition(a, Conditions.notFinite())).getLong(0);
        }
        INDArray packed = DirectBuffers.contiguous(a, a.ordering());
        try {
            int n = (int) packed.length();
            int offset = (int) packed.offset();
            ByteBuffer bytes = packed.data().asNio().order(ByteOrder.nativeOrder());
            if (packed.dataType() == DataType.FLOAT) {
                return NonFiniteScan.anyFloat(bytes, offset, n) ? countFloat(bytes.asIntBuffer(), offset, n) : 0;
            }
            return NonFiniteScan.anyDouble(bytes, offset, n) ? countDouble(bytes.asLongBuffer(), offset, n) : 0;
        } finally {
            Reference.reachabilityFence(packed);
        }
    }

    // the exact count, only once a scan has found something
    private static long countFloat(IntBuffer bits, int offset, int n) {
        long count = 0;
        for (int i = offset; i < offset + n; i++) {
            count += (bits.get(i) & FLOAT_EXPONENT) == FLOAT_EXPONENT ? 1 : 0;
        }
        return count;
    }

    private static long countDouble(LongBuffer bits, int offset, int n) {
        long count = 0;
        for (int i = offset; i < offset + n; i++) {
            count += (bits.get(i) & DOUBLE_EXPONENT) == DOUBLE_EXPONENT ? 1 : 0;
        }
        return count;
    }
}
