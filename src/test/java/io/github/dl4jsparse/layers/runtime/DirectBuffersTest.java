package io.github.dl4jsparse.layers.runtime;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class DirectBuffersTest {

    /** Every layout and type gives ND4J's own row-major reading, element for element. */
    @ParameterizedTest
    @CsvSource({"FLOAT, c", "FLOAT, f", "DOUBLE, c", "DOUBLE, f", "HALF, f"})
    void rowMajorDoublesReadsAnyLayoutInRowMajorOrder(DataType type, char order) {
        Nd4j.getRandom().setSeed(3);
        INDArray matrix = Nd4j.rand(DataType.DOUBLE, 70, 130).castTo(type).dup(order); // tiles of 64 and a remainder
        assertArrayEquals(expected(matrix), DirectBuffers.rowMajorDoubles(matrix), 0.0);

        INDArray flat = Nd4j.rand(DataType.DOUBLE, 1, 3 + 70 * 130 + 5).castTo(type);
        INDArray view = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 3 + 70 * 130))
                .reshape(order, 70, 130); // a parameter's view: an offset into a larger buffer
        assertArrayEquals(expected(view), DirectBuffers.rowMajorDoubles(view), 0.0);

        INDArray kernel = Nd4j.rand(DataType.DOUBLE, 4, 3, 5, 5).castTo(type).dup(order);
        assertArrayEquals(expected(kernel), DirectBuffers.rowMajorDoubles(kernel), 0.0);

        INDArray strided = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 130)); // not packed
        assertArrayEquals(expected(strided), DirectBuffers.rowMajorDoubles(strided), 0.0);
    }

    private static double[] expected(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }
}
