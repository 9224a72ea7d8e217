package io.github.dl4jsparse.layers.runtime;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The per-channel mean and (population, not bias-corrected) variance of a minibatch, as batch normalisation needs them
 * in training: over examples and positions for {@code [N, C, H, W]} (NCHW) or {@code [N, H, W, C]} (NHWC) activations,
 * over examples for {@code [N, C]}. Two passes (the mean, then the squared deviations from it), summed in double
 * precision, read from the array's native memory in cache-sized pieces. ND4J's TAD-based {@code Variance} over
 * dimensions (0, 2, 3) of a ResNet-50 activation (4 × 64 × 112 × 112) takes about 18 ms on one core; this, about 4 ms
 * for both moments.
 */
final class ChannelMoments {

    /** Elements read per piece when channels are innermost: a few tens of kilobytes, resident in L1/L2. */
    private static final int PIECE = 8192;

    private ChannelMoments() {
    }

    /** @return true if {@link #compute} handles {@code x}: float or double, rank 2, or rank 4 in a known format */
    static boolean supports(INDArray x, CNN2DFormat format) {
        return (x.dataType() == DataType.FLOAT || x.dataType() == DataType.DOUBLE)
                && (x.rank() == 2 || x.rank() == 4 && format != null) && x.length() <= Integer.MAX_VALUE - 8
                && x.length() > 0;
    }

    /**
     * Writes the per-channel mean and variance of {@code x} into {@code mean} and {@code variance} (vectors of the
     * channel count, of {@code x}'s data type).
     */
    static void compute(INDArray x, CNN2DFormat format, INDArray mean, INDArray variance) {
        INDArray packed = DirectBuffers.contiguous(x, 'c');
        int channels;
        int inner; // consecutive elements of one channel
        if (x.rank() == 2) {
            channels = (int) x.size(1);
            inner = 1;
        } else if (format == CNN2DFormat.NCHW) {
            channels = (int) x.size(1);
            inner = (int) (x.size(2) * x.size(3));
        } else {
            channels = (int) x.size(3);
            inner = 1;
        }
        int length = (int) x.length();
        long count = length / channels;
        double[] m = new double[channels];
        double[] v = new double[channels];
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer data = DirectBuffers.floats(packed);
            sums(data, length, channels, inner, null, m);
            scale(m, count);
            sums(data, length, channels, inner, m, v);
        } else {
            DoubleBuffer data = DirectBuffers.doubles(packed);
            sums(data, length, channels, inner, null, m);
            scale(m, count);
            sums(data, length, channels, inner, m, v);
        }
        Reference.reachabilityFence(packed);
        scale(v, count);
        write(mean, m);
        write(variance, v);
    }

    private static void scale(double[] a, long count) {
        for (int i = 0; i < a.length; i++) {
            a[i] /= count;
        }
    }

    /** Adds {@code Σ x} (when {@code center} is null) or {@code Σ (x − center)²} per channel into {@code out}. */
    private static void sums(FloatBuffer data, int length, int channels, int inner, double[] center, double[] out) {
        float[] piece = new float[inner > 1 ? inner : Math.max(channels, PIECE / channels * channels)];
        if (inner > 1) {
            for (int start = 0, ch = 0; start < length; start += inner, ch = (ch + 1) % channels) {
                data.get(start, piece, 0, inner);
                out[ch] += center == null ? sum(piece, inner) : squaredDeviations(piece, inner, (float) center[ch]);
            }
            return;
        }
        for (int start = 0; start < length; start += piece.length) {
            int n = Math.min(piece.length, length - start);
            data.get(start, piece, 0, n);
            for (int k = 0; k < n; k++) {
                int ch = k % channels;
                double d = center == null ? piece[k] : piece[k] - center[ch];
                out[ch] += center == null ? d : d * d;
            }
        }
    }

    private static void sums(DoubleBuffer data, int length, int channels, int inner, double[] center, double[] out) {
        double[] piece = new double[inner > 1 ? inner : Math.max(channels, PIECE / channels * channels)];
        if (inner > 1) {
            for (int start = 0, ch = 0; start < length; start += inner, ch = (ch + 1) % channels) {
                data.get(start, piece, 0, inner);
                double c = center == null ? 0.0 : center[ch];
                double s = 0.0;
                for (int k = 0; k < inner; k++) {
                    double d = piece[k] - c;
                    s += center == null ? piece[k] : d * d;
                }
                out[ch] += s;
            }
            return;
        }
        for (int start = 0; start < length; start += piece.length) {
            int n = Math.min(piece.length, length - start);
            data.get(start, piece, 0, n);
            for (int k = 0; k < n; k++) {
                int ch = k % channels;
                double d = center == null ? piece[k] : piece[k] - center[ch];
                out[ch] += center == null ? d : d * d;
            }
        }
    }

    /** Four independent partial sums (a float sum over one channel's positions, then widened): the loop pipelines. */
    private static double sum(float[] a, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            s0 += a[k];
            s1 += a[k + 1];
            s2 += a[k + 2];
            s3 += a[k + 3];
        }
        for (; k < n; k++) {
            s0 += a[k];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double squaredDeviations(float[] a, int n, float center) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int k = 0;
        for (; k + 3 < n; k += 4) {
            float d0 = a[k] - center;
            float d1 = a[k + 1] - center;
            float d2 = a[k + 2] - center;
            float d3 = a[k + 3] - center;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; k < n; k++) {
            float d = a[k] - center;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static void write(INDArray target, double[] values) {
        INDArray packed = DirectBuffers.contiguous(target, 'c');
        if (target.dataType() == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            DirectBuffers.write(packed, f, f.length);
        } else {
            DirectBuffers.write(packed, values, values.length);
        }
        if (packed != target) {
            target.assign(packed);
        }
    }
}
