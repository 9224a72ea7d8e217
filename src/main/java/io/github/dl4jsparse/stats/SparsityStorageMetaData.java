package io.github.dl4jsparse.stats;

import org.deeplearning4j.core.storage.StorageMetaData;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.Serializable;

/** The storage metadata of a sparsity session: which record classes hold its static info and its updates. */
public final class SparsityStorageMetaData extends SparsityRecord implements StorageMetaData {

    /** For decoding. */
    public SparsityStorageMetaData() {
    }

    public SparsityStorageMetaData(String sessionId, String workerId, long timestamp) {
        super(sessionId, workerId, timestamp);
    }

    @Override
    public String getInitTypeClass() {
        return SparsityStaticInfo.class.getName();
    }

    @Override
    public String getUpdateTypeClass() {
        return SparsityUpdate.class.getName();
    }

    @Override
    public Serializable getExtraMetaData() {
        return null;
    }

    @Override
    protected void writeBody(DataOutputStream out) {
        // nothing beyond the common fields
    }

    @Override
    protected void readBody(DataInputStream in, int version) {
        // nothing beyond the common fields
    }
}
