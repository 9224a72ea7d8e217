package io.github.dl4jsparse.distribution;

import io.github.dl4jsparse.distribution.SparsityDistribution.LayerShape;
import io.github.dl4jsparse.layers.SparseLinear;
import io.github.dl4jsparse.models.SparseMlp;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.Nets;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparsityDistributionTest {

    /** LeNet-300-100's three layers. */
    private static final List<LayerShape> LENET = List.of(new LayerShape("fc1", 784, 300),
            new LayerShape("fc2", 300, 100), new LayerShape("fc3", 100, 10));
    private static final long LENET_CONNECTIONS = 784 * 300 + 300 * 100 + 100 * 10;

    @Test
    void uniformGivesEveryLayerTheTarget() {
        assertEquals(Map.of("fc1", 0.9, "fc2", 0.9, "fc3", 0.9), SparsityDistribution.uniform(0.9).build().sparsities(LENET));
    }

    @Test
    void erkMatchesTheUniformActiveCountWithDensitiesProportionalToTheKernel() {
        // at 0.96 no layer needs to be dense (fc3 would below 0.9456): all three densities scale one kernel ratio
        Map<String, Double> s = SparsityDistribution.erk(0.96).build().sparsities(LENET);
        assertEquals(0.04 * LENET_CONNECTIONS, active(s), 1e-6);
        double scale = (1 - s.get("fc1")) / raw(LENET.get(0));
        for (LayerShape l : LENET) {
            assertEquals(scale * raw(l), 1 - s.get(l.name()), 1e-12, l.name());
        }
        assertTrue(s.get("fc1") > 0.96 && s.get("fc3") < 0.96 && s.get("fc3") > 0.0);
    }

    @Test
    void erkMakesALayerDenseWhenItsDensityWouldExceedOneAndResolvesTheRest() {
        Map<String, Double> s = SparsityDistribution.erk(0.9).build().sparsities(LENET);
        // fc3 would get density 0.11 · 16.7 = 1.84 before the re-solve
        assertEquals(0.0, s.get("fc3"));
        assertEquals(0.1 * LENET_CONNECTIONS, active(s), 1e-6);
        double scale = (1 - s.get("fc1")) / raw(LENET.get(0));
        assertEquals(scale * raw(LENET.get(1)), 1 - s.get("fc2"), 1e-12);
        // hand solve: (26620 - 1000) / (1084 + 400) = 17.2642...
        assertEquals((26620.0 - 1000.0) / 1484.0, scale, 1e-9);
        assertEquals(1 - scale * 1084.0 / 235200.0, s.get("fc1"), 1e-12);
    }

    @Test
    void erkAtZeroIsDense() {
        Map<String, Double> s = SparsityDistribution.erk(0.0).build().sparsities(LENET);
        s.values().forEach(v -> assertEquals(0.0, v, 1e-12));
    }

    @Test
    void overridesAndTheDenseFirstLayerAreOutsideTheBudget() {
        Map<String, Double> s = SparsityDistribution.erk(0.9).override("fc3", 0.5).denseFirstLayer().build().sparsities(LENET);
        assertEquals(0.0, s.get("fc1"));
        assertEquals(0.5, s.get("fc3"));
        assertEquals(0.9, s.get("fc2"), 1e-12); // the only free layer gets the target
        Map<String, Double> u = SparsityDistribution.uniform(0.8).override("fc2", 0.3).build().sparsities(LENET);
        assertEquals(Map.of("fc1", 0.8, "fc2", 0.3, "fc3", 0.8), u);
    }

    @Test
    void rejectsBadInputNamingParameterAndValue() {
        for (double bad : new double[]{1.0, 1.5, -0.1, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparsityDistribution.erk(bad));
            assertTrue(e.getMessage().contains("target sparsity must be in [0, 1), got " + bad), e.getMessage());
        }
        IllegalArgumentException o = assertThrows(IllegalArgumentException.class,
                () -> SparsityDistribution.uniform(0.5).override("fc2", 2.0));
        assertTrue(o.getMessage().contains("override sparsity of layer 'fc2' must be in [0, 1), got 2.0"), o.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> SparsityDistribution.erk(0.9).override("fc9", 0.0).build().sparsities(LENET));
        assertTrue(missing.getMessage().contains("override for layer 'fc9' names no sparse layer"), missing.getMessage());
        IllegalArgumentException noNIn = assertThrows(IllegalArgumentException.class, () -> new LayerShape("x", 0, 3));
        assertTrue(noNIn.getMessage().contains("nIn=0"), noNIn.getMessage());
    }

    @Test
    void appliedToAMultiLayerConfigurationBeforeInit() {
        MultiLayerConfiguration conf = SparseMlp.of(new int[]{784, 300, 100, 10}, new double[]{0.5, 0.5, 0.5}, 1, new Adam(1e-3));
        SparsityDistribution.erk(0.9).build().applyTo(conf);
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        SparsityReport report = SparsityReport.of(net);
        Map<String, Double> expected = SparsityDistribution.erk(0.9).build().sparsities(LENET);
        List<Double> expectedInOrder = List.copyOf(expected.values());
        for (int i = 0; i < 3; i++) {
            LayerSparsity l = report.layers().get(i);
            assertEquals(Math.round(expectedInOrder.get(i) * l.connections()), l.maskZeros(), l.name());
        }
        assertEquals(0.1 * LENET_CONNECTIONS, report.activeConnections(), 3.0);
    }

    @Test
    void appliedToAnInitialisedNetworksConfigurationIsRefusedAndChangesNothing() {
        MultiLayerConfiguration conf = SparseMlp.of(new int[]{784, 300, 100, 10}, new double[]{0.5, 0.5, 0.5}, 1, new Adam(1e-3));
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        String before = net.getLayerWiseConfigurations().toJson();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SparsityDistribution.erk(0.9).build().applyTo(net.getLayerWiseConfigurations()));
        assertTrue(e.getMessage().contains("has been initialised") && e.getMessage().contains("nothing was changed"),
                e.getMessage());
        assertEquals(before, net.getLayerWiseConfigurations().toJson(), "the configuration is unchanged");
        assertEquals(0.5, SparsityReport.of(net).layers().get(0).maskSparsity(), 1e-3);

        // the fix the message names: a fresh configuration, then a new network
        MultiLayerConfiguration fresh = net.getLayerWiseConfigurations().clone();
        SparsityDistribution.erk(0.9).build().applyTo(fresh);
        MultiLayerNetwork rebuilt = new MultiLayerNetwork(fresh);
        rebuilt.init();
        assertEquals(0.1 * LENET_CONNECTIONS, SparsityReport.of(rebuilt).activeConnections(), 3.0);
    }

    @Test
    void appliedToAComputationGraphConfiguration() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("h1", Nets.hidden(true, 40, Activation.TANH, 0.1), "in")
                .addLayer("h2", Nets.hidden(true, 30, Activation.RELU, 0.1), "h1")
                .addLayer("out", Nets.output(), "h2")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(20))
                .build();
        SparsityDistribution.uniform(0.75).override("h2", 0.0).build().applyTo(conf);
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        SparsityReport report = SparsityReport.of(graph);
        assertEquals(600, report.layers().get(0).maskZeros());
        assertEquals(0, report.layers().get(1).maskZeros());
    }

    private static double active(Map<String, Double> sparsities) {
        double sum = 0;
        for (LayerShape l : LENET) {
            sum += (1 - sparsities.get(l.name())) * l.connections();
        }
        return sum;
    }

    private static double raw(LayerShape l) {
        return (double) (l.nIn() + l.nOut()) / (l.nIn() * l.nOut());
    }

    @Test
    void erkIsKernelAwareForConvolutionsAndKeepsLeNet5sFirstLayerDense() {
        MultiLayerConfiguration conf = io.github.dl4jsparse.models.SparseLeNet5.uniform(0.9, 1, new Adam(1e-3));
        SparsityDistribution.erk(0.9).build().applyTo(conf);
        double[] s = new double[4];
        long[] connections = {20 * 25, 50 * 20 * 25, 800 * 500, 500 * 10};
        double active = 0;
        for (int i = 0; i < 4; i++) {
            s[i] = ((io.github.dl4jsparse.layers.SparseLayerConfig) conf.getConf(i == 0 ? 0 : i == 1 ? 2 : i + 2).getLayer()).getSparsity();
            active += (1 - s[i]) * connections[i];
        }
        System.out.printf("ERK 0.9 on LeNet-5: conv1 %.4f, conv2 %.4f, fc1 %.4f, fc2 %.4f%n", s[0], s[1], s[2], s[3]);
        assertEquals(0.0, s[0], "conv1's raw ERK density (20+1+5+5)/500 exceeds 1 after scaling: dense");
        assertEquals(0.1 * (500 + 25000 + 400000 + 5000), active, 1e-6, "same active count as uniform 0.9");
        // the free layers follow (nIn + nOut + kH + kW) / (nIn · nOut · kH · kW)
        double conv2Raw = (50 + 20 + 5 + 5) / (50.0 * 20 * 25);
        double fc1Raw = (800 + 500) / (800.0 * 500);
        assertEquals(conv2Raw / fc1Raw, (1 - s[1]) / (1 - s[2]), 1e-9);
    }
}
