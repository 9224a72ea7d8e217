package io.github.dl4jsparse.data;

import io.github.dl4jsparse.models.SparseMlp;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A short real-data run: LeNet-300-100 at sparsity 0.9, 10 epochs on the shipped 2,000-image Fashion-MNIST subset. */
class RealDataTrainingTest {

    /** Stated target on the 500 test images of the subset; measured 0.736 when written (single-threaded ND4J). */
    private static final double MIN_TEST_ACCURACY = 0.70;

    @Test
    void sparseLeNetLearnsFashionMnistSubset() throws IOException {
        ShuffledDataSetIterator train = FashionMnist.iterator(FashionMnist.Split.TRAIN).directory(IdxFileTest.SUBSET)
                .batchSize(128).seed(1).build();
        ShuffledDataSetIterator test = FashionMnist.iterator(FashionMnist.Split.TEST).directory(IdxFileTest.SUBSET)
                .batchSize(500).shuffle(false).build();
        MultiLayerNetwork net = new MultiLayerNetwork(SparseMlp.of(new int[]{784, 300, 100, 10},
                new double[]{0.9, 0.9, 0.9}, 1, new Adam(1e-3)));
        net.init();
        net.fit(train, 10);
        Evaluation eval = net.evaluate(test);
        System.out.printf("Fashion-MNIST subset, LeNet-300-100 at sparsity 0.9, 10 epochs: test accuracy %.4f%n", eval.accuracy());
        assertTrue(eval.accuracy() >= MIN_TEST_ACCURACY, "test accuracy " + eval.accuracy());
        assertEquals(0.9, SparsityReport.of(net).maskSparsity(), 1e-4);
        assertEquals(0, SparsityReport.of(net).leaks());
    }
}
