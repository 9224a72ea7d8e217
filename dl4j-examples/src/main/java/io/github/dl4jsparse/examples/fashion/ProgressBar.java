package io.github.dl4jsparse.examples.fashion;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A console progress bar: run, epoch, a bar, the last loss and accuracy. One line redrawn in place for a single run
 * at a time; one line per epoch when runs go in parallel (their lines would overwrite each other).
 */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean linePerUpdate;

    ProgressBar(PrintStream out, boolean linePerUpdate) {
        this.out = out;
        this.linePerUpdate = linePerUpdate;
    }

    synchronized void update(String run, int epoch, int epochs, double loss, double accuracy) {
        int filled = (int) Math.round((double) epoch / epochs * WIDTH);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        out.printf(Locale.ROOT, "%s%-28s epoch %2d/%-2d [%s] loss %.4f  test acc %.4f", linePerUpdate ? "" : "\r",
                run, epoch, epochs, bar, loss, accuracy);
        if (linePerUpdate || epoch == epochs) {
            out.println();
        }
        out.flush();
    }
}
