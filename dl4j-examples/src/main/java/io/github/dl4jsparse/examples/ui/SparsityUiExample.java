package io.github.dl4jsparse.examples.ui;

import io.github.dl4jsparse.data.FashionMnist;
import io.github.dl4jsparse.data.ShuffledDataSetIterator;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.connectivity.ImageShape;
import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.models.SparseMlp;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Trains LeNet-300-100 at sparsity 0.9 with RigL on Fashion-MNIST (or, where the data is absent, on the seed
 * experiment's random data) with the DL4J training UI attached: DL4J's own pages at {@code /train} and this library's
 * Sparsity page at {@code /sparsity}. The records also go to a stats file that {@link SparsityStatsFileExample} can
 * open later in another JVM.
 *
 * <p>DL4J 1.0.0-M2.1's UI has a fixed sidebar (its templates list Overview, Model, System and Language; a
 * {@code UIModule} can add routes but no menu entry), so the Sparsity page cannot be linked from there: the example
 * prints both addresses, and the Sparsity page links back to {@code /train}.
 *
 * <p>Options: {@code --port N} (default 9000; 0 for any free port), {@code --epochs N} (default 2),
 * {@code --delta-t N} (steps between prune-and-regrow updates, default 20), {@code --input-shape HxW[xC]} (the image
 * shape for the input heat map, default 28x28),
 * {@code --stats-file PATH} (default {@code dl4j-examples/target/sparsity-stats.dl4j}),
 * {@code --keep-open-seconds S} (after training, keep serving for S seconds; default 0). The server is stopped at the
 * end either way, so the JVM exits.
 *
 * <p>Security: DL4J 1.0.0-M2.1's UI server listens on all network interfaces without authentication. Run this where
 * the port is not reachable from other machines, or train to a stats file and view it elsewhere.
 */
public final class SparsityUiExample {

    private SparsityUiExample() {
    }

    public static void main(String[] args) throws Exception {
        int port = 9000;
        int epochs = 2;
        long keepOpenSeconds = 0;
        int deltaT = 20;
        ImageShape inputShape = ImageShape.of(28, 28, 1);
        Path statsFile = Path.of("dl4j-examples/target/sparsity-stats.dl4j");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--stats-file" -> statsFile = Path.of(args[++i]);
                case "--keep-open-seconds" -> keepOpenSeconds = Long.parseLong(args[++i]);
                case "--delta-t" -> deltaT = Integer.parseInt(args[++i]);
                case "--input-shape" -> inputShape = ImageShape.parse(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        DataSet train = trainingData();
        Files.createDirectories(statsFile.toAbsolutePath().getParent());
        Files.deleteIfExists(statsFile);
        StatsStorage storage = new FileStatsStorage(statsFile.toFile());
        VertxUIServer server = VertxUIServer.getInstance(port, false, null);
        try {
            server.attach(storage);
            System.out.println("DL4J UI: " + server.getAddress() + "/train   Sparsity page: " + server.getAddress()
                    + "/sparsity (not in the DL4J UI's sidebar; the page links back to /train)");

            MultiLayerNetwork net = new MultiLayerNetwork(SparseMlp.of(new int[]{784, 300, 100, 10},
                    new double[]{0.9, 0.9, 0.9}, 1, new Adam(1e-3)));
            net.init();
            ShuffledDataSetIterator batches = new ShuffledDataSetIterator(train, 128, true, 1);
            long perEpoch = (train.numExamples() + 127) / 128;
            SparsityListener sparsity = SparsityListener.builder().frequency(20).router(storage).inputShape(inputShape)
                    .build();
            net.setListeners(new StatsListener(storage, 20),
                    PruneRegrowListener.rigl().deltaT(deltaT).plannedEpochs(epochs, perEpoch).build(), sparsity);
            net.fit(batches, epochs);

            System.out.println("Trained " + epochs + " epoch(s); sparsity session " + sparsity.sessionId()
                    + ", stats file " + statsFile.toAbsolutePath());
            System.out.println(sparsity.latest());
            System.out.println("Input connectivity " + sparsity.latestConnectivity().input() + "; degrees "
                    + sparsity.latestConnectivity().layers());
            if (keepOpenSeconds > 0) {
                System.out.println("Serving for " + keepOpenSeconds + " s more: " + server.getAddress() + "/sparsity");
                Thread.sleep(keepOpenSeconds * 1000);
            }
        } finally {
            VertxUIServer.stopInstance();
            storage.close();
        }
    }

    private static DataSet trainingData() {
        try {
            return FashionMnist.load(FashionMnist.defaultDirectory(), FashionMnist.Split.TRAIN, 12_000, DataType.FLOAT);
        } catch (java.io.IOException absent) {
            System.out.println("Fashion-MNIST not found (" + absent.getMessage() + "): training on random data");
            Nd4j.getRandom().setSeed(42);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2048, 784);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 2048, 10);
            for (int i = 0; i < 2048; i++) {
                y.putScalar(i, i % 10, 1.0);
            }
            return new DataSet(x, y);
        }
    }
}
