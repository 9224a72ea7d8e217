package io.github.dl4jsparse.layers.runtime;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChannelMomentsTest {

    /** Against ND4J's own mean and population variance over the non-channel axes, for every layout it handles. */
    @ParameterizedTest
    @CsvSource({"FLOAT, NCHW, 4", "FLOAT, NHWC, 4", "FLOAT, NCHW, 2", "DOUBLE, NCHW, 4", "DOUBLE, NHWC, 4",
            "DOUBLE, NCHW, 2"})
    void matchesNd4jsMeanAndVariance(DataType type, CNN2DFormat format, int rank) {
        Nd4j.getRandom().setSeed(8);
        INDArray x = rank == 2 ? Nd4j.randn(type, 37, 5000) // wider than one piece: rows split across pieces
                : format == CNN2DFormat.NCHW ? Nd4j.randn(type, 3, 7, 9, 11) : Nd4j.randn(type, 3, 9, 11, 7);
        x.muli(2.5).addi(1.5);
        int[] axes = rank == 2 ? new int[]{0} : format == CNN2DFormat.NCHW ? new int[]{0, 2, 3} : new int[]{0, 1, 2};
        long channels = rank == 2 ? x.size(1) : format == CNN2DFormat.NCHW ? x.size(1) : x.size(3);
        assertTrue(ChannelMoments.supports(x, format));
        for (INDArray input : new INDArray[]{x, x.dup('f')}) { // packed 'c', and a layout it copies first
            INDArray mean = Nd4j.create(type, channels);
            INDArray variance = Nd4j.create(type, channels);
            ChannelMoments.compute(input, format, mean, variance);
            double tolerance = type == DataType.FLOAT ? 2e-6 : 1e-12;
            INDArray expectedMean = x.castTo(DataType.DOUBLE).mean(axes);
            INDArray expectedVar = x.castTo(DataType.DOUBLE).var(false, axes);
            for (int c = 0; c < channels; c++) {
                assertEquals(expectedMean.getDouble(c), mean.getDouble(c), tolerance * 4, "mean " + c);
                assertEquals(expectedVar.getDouble(c), variance.getDouble(c), tolerance * 10, "variance " + c);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"FLOAT", "DOUBLE"})
    void writesIntoAViewOfTheCaches(DataType type) {
        INDArray x = Nd4j.ones(type, 2, 3, 2, 2).muli(4.0);
        INDArray both = Nd4j.zeros(type, 2, 3);
        ChannelMoments.compute(x, CNN2DFormat.NCHW, both.get(NDArrayIndex.point(0), NDArrayIndex.all()),
                both.get(NDArrayIndex.point(1), NDArrayIndex.all()));
        assertEquals(4.0, both.getDouble(0, 2), 0.0);
        assertEquals(0.0, both.getDouble(1, 2), 0.0);
    }
}
