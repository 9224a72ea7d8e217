package io.github.dl4jsparse.examples.fashion;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line console progress bar: run, epoch, a bar, the last loss and accuracy. */
final class ProgressBar {

    private static final int WIDTH = 30;
    private final PrintStream out;

    ProgressBar(PrintStream out) {
        this.out = out;
    }

    void update(String run, int epoch, int epochs, double loss, double accuracy) {
        int filled = (int) Math.round((double) epoch / epochs * WIDTH);
        String bar = "#".repeat(filled) + ".".repeat(WIDTH - filled);
        out.printf(Locale.ROOT, "\r%-28s epoch %2d/%-2d [%s] loss %.4f  test acc %.4f", run, epoch, epochs, bar, loss, accuracy);
        if (epoch == epochs) {
            out.println();
        }
        out.flush();
    }
}
