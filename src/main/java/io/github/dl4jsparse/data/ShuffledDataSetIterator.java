package io.github.dl4jsparse.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * Minibatches over an in-memory {@link DataSet}, reshuffled at every {@link #reset()} by a seeded permutation: epoch
 * {@code e} uses {@code new Random(seed + e)}, so a run is reproducible and every epoch has a different order. The last
 * minibatch of an epoch may be smaller. Features and labels of any rank (e.g. sequences {@code [n, steps, features]}):
 * a minibatch has the shape of its examples.
 */
public final class ShuffledDataSetIterator implements DataSetIterator {

    private final DataSet data;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int[] order;
    private int epoch;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    /**
     * @param data      all examples
     * @param batchSize examples per minibatch, > 0
     * @param shuffle   whether to permute the examples every epoch
     * @param seed      seed of the permutations
     */
    public ShuffledDataSetIterator(DataSet data, int batchSize, boolean shuffle, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        this.order = new int[data.numExamples()];
        permute();
    }

    private void permute() {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Random random = new Random(seed + epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        cursor = 0;
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int end = Math.min(cursor + num, order.length);
        int[] rows = Arrays.copyOfRange(order, cursor, end);
        cursor = end;
        // one native gather per array: INDArray.getRows(int...) copies row by row and costs as much as a training step
        INDArray f = gather(data.getFeatures(), rows);
        INDArray l = gather(data.getLabels(), rows);
        DataSet batch = new DataSet(f, l);
        if (preProcessor != null) {
            preProcessor.preProcess(batch);
        }
        return batch;
    }

    /** The examples {@code rows} of {@code a} (first dimension), in that order, with the shape of {@code a}'s examples. */
    private static INDArray gather(INDArray a, int[] rows) {
        if (a.rank() <= 2) {
            return Nd4j.pullRows(a, 1, rows);
        }
        long[] shape = a.shape().clone();
        INDArray flat = a.reshape('c', shape[0], a.length() / shape[0]);
        shape[0] = rows.length;
        return Nd4j.pullRows(flat, 1, rows).reshape('c', shape);
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    /**
     * @return a new iterator over the same data, minibatch size and seed, at its first epoch: after its first
     *         {@link #reset()} it gives the minibatches this one gave in its first epoch (e.g. the minibatch a method
     *         such as SNIP reads before training)
     */
    public ShuffledDataSetIterator fresh() {
        return new ShuffledDataSetIterator(data, batchSize, shuffle, seed);
    }

    /** Starts the next epoch, with the next permutation. */
    @Override
    public void reset() {
        epoch++;
        permute();
    }

    /** @return the number of examples */
    public int numExamples() {
        return order.length;
    }

    @Override
    public int inputColumns() {
        return (int) data.getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) data.getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
