package io.github.dl4jsparse.examples.ui;

import io.github.dl4jsparse.ui.SparsityPageData;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens a stats file written during training (e.g. by {@link SparsityUiExample}), prints its sparsity sessions and
 * latest figures, and serves it in the DL4J UI ({@code /sparsity} and {@code /train}).
 *
 * <p>Options: a stats file (default {@code dl4j-examples/target/sparsity-stats.dl4j}), {@code --port N} (default 9000),
 * {@code --keep-open-seconds S} (default 0: print and stop). The server is stopped at the end.
 */
public final class SparsityStatsFileExample {

    private SparsityStatsFileExample() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of("dl4j-examples/target/sparsity-stats.dl4j");
        int port = 9000;
        long keepOpenSeconds = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--keep-open-seconds" -> keepOpenSeconds = Long.parseLong(args[++i]);
                default -> file = Path.of(args[i]);
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toAbsolutePath().toString(), null,
                    "no stats file; write one with SparsityUiExample first");
        }
        StatsStorage storage = new FileStatsStorage(new File(file.toString()));
        VertxUIServer server = VertxUIServer.getInstance(port, false, null);
        try {
            server.attach(storage);
            List<String> sessions = SparsityPageData.sessions(storage);
            System.out.println(file + ": " + sessions.size() + " sparsity session(s) " + sessions);
            for (String session : sessions) {
                Map<String, Object> data = SparsityPageData.of(storage, session);
                System.out.println("session " + session + ": " + data.get("updates") + " reports; latest " + data.get("latest"));
                Object rewiring = data.get("rewiring");
                System.out.println("session " + session + ": " + (rewiring == null ? 0
                        : ((List<?>) ((Map<?, ?>) rewiring).get("iterations")).size()) + " prune-and-regrow updates, "
                        + (data.containsKey("inputFirst") ? "an input heat map" : "no input heat map"));
                for (Object error : (List<?>) data.get("errors")) {
                    System.out.println("unreadable record: " + error);
                }
            }
            System.out.println("Sparsity page: " + server.getAddress() + "/sparsity   DL4J UI: " + server.getAddress()
                    + "/train");
            if (keepOpenSeconds > 0) {
                Thread.sleep(keepOpenSeconds * 1000);
            }
        } finally {
            VertxUIServer.stopInstance();
            storage.close();
        }
    }
}
