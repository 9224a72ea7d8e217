package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.stats.SparsityRecord;
import io.vertx.ext.web.RoutingContext;
import org.deeplearning4j.core.storage.StatsStorage;
import org.deeplearning4j.core.storage.StatsStorageEvent;
import org.deeplearning4j.ui.api.HttpMethod;
import org.deeplearning4j.ui.api.Route;
import org.deeplearning4j.ui.api.UIModule;
import org.deeplearning4j.ui.i18n.I18NResource;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Sparsity page of the DL4J training UI, found by DL4J's {@code UIServer} through
 * {@code META-INF/services/org.deeplearning4j.ui.api.UIModule} whenever this library and {@code deeplearning4j-ui} are
 * on the classpath. It shows what {@code SparsityListener} posted to the attached {@code StatsStorage}s:
 * <ul>
 *   <li>{@code /sparsity}: the page (per-layer table, chart of global and per-layer sparsity over iterations, a
 *       session selector; it refreshes every 2 s while training runs);</li>
 *   <li>{@code /sparsity/sessions}: the sessions with sparsity records, as JSON;</li>
 *   <li>{@code /sparsity/data/:sessionId}: one session's data as JSON (see {@link SparsityPageData}).</li>
 * </ul>
 */
public class SparsityModule implements UIModule {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Logger log = LoggerFactory.getLogger(SparsityModule.class);

    private final List<StatsStorage> storages = new CopyOnWriteArrayList<>();
    private volatile boolean announced;

    @Override
    public List<String> getCallbackTypeIDs() {
        return Collections.singletonList(SparsityRecord.TYPE_ID);
    }

    @Override
    public List<Route> getRoutes() {
        return List.of(
                new Route("/sparsity", HttpMethod.GET, (args, rc) -> rc.response()
                        .putHeader("content-type", "text/html; charset=utf-8").sendFile("dl4jsparse/ui/sparsity.html")),
                new Route("/sparsity/sessions", HttpMethod.GET, (args, rc) -> json(rc, sessions())),
                new Route("/sparsity/data/:sessionId", HttpMethod.GET, (args, rc) -> data(rc, args.get(0))));
    }

    /** @return the sessions with sparsity records over all attached storages, in order of attachment */
    List<String> sessions() {
        Set<String> out = new LinkedHashSet<>();
        for (StatsStorage s : storages) {
            out.addAll(SparsityPageData.sessions(s));
        }
        return new ArrayList<>(out);
    }

    private void data(RoutingContext rc, String sessionId) {
        for (StatsStorage s : storages) {
            Map<String, Object> data = SparsityPageData.of(s, sessionId);
            if (data != null) {
                json(rc, data);
                return;
            }
        }
        rc.response().setStatusCode(404).putHeader("content-type", "text/plain; charset=utf-8")
                .end("no sparsity records for session " + sessionId);
    }

    private static void json(RoutingContext rc, Object value) {
        try {
            rc.response().putHeader("content-type", "application/json; charset=utf-8")
                    .putHeader("cache-control", "no-store").end(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            rc.response().setStatusCode(500).end("cannot encode JSON: " + e.getMessage());
        }
    }

    @Override
    public void reportStorageEvents(Collection<StatsStorageEvent> events) {
        // the page reads the storages on request; nothing to cache
    }

    /**
     * Adds the storage to those the page reads. At the first attach, logs the page's address at INFO: DL4J prints
     * only its own {@code /train} address, and its sidebar cannot link to this page.
     */
    @Override
    public void onAttach(StatsStorage statsStorage) {
        if (!storages.contains(statsStorage)) {
            storages.add(statsStorage);
        }
        if (!announced) {
            announced = true;
            log.info("Sparsity page: {}/sparsity (DL4J's pages: {}/train)", address(), address());
        }
    }

    /** The server's address; the server is running when it attaches a storage. */
    private static String address() {
        try {
            return org.deeplearning4j.ui.VertxUIServer.getInstance().getAddress();
        } catch (RuntimeException e) {
            return "http://localhost:<port>";
        }
    }

    @Override
    public void onDetach(StatsStorage statsStorage) {
        storages.remove(statsStorage);
    }

    @Override
    public List<I18NResource> getInternationalizationResources() {
        return Collections.emptyList();
    }
}
