package io.github.dl4jsparse.testutil;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Small random image datasets for convolution tests. */
public final class Images {

    private Images() {
    }

    /** {@code n} N(0,1) images of {@code channels × h × w} in {@code format}, one-hot labels over {@code classes}, seeded. */
    public static DataSet classification(int n, int channels, int h, int w, CNN2DFormat format, int classes, long seed,
                                         DataType dataType) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = format == CNN2DFormat.NCHW ? Nd4j.randn(dataType, n, channels, h, w) : Nd4j.randn(dataType, n, h, w, channels);
        INDArray y = Nd4j.zeros(dataType, n, classes);
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, random.nextInt(classes), 1.0);
        }
        return new DataSet(x, y);
    }
}
