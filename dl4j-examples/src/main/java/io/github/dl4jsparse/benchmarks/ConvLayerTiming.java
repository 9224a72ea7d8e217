package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.layers.SparseConv2D;
import io.github.dl4jsparse.layers.WeightStorage;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;

/**
 * One convolution geometry alone: a {@code SparseConv2D} at sparsity 0.9 (active storage) against DL4J's
 * {@code ConvolutionLayer}, a training forward pass and its backward pass on random input, the best of {@code rounds}
 * (the quick way to check a geometry of a zoo network; {@code ZooTiming --layers} times every layer of one in place).
 *
 * <pre>
 * OMP_NUM_THREADS=1 java --add-modules jdk.incubator.vector -cp ... io.github.dl4jsparse.benchmarks.ConvLayerTiming \
 *     CHANNELS OUT_CHANNELS MAP KERNEL ROUNDS [STRIDE] [BATCH]     e.g. 64 256 28 1 30 (ResNet-50's res2a_branch2c)
 * </pre>
 */
public final class ConvLayerTiming {

    private ConvLayerTiming() {
    }

    public static void main(String[] args) {
        if (args.length < 5) {
            throw new IllegalArgumentException("usage: CHANNELS OUT_CHANNELS MAP KERNEL ROUNDS [STRIDE] [BATCH]");
        }
        int channels = Integer.parseInt(args[0]);
        int outChannels = Integer.parseInt(args[1]);
        int map = Integer.parseInt(args[2]);
        int kernel = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        int stride = args.length > 5 ? Integer.parseInt(args[5]) : 1;
        int batch = args.length > 6 ? Integer.parseInt(args[6]) : 4;
        for (boolean sparse : new boolean[]{true, false}) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).list()
                    .layer(sparse
                            ? new SparseConv2D.Builder(kernel, kernel).stride(stride, stride).nOut(outChannels)
                                    .sparsity(0.9).storage(WeightStorage.ACTIVE).activation(Activation.IDENTITY).build()
                            : new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(outChannels)
                                    .activation(Activation.IDENTITY).build())
                    .layer(new CnnLossLayer.Builder().activation(Activation.IDENTITY).build())
                    .setInputType(InputType.convolutional(map, map, channels)).build();
            MultiLayerNetwork net = new MultiLayerNetwork(conf);
            net.init();
            net.initGradientsView();
            Layer layer = net.getLayer(0);
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, channels, map, map);
            LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
            INDArray eps = null;
            long best = Long.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                long start = System.nanoTime();
                layer.setInput(x, mgr);
                INDArray out = layer.activate(true, mgr);
                if (eps == null) {
                    eps = Nd4j.rand(DataType.FLOAT, out.shape());
                }
                layer.backpropGradient(eps, mgr);
                best = Math.min(best, System.nanoTime() - start);
            }
            System.out.printf(Locale.ROOT, "%s %dx%d/%d %d->%d at %dx%d, batch %d: best %.2f ms%n",
                    sparse ? "SparseConv2D 0.9" : "ConvolutionLayer", kernel, kernel, stride, channels, outChannels,
                    map, map, batch, best / 1e6);
        }
    }
}
