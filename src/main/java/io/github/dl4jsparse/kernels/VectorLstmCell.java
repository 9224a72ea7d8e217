package io.github.dl4jsparse.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LstmCellKernel} on the Vector API: the exponentials and hyperbolic tangents of a time step run a vector at a
 * time (the JDK's vector math library). The preferred species only: mixing species slows every kernel of the JVM
 * (docs/speed-and-memory.md).
 */
final class VectorLstmCell implements LstmCellKernel {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    @Override
    public void forward(float[] gates, int g, float[] cells, int cPrev, int c, float[] cellActs, float[] out, int n,
                        boolean sigmoidBlock) {
        int e = 0;
        for (; e + L <= n; e += L) {
            FloatVector a = activation(FloatVector.fromArray(SPECIES, gates, g + e), sigmoidBlock);
            FloatVector f = sigmoid(FloatVector.fromArray(SPECIES, gates, g + n + e));
            FloatVector o = sigmoid(FloatVector.fromArray(SPECIES, gates, g + 2 * n + e));
            FloatVector m = sigmoid(FloatVector.fromArray(SPECIES, gates, g + 3 * n + e));
            a.intoArray(gates, g + e);
            f.intoArray(gates, g + n + e);
            o.intoArray(gates, g + 2 * n + e);
            m.intoArray(gates, g + 3 * n + e);
            FloatVector cell = m.mul(a);
            if (cPrev >= 0) {
                cell = f.mul(FloatVector.fromArray(SPECIES, cells, cPrev + e)).add(cell);
            }
            FloatVector act = activation(cell, sigmoidBlock);
            cell.intoArray(cells, c + e);
            act.intoArray(cellActs, c + e);
            o.mul(act).intoArray(out, c + e);
        }
        for (; e < n; e++) {
            float a = sigmoidBlock ? PlainLstmCell.sigmoid(gates[g + e]) : PlainLstmCell.tanh(gates[g + e]);
            float f = PlainLstmCell.sigmoid(gates[g + n + e]);
            float o = PlainLstmCell.sigmoid(gates[g + 2 * n + e]);
            float m = PlainLstmCell.sigmoid(gates[g + 3 * n + e]);
            gates[g + e] = a;
            gates[g + n + e] = f;
            gates[g + 2 * n + e] = o;
            gates[g + 3 * n + e] = m;
            float cell = (cPrev < 0 ? 0f : f * cells[cPrev + e]) + m * a;
            float act = sigmoidBlock ? PlainLstmCell.sigmoid(cell) : PlainLstmCell.tanh(cell);
            cells[c + e] = cell;
            cellActs[c + e] = act;
            out[c + e] = o * act;
        }
    }

    private static FloatVector activation(FloatVector z, boolean sigmoid) {
        return sigmoid ? sigmoid(z) : z.lanewise(VectorOperators.TANH);
    }

    private static FloatVector sigmoid(FloatVector z) {
        FloatVector one = FloatVector.broadcast(SPECIES, 1f);
        return one.div(one.add(z.neg().lanewise(VectorOperators.EXP)));
    }

    @Override
    public String name() {
        return "Vector API, " + SPECIES.vectorBitSize() + "-bit";
    }
}
