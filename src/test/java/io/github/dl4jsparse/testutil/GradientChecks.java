package io.github.dl4jsparse.testutil;

import io.github.dl4jsparse.layers.SparseLayerConfig;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** What the double-precision gradient checks of the sparse layers share. */
public final class GradientChecks {

    /** Central-difference step. */
    public static final double EPS = 1e-6;
    /** Largest relative error a gradient check accepts. */
    public static final double MAX_REL_ERROR = 1e-5;
    /** Absolute error below which a gradient check accepts any relative error. */
    public static final double MIN_ABS_ERROR = 1e-9;

    private GradientChecks() {
    }

    /** Runs a test class in double precision (ND4J's default data types), restoring the previous ones after it. */
    public static final class DoublePrecision implements BeforeAllCallback, AfterAllCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(DoublePrecision.class);

        @Override
        public void beforeAll(ExtensionContext context) {
            context.getStore(NAMESPACE).put("previous", Nd4j.dataType());
            Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            DataType previous = context.getStore(NAMESPACE).get("previous", DataType.class);
            Nd4j.setDefaultDataTypes(previous, previous);
        }
    }

    /** @return the parameters that say which connections exist in {@code layers}: not differentiable, excluded */
    public static Set<String> structure(String... layers) {
        Set<String> out = new HashSet<>();
        for (String l : layers) {
            out.add(l + "_" + SparseLayerConfig.WEIGHT_MASK_KEY);
            out.add(l + "_" + SparseLayerConfig.ACTIVE_INDEX_KEY);
            out.add(l + "_" + io.github.dl4jsparse.layers.SparseLSTM.RECURRENT_KEYS.mask());
            out.add(l + "_" + io.github.dl4jsparse.layers.SparseLSTM.RECURRENT_KEYS.activeIndex());
        }
        return out;
    }

    /**
     * Central differences over every trainable entry with a gradient above 1e-7, against backprop.
     *
     * @return the largest relative error
     */
    public static double maxRelativeError(MultiLayerNetwork net, DataSet data, double eps) {
        net.setInput(data.getFeatures());
        net.setLabels(data.getLabels());
        net.computeGradientAndScore();
        Map<String, INDArray> analytic = net.gradient().gradientForVariable();
        double worst = 0;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            if (!trainable(net, e.getKey())) {
                continue;
            }
            INDArray p = e.getValue();
            // same linear indexing as p; DL4J's gradient is summed over the minibatch, the score averaged
            INDArray grad = analytic.get(e.getKey()).dup(p.ordering()).divi(data.numExamples());
            for (long i = 0; i < p.length(); i++) {
                double original = p.getDouble(i);
                p.putScalar(i, original + eps);
                double plus = net.score(data, true);
                p.putScalar(i, original - eps);
                double minus = net.score(data, true);
                p.putScalar(i, original);
                double numeric = (plus - minus) / (2 * eps);
                double a = grad.getDouble(i);
                if (Math.abs(a) + Math.abs(numeric) < 1e-7) {
                    continue; // masked weight or vanishing gradient: relative error meaningless
                }
                worst = Math.max(worst, Math.abs(a - numeric) / (Math.abs(a) + Math.abs(numeric)));
            }
        }
        return worst;
    }

    /** @return whether the parameter {@code index_key} of {@code net} is trained (not a mask or positions) */
    private static boolean trainable(MultiLayerNetwork net, String fullKey) {
        int split = fullKey.indexOf('_');
        org.deeplearning4j.nn.conf.layers.Layer conf =
                net.getLayer(Integer.parseInt(fullKey.substring(0, split))).conf().getLayer();
        String key = fullKey.substring(split + 1);
        if (conf instanceof io.github.dl4jsparse.layers.SparseParamInitializer.Layout layout) {
            return layout.isTrainable(key);
        }
        return !(conf instanceof SparseLayerConfig s) || s.paramKeys().isTrainable(key);
    }
}
