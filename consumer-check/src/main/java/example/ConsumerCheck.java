package example;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Builds a small network with the library's layers, trains a few steps and prints its sparsity report. */
public final class ConsumerCheck {

    public static void main(String[] args) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2)).list()
                .layer(new SparseConv2D.Builder(3, 3).nOut(8).sparsity(0.8).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().nOut(32).sparsity(0.9).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 64);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 4, 1.0);
        }
        DataSet data = new DataSet(x, y);
        double before = net.score(data);
        for (int i = 0; i < 20; i++) {
            net.fit(data);
        }
        SparsityReport report = SparsityReport.of(net);
        System.out.println(report);
        System.out.printf("loss %.4f -> %.4f%n", before, net.score(data));
        if (report.leaks() != 0 || !(net.score(data) < before)) {
            throw new IllegalStateException("consumer check failed: leaks " + report.leaks() + ", loss " + before
                    + " -> " + net.score(data));
        }
        System.out.println("consumer check: OK");
    }
}
