package io.github.dl4jsparse.layers.runtime;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;

/**
 * DL4J's fused batch-norm helper ({@code MKLDNNBatchNormHelper}: libnd4j's {@code batchnorm} and {@code batchnorm_bp}
 * operations) with the minibatch's statistics computed by {@link ChannelMoments} instead of ND4J's reductions, which
 * cost more than the fused operations themselves. In training, the batch mean and variance go where DL4J's helper keeps
 * them (its backward pass and the running averages read them there), and the normalisation runs as DL4J's helper runs
 * it with given statistics. Everything else — inference, other data types, a DL4J version without those fields — is
 * DL4J's helper unchanged.
 */
public final class FusedBatchNormHelper extends MKLDNNBatchNormHelper {

    private static final Logger LOG = LoggerFactory.getLogger(FusedBatchNormHelper.class);
    private static final Field MEAN_CACHE = cacheField("meanCache");
    private static final Field VAR_CACHE = cacheField("varCache");

    /** @param dataType the network's data type */
    public FusedBatchNormHelper(DataType dataType) {
        super(dataType);
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (!training || MEAN_CACHE == null || VAR_CACHE == null || !ChannelMoments.supports(x, format)) {
            return super.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        int channelAxis = x.rank() == 4 && format == CNN2DFormat.NHWC ? 3 : 1;
        INDArray batchMean = cache(MEAN_CACHE, x.dataType(), x.size(channelAxis));
        INDArray batchVar = cache(VAR_CACHE, x.dataType(), x.size(channelAxis));
        ChannelMoments.compute(x, format, batchMean, batchVar);
        // DL4J's helper normalises with the statistics it is given when not in training: the batch's, here
        return super.preOutput(x, false, shape, gamma, beta, batchMean, batchVar, decay, eps, format, workspaceMgr);
    }

    /** The helper's cache array of that field, allocated outside any workspace when absent or of another size. */
    private INDArray cache(Field field, DataType dataType, long channels) {
        try {
            INDArray current = (INDArray) field.get(this);
            if (current != null && current.length() == channels && current.dataType() == dataType) {
                return current;
            }
            INDArray fresh;
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                fresh = Nd4j.createUninitialized(dataType, channels);
            }
            field.set(this, fresh);
            return fresh;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot reach DL4J's batch-norm helper cache " + field.getName(), e);
        }
    }

    private static Field cacheField(String name) {
        try {
            Field f = MKLDNNBatchNormHelper.class.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("FusedBatchNormHelper: this DL4J version's batch-norm helper has no field {}; its own "
                    + "statistics are used", name, e);
            return null;
        }
    }
}
