package io.github.dl4jsparse.data;

import java.io.IOException;
import java.nio.file.Path;

/** An IDX file that is truncated, corrupt, of an unsupported type or not what was expected; names the file. */
public class IdxFormatException extends IOException {

    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
