package io.github.dl4jsparse.testutil;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/** Small seeded data sets and parameter helpers shared by the tests. */
public final class TestData {

    private TestData() {
    }

    /** {@code n} N(0,1) inputs of width {@code nIn} with one-hot labels over {@code classes}, all seeded. */
    public static DataSet classification(int n, int nIn, int classes, long seed, DataType dataType) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(dataType, n, nIn);
        INDArray y = Nd4j.zeros(dataType, n, classes);
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, random.nextInt(classes), 1.0);
        }
        return new DataSet(x, y);
    }

    /** Copies every parameter of {@code from} into the parameter of the same name of {@code to}, in place. */
    public static void copyParams(Layer from, Layer to) {
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            to.paramTable().get(e.getKey()).assign(e.getValue());
        }
    }

    /** The largest |a - b| over two arrays of equal shape. */
    public static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /** The largest |a - b| over the parameters of two models with identical parameter tables. */
    public static double maxParamDiff(Model a, Model b) {
        double max = 0;
        for (Map.Entry<String, INDArray> e : a.paramTable().entrySet()) {
            max = Math.max(max, maxAbsDiff(e.getValue(), b.paramTable().get(e.getKey())));
        }
        return max;
    }
}
