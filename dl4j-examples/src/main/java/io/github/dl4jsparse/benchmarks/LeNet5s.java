package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.distribution.SparsityDistribution;
import io.github.dl4jsparse.models.SparseLeNet5;
import io.github.dl4jsparse.models.SparseMlp;
import io.github.dl4jsparse.prune.MaskBudget;
import io.github.dl4jsparse.prune.Snip;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The LeNet-5 networks of the convolution benchmarks ({@link SparseLeNet5}: conv 5×5×20, max-pool, conv 5×5×50,
 * max-pool, dense 500, output 10; ReLU; Adam 1e-3) and a minibatch of random 28 × 28 images.
 */
final class LeNet5s {

    private LeNet5s() {
    }

    /**
     * @param layers {@code dense} ({@code ConvolutionLayer} and {@code DenseLayer}); {@code sparseS}: every weight
     *               layer but the output one sparse at sparsity {@code S}, default storage; {@code erkS}: the same
     *               layers at ERK sparsities of global target {@code S} (conv1 comes out dense); {@code snipS}: the dense
     *               network pruned by SNIP on {@link #batch}(128) to global {@code S}
     */
    static MultiLayerNetwork build(String layers) {
        if (layers.startsWith("snip")) {
            MultiLayerNetwork dense = build("dense");
            return Snip.toSparse(dense, batch(128), MaskBudget.global(Double.parseDouble(layers.substring(4))));
        }
        boolean erk = layers.startsWith("erk");
        double s = "dense".equals(layers) ? SparseMlp.DENSE
                : Double.parseDouble(layers.substring(erk ? "erk".length() : "sparse".length()));
        MultiLayerConfiguration conf = SparseLeNet5.of(new double[]{s, s, s, SparseMlp.DENSE}, 42, new Adam(1e-3));
        if (erk) {
            SparsityDistribution.erk(s).build().applyTo(conf);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** {@code batch} random flat images {@code [batch, 784]} in [0, 1) with one-hot labels over 10 classes. */
    static DataSet batch(int batch) {
        Nd4j.getRandom().setSeed(3);
        org.nd4j.linalg.api.ndarray.INDArray labels = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            labels.putScalar(i, i % 10, 1.0);
        }
        return new DataSet(Nd4j.rand(DataType.FLOAT, batch, 784), labels);
    }
}
