package io.github.dl4jsparse.benchmarks;

import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.kernels.SparseKernels;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.layers.WeightStorage;
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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The calibration of {@link ProductRoute#AUTO}: one 1024 → 1024 {@link SparseLinear} layer with active storage (and a
 * 1024 → 16 output layer), training step and inference, with its products forced onto the sparse kernels
 * ({@code KERNELS}) or dense matrix products ({@code DENSE}), over densities and minibatch sizes. The ratio table
 * (KERNELS / DENSE) gives the crossover {@link ProductRoute#kernelsPay} encodes.
 *
 * <p>One JMH thread, ND4J and the kernels on one thread ({@code OMP_NUM_THREADS=1}); with
 * {@code -jvmArgsAppend "--add-modules jdk.incubator.vector"} the Vector API kernels are measured.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
public class ProductRouteBenchmark {

    static final int WIDTH = 1024;

    /** Fraction of active connections. */
    @Param({"0.5", "0.3", "0.2", "0.1", "0.05"})
    public double density;

    @Param({"1", "32", "256", "2048"})
    public int batch;

    @Param({"DENSE", "KERNELS"})
    public ProductRoute route;

    private MultiLayerNetwork net;
    private DataSet data;

    @Setup
    public void setUp() {
        ProductRoute.setDefault(route);
        System.out.println("kernels: " + SparseKernels.implementation() + ", threads " + SparseKernels.threads());
        net = layerNet(density);
        Nd4j.getRandom().setSeed(7);
        data = new DataSet(Nd4j.randn(DataType.FLOAT, batch, WIDTH), Nd4j.randn(DataType.FLOAT, batch, 16));
    }

    /** One 1024 → 1024 SparseLinear layer (active storage, ReLU) at {@code density}, and a 1024 → 16 output layer. */
    static MultiLayerNetwork layerNet(double density) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42).updater(new Adam(1e-3)).list()
                .layer(new SparseLinear.Builder().nOut(WIDTH).sparsity(1 - density).activation(Activation.RELU)
                        .storage(WeightStorage.ACTIVE).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(16).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(WIDTH))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Benchmark
    public MultiLayerNetwork trainingStep() {
        net.fit(data);
        return net;
    }

    @Benchmark
    public INDArray inference() {
        return net.output(data.getFeatures());
    }
}
