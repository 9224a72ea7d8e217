package io.github.dl4jsparse.layers.runtime;

import io.github.dl4jsparse.IgnoredListeners;
import io.github.dl4jsparse.kernels.ProductRoute;
import io.github.dl4jsparse.layers.SparseLSTM;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.recurrent.LSTM;
import org.deeplearning4j.nn.params.LSTMParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The runtime layer of {@link SparseLSTM}, on two routes:
 * <ul>
 *   <li><b>kernels</b> ({@link LstmKernelPass}): forward and backpropagation through time on the active connections
 *   only, for float and double layers (double in plain Java, for gradient checks) with active storage, tanh or
 *   sigmoid activation and sigmoid gates, where
 *   {@link ProductRoute} picks the kernels for the matrices' density and the pass's working arrays fit in a quarter of
 *   the Java heap: whole sequences from a zero state, {@code rnnTimeStep} and truncated BPTT from the stored state
 *   (DL4J's {@code stateMap} and {@code tBpttStateMap}, backward length included), masks of variable-length
 *   sequences applied as DL4J's LSTM applies them, NCW and NWC, dropout as DL4J applies it, {@code LastTimeStep} and
 *   {@code Bidirectional} wrappers;</li>
 *   <li><b>DL4J's LSTM</b> for everything else (half precision, other activations, dense storage, weight noise)
 *   on the masked weights {@code W ⊙ M} and {@code RW ⊙ M_R}: where DL4J's LSTM reads its
 *   weights, this layer hands it each matrix's {@link SparseMatrix#maskedTensor}; where it writes their gradients, it
 *   points it at each matrix's gradient target, then has the matrix turn the dense gradient into the storage's.</li>
 * </ul>
 * Both compute DL4J's LSTM function (its gate order, bias and forget-gate bias) within rounding.
 */
public class SparseLSTMLayer extends LSTM implements SparseMatrices {

    private static final Logger log = LoggerFactory.getLogger(SparseLSTMLayer.class);
    /** Whether the heap fallback of {@link #kernelRoute} has been logged in this JVM (it is, once). */
    private static final AtomicBoolean HEAP_NOTED = new AtomicBoolean();
    private static final String W = LSTMParamInitializer.INPUT_WEIGHT_KEY;
    private static final String RW = LSTMParamInitializer.RECURRENT_WEIGHT_KEY;

    private final SparseMatrix inputWeights;
    private final SparseMatrix recurrentWeights;
    /** DL4J's key of each weight tensor and the matrix that holds it, for every backward pass. */
    private final Map<String, SparseMatrix> byKey;
    /** The kernel route's passes; null unless both matrices have active storage. */
    private final LstmKernelPass<?> kernels;
    private final ActiveWeights activeInput;
    private final ActiveWeights activeRecurrent;

    public SparseLSTMLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        SparseLSTM c = (SparseLSTM) conf.getLayer();
        this.inputWeights = new SparseMatrix(c.inputMatrix(), dataType, this::getParam, key -> gradientViews.get(key),
                () -> layerName() + "/W");
        this.recurrentWeights = new SparseMatrix(c.recurrentMatrix(), dataType, this::getParam,
                key -> gradientViews.get(key), () -> layerName() + "/RW");
        Map<String, SparseMatrix> keys = new LinkedHashMap<>();
        keys.put(W, inputWeights);
        keys.put(RW, recurrentWeights);
        this.byKey = Collections.unmodifiableMap(keys);
        this.activeInput = inputWeights.weights() instanceof ActiveWeights a ? a : null;
        this.activeRecurrent = recurrentWeights.weights() instanceof ActiveWeights a ? a : null;
        IActivation block = c.getActivationFn();
        PassArithmetic<?> arithmetic = PassArithmetic.of(dataType);
        this.kernels = arithmetic != null && activeInput != null && activeRecurrent != null
                && (block instanceof ActivationTanH || block instanceof ActivationSigmoid)
                && c.getGateActivationFn() instanceof ActivationSigmoid
                ? new LstmKernelPass<>(arithmetic, activeInput, activeRecurrent, (int) c.getNOut(),
                        block instanceof ActivationSigmoid)
                : null;
    }

    /**
     * @param batchSize the number of sequences of a pass (the other sparse layers' route depends on it; this one's
     *                  does not, as measured, but a pass too large for the heap still runs DL4J's LSTM)
     * @param training  a training pass rather than inference
     * @return whether a whole-sequence pass of this layer runs on the sparse kernels (see the class comment), given an
     *         input of the layer's data type that fits in the heap
     */
    public boolean usesSparseKernels(int batchSize, boolean training) {
        return kernels != null && layerConf().getWeightNoise() == null
                && ProductRoute.useRecurrentKernels(Math.max(activeInput.density(), activeRecurrent.density()),
                training);
    }

    private boolean kernelRoute(boolean training) {
        if (input == null || input.rank() != 3 || !usesSparseKernels((int) input.size(0), training)
                || input.dataType() != kernels.dataType()) {
            return false;
        }
        INDArray x = permuteIfNWC(input);
        if (!kernels.fitsInHeap(x.size(0), x.size(2), x.size(1))) {
            if (HEAP_NOTED.compareAndSet(false, true)) {
                log.info("dl4j-sparse: SparseLSTM layer {}: a pass over {} sequences of {} steps needs more than a "
                        + "quarter of the Java heap ({} MB) on the sparse kernels; it runs DL4J's LSTM instead. A larger "
                        + "-Xmx, or shorter sequences or minibatches, bring it back to the kernels", layerName(),
                        x.size(0), x.size(2), Runtime.getRuntime().maxMemory() >> 20);
            }
            return false;
        }
        return true;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!kernelRoute(training)) {
            releaseKernelPass();
            return super.activate(training, workspaceMgr);
        }
        return kernelForward(training, null, workspaceMgr);
    }

    /** One call of stateful inference, from the state the previous call left in {@code stateMap} (as DL4J's LSTM). */
    @Override
    public INDArray rnnTimeStep(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        if (!kernelRoute(false)) {
            releaseKernelPass();
            return super.rnnTimeStep(input, workspaceMgr);
        }
        INDArray out = kernelForward(false, storedState(stateMap), workspaceMgr);
        store(stateMap, kernels.lastState());
        return out;
    }

    /** A segment of truncated BPTT, from the state the previous segment left in {@code tBpttStateMap}. */
    @Override
    public INDArray rnnActivateUsingStoredState(INDArray input, boolean training, boolean storeLastForTBPTT,
                                                LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        if (!kernelRoute(training)) {
            releaseKernelPass();
            return super.rnnActivateUsingStoredState(input, training, storeLastForTBPTT, workspaceMgr);
        }
        INDArray out = kernelForward(training, storedState(tBpttStateMap), workspaceMgr);
        if (storeLastForTBPTT) {
            store(tBpttStateMap, kernels.lastState());
        }
        return out;
    }

    private static LstmKernelPass.State storedState(Map<String, INDArray> map) {
        return LstmKernelPass.State.ofStored(map.get(STATE_KEY_PREV_ACTIVATION), map.get(STATE_KEY_PREV_MEMCELL));
    }

    private static void store(Map<String, INDArray> map, LstmKernelPass.State state) {
        map.put(STATE_KEY_PREV_ACTIVATION, state.output());
        map.put(STATE_KEY_PREV_MEMCELL, state.cell());
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        setInput(input, workspaceMgr);
        return activate(training, workspaceMgr);
    }

    /**
     * The output on the kernel route, from {@code initial} (null: a zero state); a training pass keeps what the
     * backward pass reads.
     */
    private INDArray kernelForward(boolean training, LstmKernelPass.State initial, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray x = permuteIfNWC(input);
        if (x.size(1) != activeInput.rows()) {
            throw new DL4JInvalidInputException("Received input with size(1) = " + x.size(1) + " (input array shape = "
                    + java.util.Arrays.toString(input.shape()) + "); input.size(1) must match layer nIn size (nIn = "
                    + activeInput.rows() + ") " + layerId());
        }
        INDArray out = kernels.forward(x, getParam(LSTMParamInitializer.BIAS_KEY), maskArray, initial, training,
                workspaceMgr);
        kernelInput = training ? input : null;
        kernelInitial = training ? initial : null;
        return permuteIfNWC(out);
    }

    /** The input the kernel route's kept pass was computed from (after dropout), or null. */
    private INDArray kernelInput;
    /** The state the kept pass started from; null for a zero state. */
    private LstmKernelPass.State kernelInitial;

    /** @return whether the kept pass was computed from the current input and from {@code initial} */
    private boolean keptPassFor(LstmKernelPass.State initial) {
        if (kernelInput == null || kernelInput != input) {
            return false;
        }
        return initial == null ? kernelInitial == null : kernelInitial != null
                && kernelInitial.output() == initial.output() && kernelInitial.cell() == initial.cell();
    }

    private void releaseKernelPass() {
        if (kernels != null) {
            kernels.release();
        }
        kernelInput = null;
        kernelInitial = null;
    }

    @Override
    public void clear() {
        super.clear();
        releaseKernelPass();
    }

    /** @return the input weights {@code W} and the recurrent weights {@code RW} */
    @Override
    public List<SparseLayer> sparseMatrices() {
        return List.of(inputWeights, recurrentWeights);
    }

    /** The weights DL4J's LSTM multiplies by: {@code W ⊙ M} and {@code RW ⊙ M_R}. The bias as DL4J reads it. */
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (W.equals(param)) {
            return inputWeights.maskedTensor(training, workspaceMgr);
        }
        if (RW.equals(param)) {
            return recurrentWeights.maskedTensor(training, workspaceMgr);
        }
        return getParam(param);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!kernelRoute(true)) {
            releaseKernelPass();
            return sparseGradient(() -> super.backpropGradient(epsilon, workspaceMgr));
        }
        return kernelBackward(epsilon, null, 0, workspaceMgr);
    }

    /**
     * Backpropagation through time on the kernels from {@code initial} (null: a zero state), through the steps from
     * {@code firstStep} on; a kept forward pass of the same input and start is used, else the forward pass is run.
     */
    private Pair<Gradient, INDArray> kernelBackward(INDArray epsilon, LstmKernelPass.State initial, int firstStep,
                                                    LayerWorkspaceMgr workspaceMgr) {
        IgnoredListeners.checkTrainingThread();
        assertInputSet(true);
        if (!keptPassFor(initial)) {
            kernelForward(true, initial, workspaceMgr);
        }
        kernelInput = null;
        kernelInitial = null;
        INDArray biasGradient = gradientViews.get(LSTMParamInitializer.BIAS_KEY);
        LstmKernelPass.Capture capture = inputWeights.captureRequested() || recurrentWeights.captureRequested()
                ? this::keepDenseGradients : null;
        INDArray dx = kernels.backward(permuteIfNWC(epsilon), biasGradient, firstStep, capture, workspaceMgr);
        Gradient gradient = new DefaultGradient();
        activeInput.enterGradient(gradient);
        activeRecurrent.enterGradient(gradient);
        gradient.gradientForVariable().put(LSTMParamInitializer.BIAS_KEY, biasGradient);
        return new Pair<>(gradient, permuteIfNWC(backpropDropOutIfPresent(dx)));
    }

    /** RigL's signal on the kernel route: {@code dL/dW = xᵀ · δ} and {@code dL/dRW = h₋₁ᵀ · δ}, as factors. */
    private void keepDenseGradients(INDArray x, INDArray previous, INDArray delta) {
        if (inputWeights.captureRequested()) {
            inputWeights.keep(WeightGradientFactors.of(x, delta));
        }
        if (recurrentWeights.captureRequested()) {
            recurrentWeights.keep(WeightGradientFactors.of(previous, delta));
        }
    }

    /**
     * A segment of truncated BPTT: from the state the previous segment left ({@code stateMap}), through the last
     * {@code tbpttBackwardLength} steps; the state after the segment goes to {@code tBpttStateMap}, as in DL4J's LSTM.
     */
    @Override
    public Pair<Gradient, INDArray> tbpttBackpropGradient(INDArray epsilon, int tbpttBackwardLength,
                                                          LayerWorkspaceMgr workspaceMgr) {
        if (!kernelRoute(true)) {
            releaseKernelPass();
            return sparseGradient(() -> super.tbpttBackpropGradient(epsilon, tbpttBackwardLength, workspaceMgr));
        }
        LstmKernelPass.State initial = storedState(stateMap);
        if (!keptPassFor(initial)) {
            kernelForward(true, initial, workspaceMgr);
        }
        store(tBpttStateMap, kernels.lastState());
        long steps = permuteIfNWC(input).size(2);
        return kernelBackward(epsilon, initial, (int) Math.max(0, steps - tbpttBackwardLength), workspaceMgr);
    }

    /** Runs DL4J's backward pass with its weight gradients redirected to the matrices' targets, then converts them. */
    private Pair<Gradient, INDArray> sparseGradient(Supplier<Pair<Gradient, INDArray>> denseBackprop) {
        IgnoredListeners.checkTrainingThread();
        return SparseMatrix.backpropThrough(byKey, () -> gradientViews, v -> gradientViews = v, denseBackprop);
    }

    /**
     * Assigns a parameter; a new mask must be binary and new positions valid, and masked weights stay exactly 0.
     *
     * @throws IllegalStateException for a mask that is not binary or invalid positions; nothing is changed then
     */
    @Override
    public void setParam(String key, INDArray val) {
        SparseMatrix.setParam(List.of(inputWeights, recurrentWeights), key, val, super::setParam, this::getParam);
    }

    private String layerName() {
        String name = conf.getLayer().getLayerName();
        return name != null ? name : String.valueOf(index);
    }
}
