package io.github.dl4jsparse.dynamic;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;

import java.util.Collection;

/**
 * Refuses a listener that a network holds more than once ({@code net.setListeners(l); net.addListeners(l)}): DL4J
 * would call it that many times per iteration, and a listener that changes masks would change them that many times.
 */
final class AttachedOnce {

    private AttachedOnce() {
    }

    /**
     * @param who what the listener is, for the message
     * @throws IllegalStateException if {@code model} holds {@code listener} more than once, naming the count and the fix
     */
    static void require(Model model, TrainingListener listener, String who) {
        Collection<TrainingListener> listeners = model instanceof MultiLayerNetwork net ? net.getListeners()
                : model instanceof ComputationGraph graph ? graph.getListeners() : null;
        if (listeners == null) {
            return;
        }
        int copies = 0;
        for (TrainingListener l : listeners) {
            if (l == listener) {
                copies++;
            }
        }
        if (copies > 1) {
            throw new IllegalStateException(who + " is attached " + copies + " times to the same network (given to "
                    + "both setListeners and addListeners?), so each iteration would call it " + copies + " times and "
                    + "change the masks " + copies + " times; nothing was changed. Attach it once: "
                    + "net.setListeners(listener, other listeners) or net.addListeners(listener)");
        }
    }
}
