package io.github.dl4jsparse.kernels;

/**
 * The active connections of an {@code [nIn, nOut]} weight matrix in compressed sparse column form: for output column
 * {@code j}, entries {@code colStart[j] .. colStart[j+1]-1} hold the input row {@code rows[k]} and the value
 * {@code values[k]}. Single precision, as the layers' float networks.
 */
public final class CscMatrix {

    final int nIn;
    final int nOut;
    final int[] colStart;
    final int[] rows;
    final float[] values;

    private CscMatrix(int nIn, int nOut, int[] colStart, int[] rows, float[] values) {
        this.nIn = nIn;
        this.nOut = nOut;
        this.colStart = colStart;
        this.rows = rows;
        this.values = values;
    }

    /**
     * Wraps arrays already in compressed sparse column form (not copied): column {@code j} holds entries
     * {@code colStart[j] .. colStart[j+1]-1}; {@code rows} and {@code values} need at least {@code colStart[nOut]}
     * entries.
     */
    public static CscMatrix wrap(int nIn, int nOut, int[] colStart, int[] rows, float[] values) {
        if (colStart.length < nOut + 1 || rows.length < colStart[nOut] || values.length < colStart[nOut]) {
            throw new IllegalArgumentException("colStart needs nOut + 1 = " + (nOut + 1) + " entries and rows/values "
                    + "colStart[nOut] entries; got " + colStart.length + ", " + rows.length + ", " + values.length);
        }
        return new CscMatrix(nIn, nOut, colStart, rows, values);
    }

    /**
     * The active entries of {@code weights} (flat, column-major: entry {@code (i, j)} at {@code i + j·nIn}) where
     * {@code mask} is non-zero.
     */
    public static CscMatrix of(float[] weights, float[] mask, int nIn, int nOut) {
        if (weights.length != (long) nIn * nOut || mask.length != weights.length) {
            throw new IllegalArgumentException("weights and mask must have nIn·nOut = " + (long) nIn * nOut
                    + " entries, got " + weights.length + " and " + mask.length);
        }
        int active = 0;
        for (float m : mask) {
            if (m != 0f) {
                active++;
            }
        }
        int[] colStart = new int[nOut + 1];
        int[] rows = new int[active];
        float[] values = new float[active];
        int k = 0;
        for (int j = 0; j < nOut; j++) {
            colStart[j] = k;
            int base = j * nIn;
            for (int i = 0; i < nIn; i++) {
                if (mask[base + i] != 0f) {
                    rows[k] = i;
                    values[k] = weights[base + i];
                    k++;
                }
            }
        }
        colStart[nOut] = k;
        return new CscMatrix(nIn, nOut, colStart, rows, values);
    }

    /** @return the number of active entries */
    public int activeCount() {
        return colStart[nOut];
    }

    /** @return the values of the active entries, in column order (a live array) */
    public float[] values() {
        return values;
    }
}
