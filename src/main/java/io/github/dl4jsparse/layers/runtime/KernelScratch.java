package io.github.dl4jsparse.layers.runtime;

/** Java arrays the sparse kernels read and write, minibatch innermost; grown as needed, never shrunk. */
final class KernelScratch {
    float[] inT = new float[0];
    float[] outT = new float[0];
    float[] deltaT = new float[0];
    double[] inTd = new double[0];
    double[] outTd = new double[0];
    double[] deltaTd = new double[0];

    float[] floats(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    double[] doubles(double[] a, int n) {
        return a.length >= n ? a : new double[n];
    }
}
