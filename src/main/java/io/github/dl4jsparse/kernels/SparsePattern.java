package io.github.dl4jsparse.kernels;

/**
 * Which connections of a connection matrix of {@code rows x columns} (e.g. {@code [nIn, nOut]}) are active, indexed
 * both ways for the kernels of {@link SparseKernels}. The active connections are numbered by their column-major
 * position {@code i + j · rows} (strictly increasing): slot {@code k} of a values array belongs to connection
 * {@code k}.
 * <ul>
 *   <li>compressed columns: output {@code j} has slots {@code colStart[j] .. colStart[j+1]-1}, input
 *       {@code rows[k]} each;</li>
 *   <li>compressed rows: input {@code i} has entries {@code rowStart[i] .. rowStart[i+1]-1}, each with its output
 *       {@code cols[e]} and its slot {@code rowSlot[e]}.</li>
 * </ul>
 * Memory is {@code 4 · (3a + rows + columns)} bytes for {@code a} active connections, nothing of size
 * {@code rows · columns}.
 *
 * <pre>{@code
 * SparsePattern p = SparsePattern.of(784, 1024, positions); // long positions i + j·784, strictly increasing
 * }</pre>
 */
public final class SparsePattern {

    final int rowCount;
    final int columnCount;
    final int active;
    final int[] colStart;
    final int[] rows;
    final int[] rowStart;
    final int[] cols;
    final int[] rowSlot;

    private SparsePattern(int rowCount, int columnCount, int active) {
        this.rowCount = rowCount;
        this.columnCount = columnCount;
        this.active = active;
        this.colStart = new int[columnCount + 1];
        this.rows = new int[active];
        this.rowStart = new int[rowCount + 1];
        this.cols = new int[active];
        this.rowSlot = new int[active];
    }

    /**
     * @param positions the column-major positions {@code i + j · rowCount} of the active connections, strictly increasing
     *                  (not kept); longs, as {@code rowCount · columnCount} may exceed 2^31
     * @throws IllegalArgumentException naming the entry if a position is out of {@code [0, rowCount · columnCount)} or not after
     *                                  the previous one
     */
    public static SparsePattern of(int rowCount, int columnCount, long[] positions) {
        int active = positions.length;
        if (rowCount <= 0 || columnCount <= 0) {
            throw new IllegalArgumentException("the rows and columns of the connection matrix must be positive, got " + rowCount + " and " + columnCount);
        }
        SparsePattern p = new SparsePattern(rowCount, columnCount, active);
        long size = (long) rowCount * columnCount;
        long previous = -1;
        for (int k = 0; k < active; k++) {
            long q = positions[k];
            if (q < 0 || q >= size || q <= previous) {
                throw new IllegalArgumentException("position entry " + k + " is " + q + ": positions must be strictly "
                        + "increasing in [0, " + size + ")" + (k > 0 ? ", previous " + previous : ""));
            }
            previous = q;
            int i = (int) (q % rowCount);
            p.rows[k] = i;
            p.colStart[(int) (q / rowCount) + 1]++;
            p.rowStart[i + 1]++;
        }
        for (int j = 0; j < columnCount; j++) {
            p.colStart[j + 1] += p.colStart[j];
        }
        for (int i = 0; i < rowCount; i++) {
            p.rowStart[i + 1] += p.rowStart[i];
        }
        // compressed rows: walking the slots in column order fills each row's entries in increasing column order
        int[] next = java.util.Arrays.copyOf(p.rowStart, rowCount);
        for (int j = 0; j < columnCount; j++) {
            for (int k = p.colStart[j]; k < p.colStart[j + 1]; k++) {
                int e = next[p.rows[k]]++;
                p.cols[e] = j;
                p.rowSlot[e] = k;
            }
        }
        return p;
    }

    /** @return the number of active connections */
    public int activeCount() {
        return active;
    }

    /** @return the number of rows of the connection matrix (inputs, e.g. {@code nIn}) */
    public int rowCount() {
        return rowCount;
    }

    /** @return the number of columns of the connection matrix (outputs, e.g. {@code nOut}) */
    public int columnCount() {
        return columnCount;
    }

    /** @return slot ranges per output column, {@code columnCount + 1} entries: the live array, not to be modified */
    public int[] colStart() {
        return colStart;
    }

    /** @return the input row of each slot, {@code a} entries: the live array, not to be modified */
    public int[] rows() {
        return rows;
    }

    /** @return the column-major positions {@code i + j · rows} of the active connections, in slot order: a new array */
    public long[] positions() {
        long[] positions = new long[active];
        for (int j = 0; j < columnCount; j++) {
            long column = (long) j * rowCount;
            for (int k = colStart[j]; k < colStart[j + 1]; k++) {
                positions[k] = rows[k] + column;
            }
        }
        return positions;
    }

    /** @return the fraction of active connections, {@code a / (rows · columns)} */
    public double density() {
        return active / ((double) rowCount * columnCount);
    }
}
