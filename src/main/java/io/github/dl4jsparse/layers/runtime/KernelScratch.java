package io.github.dl4jsparse.layers.runtime;

/**
 * Java arrays the sparse kernels read and write, minibatch innermost; grown as needed, never shrunk. Each has
 * {@value #SLACK} elements beyond what is asked for, so that a kernel can read one whole vector past the last row (and
 * drop the lanes it does not need) instead of finishing in scalar code.
 */
final class KernelScratch {
    /** Elements past the end: one vector of the widest the Vector API defines (2048 bits of floats). */
    static final int SLACK = 64;

    float[] inT = new float[0];
    float[] outT = new float[0];
    float[] deltaT = new float[0];
    double[] inTd = new double[0];
    double[] outTd = new double[0];
    double[] deltaTd = new double[0];

    float[] floats(float[] a, int n) {
        return a.length >= n + SLACK ? a : new float[n + SLACK];
    }

    double[] doubles(double[] a, int n) {
        return a.length >= n + SLACK ? a : new double[n + SLACK];
    }
}
