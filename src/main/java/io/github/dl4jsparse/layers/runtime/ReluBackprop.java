package io.github.dl4jsparse.layers.runtime;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code dL/dz = ε ⊙ [z > 0]} for the plain ReLU in Java: what ND4J 1.0.0-M2.1's {@code ActivationReLU.backprop}
 * computes (its {@code relu_bp} op, threshold 0), bit for bit, in a single pass over the two arrays instead of ND4J's
 * op call with its order conversions, which made ReLU's backward pass a tenth of a sparse training step (the figures:
 * docs/speed-and-memory.md, "Figures behind the defaults").
 */
final class ReluBackprop {

    private ReluBackprop() {
    }

    /** @return whether {@link #delta} applies: a ReLU without maximum, threshold or negative slope */
    static boolean applies(IActivation fn, INDArray z) {
        return fn instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null
                && r.getNegativeSlope() == null && z.rank() == 2 && z.dataType() == DataType.FLOAT;
    }

    /** {@code ε ⊙ [z > 0]}, shape of {@code z}, order 'f', in the backprop working memory. */
    static INDArray delta(INDArray z, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        int rows = (int) z.size(0);
        int cols = (int) z.size(1);
        int n = rows * cols;
        float[] zf = new float[n];
        float[] ef = new float[n];
        DirectBuffers.readColumnMajor(z, zf);
        DirectBuffers.readColumnMajor(epsilon.dataType() == DataType.FLOAT ? epsilon : epsilon.castTo(DataType.FLOAT), ef);
        for (int q = 0; q < n; q++) {
            // branch-free z > 0 (signs are random, so a branch mispredicts half the time): the bits of z, as an int,
            // lie in [1, 0x7f800000] exactly for +subnormal .. +infinity; -0, negatives and NaN fall outside, and
            // `drop` is then all ones (else 0)
            int bits = Float.floatToRawIntBits(zf[q]);
            int drop = ((bits - 1) | (0x7f800000 - bits)) >> 31;
            ef[q] = Float.intBitsToFloat(Float.floatToRawIntBits(ef[q]) & ~drop);
        }
        INDArray delta = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, new long[]{rows, cols}, 'f');
        DirectBuffers.write(delta, ef, n);
        return delta;
    }
}
