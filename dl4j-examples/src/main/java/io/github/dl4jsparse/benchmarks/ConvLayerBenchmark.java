package io.github.dl4jsparse.benchmarks;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
 * LeNet-5's second convolution alone (20 → 50 channels, 5 × 5, 12 × 12 input, ReLU; {@link ConvLayers}), the runtime
 * layer called directly without a network around it, its arrays in one workspace (as in a network): {@code forward} (inference), and {@code forwardBackward} (a
 * training forward pass and the backward pass: {@code dL/db}, {@code dL/dW} and {@code dL/dx}),
 * {@code ConvolutionLayer} ({@code dense}) against {@code SparseConv2D} ({@code sparseS}, default route). One thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx4g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
public class ConvLayerBenchmark {

    @Param({"128"})
    public int batch;

    @Param({"dense", "sparse0.9"})
    public String layers;

    private Layer layer;
    private INDArray input;
    private INDArray epsilon;
    /** One workspace for every array type, as DL4J's networks use workspaces: after the first call, no allocation. */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).build();
    private static final String WORKSPACE_ID = "CONV_LAYER_BENCHMARK";
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.builder().defaultWorkspace(WORKSPACE_ID, WORKSPACE).build();

    @Setup
    public void setUp() {
        MultiLayerNetwork net = ConvLayers.build(layers);
        net.initGradientsView();
        layer = net.getLayer(1);
        Nd4j.getRandom().setSeed(9);
        input = Nd4j.rand(DataType.FLOAT, batch, ConvLayers.CHANNELS, ConvLayers.SIZE, ConvLayers.SIZE);
        int out = ConvLayers.SIZE - 4;
        epsilon = Nd4j.randn(DataType.FLOAT, batch, ConvLayers.OUT_CHANNELS, out, out);
    }

    @Benchmark
    public double forward() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            layer.setInput(input, workspaces);
            return layer.activate(false, workspaces).getDouble(0);
        }
    }

    @Benchmark
    public double forwardBackward() {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            layer.setInput(input, workspaces);
            layer.activate(true, workspaces);
            Pair<?, INDArray> p = layer.backpropGradient(epsilon, workspaces);
            return p.getSecond().getDouble(0);
        }
    }
}
