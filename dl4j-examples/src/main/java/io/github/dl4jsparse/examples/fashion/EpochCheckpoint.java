package io.github.dl4jsparse.examples.fashion;

import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.io.ModelFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * One run's state after its last finished epoch, so that a run stopped part-way (a session's end, a crash) resumes at
 * its next epoch instead of its first: the network with its updater state ({@code ModelSerializer}), the prune-and-regrow
 * listener's configuration ({@link PruneRegrowListener#saveTo}) and the {@link Progress} so far. The file is written
 * beside itself and moved into place, so a run stopped while saving keeps the previous epoch's checkpoint; it is
 * deleted once the run is in the run log. Files live in {@code <run log>.checkpoints/}, one per method, seed and
 * epoch count.
 */
final class EpochCheckpoint {

    /** Key of the {@link Progress} in the model file. */
    static final String PROGRESS_KEY = "dl4jsparse-examples-epoch-progress";

    private final Path file;

    private EpochCheckpoint(Path file) {
        this.file = file;
    }

    /** The checkpoint of the run of {@code method} and {@code seed} for {@code epochs} epochs logged in {@code runLog}. */
    static EpochCheckpoint of(Path runLog, String method, int seed, int epochs) {
        String slug = method.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-");
        Path dir = runLog.resolveSibling(runLog.getFileName() + ".checkpoints");
        return new EpochCheckpoint(dir.resolve(slug + "-seed" + seed + "-" + epochs + "ep.zip"));
    }

    /**
     * What the finished epochs of a run measured.
     *
     * @param loss         mean training loss of each finished epoch
     * @param accuracy     test accuracy after each finished epoch
     * @param seconds      training seconds of the finished epochs (evaluation left out)
     * @param epochSeconds training seconds after each finished epoch, cumulative (null in a checkpoint written before
     *                     they were kept: then spread evenly over the epochs)
     */
    record Progress(double[] loss, double[] accuracy, double seconds, double[] epochSeconds) implements Serializable {

        Progress {
            if (loss.length != accuracy.length) {
                throw new IllegalArgumentException("loss has " + loss.length + " epochs, accuracy " + accuracy.length);
            }
            if (epochSeconds == null) {
                epochSeconds = new double[loss.length];
                for (int e = 0; e < loss.length; e++) {
                    epochSeconds[e] = seconds * (e + 1) / loss.length;
                }
            }
        }

        int epochs() {
            return loss.length;
        }
    }

    boolean exists() {
        return Files.isRegularFile(file);
    }

    Path file() {
        return file;
    }

    /** Saves the state after {@code progress.epochs()} epochs; {@code rewiring} may be null (no mask changes). */
    void save(ComputationGraph net, PruneRegrowListener rewiring, Progress progress) {
        try {
            Files.createDirectories(file.getParent());
            Path partial = file.resolveSibling(file.getFileName() + ".partial");
            File out = partial.toFile();
            ModelSerializer.writeModel(net, out, true);
            if (rewiring != null) {
                rewiring.saveTo(out);
            }
            ModelSerializer.addObjectToFile(out, PROGRESS_KEY, progress);
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint " + file, e);
        }
    }

    /** @return the network as saved, updater state included (the file is checked whole first) */
    ComputationGraph network() {
        return ModelFiles.restoreComputationGraph(file.toFile(), true);
    }

    /** @return the prune-and-regrow listener saved with the network */
    PruneRegrowListener rewiring() {
        return PruneRegrowListener.restoreFrom(file.toFile());
    }

    /**
     * @return the finished epochs' figures
     * @throws IllegalArgumentException if the checkpoint holds more than {@code epochs} epochs
     */
    Progress progress(int epochs) {
        ModelFiles.requireComplete(file.toFile(), true, PROGRESS_KEY);
        Progress p = ModelSerializer.getObjectFromFile(file.toFile(), PROGRESS_KEY);
        if (p.epochs() > epochs) {
            throw new IllegalArgumentException("checkpoint " + file + " holds " + p.epochs() + " epochs, more than the "
                    + epochs + " of its run; delete it to start the run again");
        }
        return p;
    }

    /** Deletes the checkpoint (the run is in the run log). */
    void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the checkpoint " + file, e);
        }
    }
}
