package io.github.dl4jsparse.mask;

import java.util.Arrays;

/**
 * The positions of a set of connections of one connection matrix: distinct, strictly increasing, each in
 * {@code [0, size)} ({@code r + c · rows}, column-major). Immutable; validated once when made, so that code handed a
 * {@code Positions} never checks again. Merging, subtracting and locating (the slots of some positions among others)
 * are here, each in one pass over both sorted lists.
 */
public final class Positions {

    private final long[] values;
    private final long size;

    private Positions(long[] values, long size) {
        this.values = values;
        this.size = size;
    }

    /**
     * @param what      names the positions in a message, e.g. {@code "Layer 'fc1': new connection"}
     * @param positions strictly increasing, in {@code [0, size)}; copied
     * @param size      the number of possible connections
     * @throws IllegalArgumentException naming {@code what}, the entry and its value otherwise
     */
    public static Positions of(String what, long[] positions, long size) {
        for (int k = 0; k < positions.length; k++) {
            if (positions[k] < 0 || positions[k] >= size || (k > 0 && positions[k] <= positions[k - 1])) {
                throw new IllegalArgumentException(what + " " + k + " is at position " + positions[k]
                        + "; positions must be strictly increasing in [0, " + size + ")");
            }
        }
        return new Positions(positions.clone(), size);
    }

    /** @return how many positions there are */
    public int count() {
        return values.length;
    }

    /** @return the number of possible connections, {@code rows · columns} */
    public long size() {
        return size;
    }

    /** @return the positions, increasing: a copy */
    public long[] toArray() {
        return values.clone();
    }

    /** @return whether {@code position} is one of these */
    public boolean contains(long position) {
        return Arrays.binarySearch(values, position) >= 0;
    }

    /** @return the first of {@code other} that is not one of these, or -1 if every one is */
    public long firstMissing(Positions other) {
        int s = 0;
        for (long p : other.values) {
            while (s < values.length && values[s] < p) {
                s++;
            }
            if (s == values.length || values[s] != p) {
                return p;
            }
        }
        return -1;
    }

    /** @return the first of {@code other} that is also one of these, or -1 if none is */
    public long firstShared(Positions other) {
        int s = 0;
        for (long p : other.values) {
            while (s < values.length && values[s] < p) {
                s++;
            }
            if (s < values.length && values[s] == p) {
                return p;
            }
        }
        return -1;
    }

    /**
     * @return for each of {@code targets}, its index among these (its slot under active storage)
     * @throws IllegalArgumentException naming {@code what} for a target that is not one of these
     */
    public int[] slotsOf(String what, Positions targets) {
        int[] slots = new int[targets.count()];
        int s = 0;
        for (int t = 0; t < slots.length; t++) {
            long p = targets.values[t];
            while (s < values.length && values[s] < p) {
                s++;
            }
            if (s == values.length || values[s] != p) {
                throw new IllegalArgumentException(what + ": position " + p + " is not active");
            }
            slots[t] = s++;
        }
        return slots;
    }

    /** @return for each of {@code next}, its index among these, or -1 for a position that is not one of these */
    public int[] survivorSlots(Positions next) {
        int[] from = new int[next.count()];
        for (int t = 0, s = 0; t < from.length; t++) {
            while (s < values.length && values[s] < next.values[t]) {
                s++;
            }
            from[t] = s < values.length && values[s] == next.values[t] ? s : -1;
        }
        return from;
    }

    /** @return these without {@code removed} (positions of {@code removed} that are not here are ignored) */
    public Positions without(Positions removed) {
        long[] out = new long[values.length];
        int n = 0;
        int r = 0;
        for (long p : values) {
            while (r < removed.values.length && removed.values[r] < p) {
                r++;
            }
            if (r < removed.values.length && removed.values[r] == p) {
                continue;
            }
            out[n++] = p;
        }
        return new Positions(Arrays.copyOf(out, n), size);
    }

    /** @return these and {@code other} together, each position once */
    public Positions union(Positions other) {
        long[] out = new long[values.length + other.values.length];
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < values.length || j < other.values.length) {
            long p;
            if (j == other.values.length || (i < values.length && values[i] < other.values[j])) {
                p = values[i++];
            } else if (i == values.length || other.values[j] < values[i]) {
                p = other.values[j++];
            } else {
                p = values[i++];
                j++;
            }
            out[n++] = p;
        }
        return new Positions(Arrays.copyOf(out, n), Math.max(size, other.size));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Positions p && p.size == size && Arrays.equals(p.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(size) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return values.length + " of " + size + " positions" + (values.length <= 8 ? " " + Arrays.toString(values) : "");
    }
}
