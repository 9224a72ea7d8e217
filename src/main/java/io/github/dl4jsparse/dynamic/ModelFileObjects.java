package io.github.dl4jsparse.dynamic;

import org.deeplearning4j.util.ModelSerializer;

import java.io.File;

/**
 * Stores a listener's object in a model file with {@code ModelSerializer.addObjectToFile}, refusing a second one under
 * the same key: a zip file holds each entry once, and DL4J's own message for it ("duplicate entry") names neither the
 * file nor what to do.
 */
final class ModelFileObjects {

    private ModelFileObjects() {
    }

    /**
     * @param who what saves, for the message
     * @throws IllegalStateException if {@code modelFile} already holds an object under {@code key}; the file is unchanged
     */
    static void add(File modelFile, String key, Object value, String who) {
        if (modelFile.isFile() && ModelSerializer.listObjectsInFile(modelFile).contains(key)) {
            throw new IllegalStateException(who + ".saveTo: model file " + modelFile + " already holds a saved '" + key
                    + "' (saveTo was called on this file before); the file is unchanged. Write the model again "
                    + "(ModelSerializer.writeModel replaces the file), then call saveTo once");
        }
        ModelSerializer.addObjectToFile(modelFile, key, value);
    }
}
