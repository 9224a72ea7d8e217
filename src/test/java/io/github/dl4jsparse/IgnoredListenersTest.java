package io.github.dl4jsparse;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.testutil.Nets;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IgnoredListenersTest {

    private static final DataSet DATA = TestData.classification(16, Nets.N_IN, Nets.CLASSES, 1, DataType.FLOAT);

    private static MultiLayerNetwork net() {
        return Nets.mlp(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-2)), true, 0.8);
    }

    /** As DL4J's Spark training in local mode: the driver's network has the listener, a copy trains on an executor. */
    @Test
    void aListenerLeftOnTheDriverIsNamedWhenACopyTrainsOnASparkExecutor() throws InterruptedException {
        MultiLayerNetwork driver = net();
        driver.setListeners(PruneRegrowListener.set().deltaT(25).plannedIterations(100).build());

        net().fit(DATA); // an ordinary thread: nothing to say
        assertNull(IgnoredListeners.warning());
        PruneRegrowListener takenOver = PruneRegrowListener.set().deltaT(25).plannedIterations(100).build().takenOverByTrainer();

        Thread executor = new Thread(() -> net().fit(DATA), IgnoredListeners.SPARK_TASK_THREAD + " for task 0.0 in stage 1.0");
        executor.start();
        executor.join();
        String warning = IgnoredListeners.warning();
        assertTrue(warning != null && warning.contains("a PruneRegrowListener of this JVM has never been called")
                && warning.contains("SparkPruneRegrow"), String.valueOf(warning));
        assertTrue(takenOver.schedule() != null);
    }
}
