package quickstart;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.io.ModelFiles;
import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.sparsity.SparsityReport;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sparse LeNet-like CNN trained from scratch with RigL on the Fashion-MNIST sample that ships in the library's jar
 * (2,000 training and 500 test images: no download), with the sparsity listener, a sparsity report, a checkpoint
 * saved and restored, and DL4J's training UI serving the Sparsity page from the stats file written during training.
 *
 * <p>Run it with {@code mvn -q compile exec:exec} (in this folder). Options, given as
 * {@code -Dquickstart.args="..."}: {@code --epochs N} (default 3), {@code --port N} (the UI's port, default 9000; 0 for
 * any free port), {@code --serve-seconds S} (how long the UI serves after training, default 60; 0 to skip).
 */
public final class QuickStart {

    public static void main(String[] args) throws Exception {
        int epochs = 3;
        int port = 9000;
        int serveSeconds = 60;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--serve-seconds" -> serveSeconds = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; the options are --epochs N, --port N, --serve-seconds S");
            }
        }

        // 1. Data: the sample in the library's jar. For the full data set, see FashionMnist's javadoc.
        int batchSize = 50;
        DataSetIterator train = FashionMnist.iterator(FashionMnist.Split.TRAIN).bundledSample().batchSize(batchSize).seed(1).build();
        DataSetIterator test = FashionMnist.iterator(FashionMnist.Split.TEST).bundledSample().batchSize(500).shuffle(false).build();
        int stepsPerEpoch = FashionMnist.SAMPLE_TRAIN / batchSize;

        // 2. The network: sparse layers where DL4J's would be; 90% of the connections of each inactive from step one
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42)
                .updater(new Adam(3e-3))
                .list()
                .layer(new SparseConv2D.Builder(5, 5).nOut(20).sparsity(0.5).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new SparseConv2D.Builder(5, 5).nOut(50).sparsity(0.9).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new SparseLinear.Builder().nOut(500).sparsity(0.9).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)) // fills nIn of every layer
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        // 3. Listeners: RigL rewires every 20 steps; the sparsity listener logs and records for the UI
        Path statsFile = Path.of("target", "quickstart-stats.dl4j");
        Files.createDirectories(statsFile.getParent());
        Files.deleteIfExists(statsFile);
        StatsStorage stats = new FileStatsStorage(statsFile.toFile());
        PruneRegrowListener rigl = PruneRegrowListener.rigl().deltaT(20).plannedEpochs(epochs, stepsPerEpoch).build();
        net.setListeners(rigl,
                // measures after the first iteration and at each epoch's end (a frequency longer than the run)
                SparsityListener.builder().frequency(epochs * stepsPerEpoch).router(stats).build(),
                new StatsListener(stats, 10));

        // 4. Train with plain fit()
        net.fit(train, epochs);
        Evaluation evaluation = net.evaluate(test);
        System.out.printf("test accuracy after %d epochs on %d images: %.2f%%%n", epochs, FashionMnist.SAMPLE_TRAIN,
                100 * evaluation.accuracy());
        System.out.println("prune-and-regrow updates that moved connections: " + rigl.updatesThatMoved() + " of "
                + rigl.updates().size());

        // 5. Exact counts, from the masks
        SparsityReport report = SparsityReport.of(net);
        System.out.printf("after %d iterations in %d epochs:%n", net.getIterationCount(), net.getEpochCount());
        report.layerLines().forEach(line -> System.out.println("  " + line));
        System.out.println("  " + report.globalLine());

        // 6. A checkpoint with masks, updater state and RigL's schedule; restored only from a complete file
        File checkpoint = new File("target/quickstart-model.zip");
        ModelSerializer.writeModel(net, checkpoint, true);
        rigl.saveTo(checkpoint);
        MultiLayerNetwork restored = ModelFiles.restoreMultiLayerNetwork(checkpoint, true);
        test.reset();
        INDArray x = test.next().getFeatures();
        System.out.printf("restored from %s: same outputs %b, mask sparsity %.4f%n", checkpoint,
                restored.output(x).equals(net.output(x)), SparsityReport.of(restored).maskSparsity());

        // 7. The Sparsity page of DL4J's training UI, from the stats file (as another JVM would open it later)
        if (serveSeconds > 0 || port == 0) {
            VertxUIServer server = VertxUIServer.getInstance(port, false, null);
            try {
                server.attach(stats); // the library logs the Sparsity page's address here
                if (serveSeconds > 0) {
                    System.out.println("serving for " + serveSeconds + " s (Ctrl+C stops it; --serve-seconds 0 skips it)");
                    Thread.sleep(serveSeconds * 1000L);
                }
            } finally {
                VertxUIServer.stopInstance();
            }
        }
        stats.close();
        System.out.println("quick start: OK");
    }
}
