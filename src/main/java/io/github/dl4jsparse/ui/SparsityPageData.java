package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.connectivity.DegreeSummary;
import io.github.dl4jsparse.connectivity.InputConnectivity;
import io.github.dl4jsparse.connectivity.LayerConnectivity;
import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.stats.PruneRegrowUpdate;
import io.github.dl4jsparse.stats.SparsityRecord;
import io.github.dl4jsparse.stats.SparsityStaticInfo;
import io.github.dl4jsparse.stats.SparsityUpdate;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.core.storage.StatsStorage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the Sparsity page shows for one session, read from a {@link StatsStorage}, as plain maps and lists ready for
 * JSON. Needs only {@code deeplearning4j-core}; the UI module serves it. Keys:
 * <ul>
 *   <li>{@code sessionId}, {@code workerId}, {@code modelClass}, {@code seed}, {@code updates} (reports read);</li>
 *   <li>{@code latest}: the latest report per layer and globally; {@code series}: sparsity over iterations;</li>
 *   <li>{@code rewiring} (only with prune-and-regrow records): the criterion, the update iterations, and per layer
 *       the dropped, grown, drop fraction, active and explored counts per update, with the explored fraction and its
 *       starting point (the active fraction before the first update);</li>
 *   <li>{@code connectivity} (only with format version 2 reports): per layer the latest in- and out-degree summaries;
 *       {@code inputFirst} and {@code inputLatest}: the first layer's heat map at the first and the latest report
 *       that has one;</li>
 *   <li>{@code errors}: one line per record that could not be read, naming it; the rest is shown.</li>
 * </ul>
 */
public final class SparsityPageData {

    private SparsityPageData() {
    }

    /** @return the sessions of {@code storage} that hold sparsity records */
    public static List<String> sessions(StatsStorage storage) {
        List<String> out = new ArrayList<>();
        for (String session : storage.listSessionIDs()) {
            if (storage.listTypeIDsForSession(session).contains(SparsityRecord.TYPE_ID)) {
                out.add(session);
            }
        }
        return out;
    }

    /**
     * The page's data for {@code sessionId} (its first worker), or null if {@code storage} has no sparsity records
     * for it.
     */
    public static Map<String, Object> of(StatsStorage storage, String sessionId) {
        List<String> workers = storage.listWorkerIDsForSessionAndType(sessionId, SparsityRecord.TYPE_ID);
        if (workers == null || workers.isEmpty()) {
            return null;
        }
        String worker = workers.get(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessionId", sessionId);
        out.put("workerId", worker);
        Persistable staticInfo = storage.getStaticInfo(sessionId, SparsityRecord.TYPE_ID, worker);
        Map<String, Double> targets = new LinkedHashMap<>();
        if (staticInfo instanceof SparsityStaticInfo info && info.readError() == null) {
            out.put("modelClass", info.modelClass());
            out.put("seed", info.seed());
            info.layers().forEach(l -> targets.put(l.name(), l.targetSparsity()));
        }
        List<String> errors = new ArrayList<>();
        if (staticInfo instanceof SparsityRecord r && r.readError() != null) {
            errors.add("static info record: " + r.readError());
        }
        List<SparsityReport> reports = new ArrayList<>();
        List<ConnectivityReport> connectivity = new ArrayList<>();
        List<PruneRegrowUpdate> rewiring = new ArrayList<>();
        // in timestamp order (a file storage's own listing is in hash order), each with its key to name it by
        long[] times = storage.getAllUpdateTimes(sessionId, SparsityRecord.TYPE_ID, worker);
        times = times == null ? new long[0] : times.clone();
        java.util.Arrays.sort(times);
        for (int i = 0; i < times.length; i++) {
            Persistable p = storage.getUpdate(sessionId, SparsityRecord.TYPE_ID, worker, times[i]);
            if (p instanceof SparsityRecord r && r.readError() != null) {
                errors.add("update record " + (i + 1) + " of " + times.length + " (timestamp " + times[i] + ", "
                        + java.time.Instant.ofEpochMilli(times[i]) + "): " + r.readError());
            } else if (p instanceof SparsityUpdate u) {
                reports.add(u.toReport());
                if (u.connectivity() != null) {
                    connectivity.add(u.connectivity());
                }
            } else if (p instanceof PruneRegrowUpdate u) {
                rewiring.add(u);
            }
        }
        out.put("updates", reports.size());
        if (!reports.isEmpty()) {
            out.put("latest", latest(reports.get(reports.size() - 1), targets));
        }
        out.put("series", series(reports));
        if (!rewiring.isEmpty()) {
            out.put("rewiring", rewiring(rewiring));
        }
        if (!connectivity.isEmpty()) {
            out.put("connectivity", degrees(connectivity.get(connectivity.size() - 1)));
            List<ConnectivityReport> withInput = connectivity.stream().filter(c -> c.input() != null).toList();
            if (!withInput.isEmpty()) {
                out.put("inputFirst", heatMap(withInput.get(0)));
                out.put("inputLatest", heatMap(withInput.get(withInput.size() - 1)));
            }
        }
        out.put("errors", errors);
        return out;
    }

    private static Map<String, Object> rewiring(List<PruneRegrowUpdate> updates) {
        List<Long> iterations = new ArrayList<>();
        Map<String, Map<String, Object>> layers = new LinkedHashMap<>();
        for (PruneRegrowUpdate u : updates) {
            iterations.add(u.iteration());
            for (LayerUpdate l : u.layers()) {
                Map<String, Object> m = layers.computeIfAbsent(l.layer(), k -> {
                    Map<String, Object> fresh = new LinkedHashMap<>();
                    fresh.put("connections", l.connections());
                    // before the first update the explored connections are the active ones
                    fresh.put("initialExploredFraction", (double) l.activeConnections() / l.connections());
                    for (String key : List.of("iterations", "dropped", "grown", "dropFraction", "active", "explored",
                            "exploredFraction")) {
                        fresh.put(key, new ArrayList<>());
                    }
                    return fresh;
                });
                add(m, "iterations", u.iteration());
                add(m, "dropped", l.dropped());
                add(m, "grown", l.grown());
                add(m, "dropFraction", l.dropFraction());
                add(m, "active", l.activeConnections());
                add(m, "explored", l.explored());
                add(m, "exploredFraction", l.exploredFraction());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("criterion", updates.get(updates.size() - 1).criterion());
        out.put("iterations", iterations);
        out.put("layers", layers);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static void add(Map<String, Object> m, String key, Object value) {
        ((List<Object>) m.get(key)).add(value);
    }

    private static Map<String, Object> degrees(ConnectivityReport c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("iteration", c.iteration());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (LayerConnectivity l : c.layers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("inDegree", summary(l.inDegree()));
            m.put("outDegree", summary(l.outDegree()));
            layers.add(m);
        }
        out.put("layers", layers);
        return out;
    }

    private static Map<String, Object> summary(DegreeSummary d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("units", d.units());
        m.put("dead", d.dead());
        m.put("min", d.min());
        m.put("max", d.max());
        m.put("mean", d.mean());
        m.put("total", d.total());
        m.put("binWidth", d.binWidth());
        m.put("histogram", d.histogram());
        return m;
    }

    private static Map<String, Object> heatMap(ConnectivityReport c) {
        InputConnectivity in = c.input();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iteration", c.iteration());
        m.put("layer", in.layer());
        m.put("shape", in.shape().toString());
        m.put("cellSize", in.cellSize());
        m.put("rows", in.rows());
        m.put("columns", in.columns());
        m.put("counts", in.counts());
        m.put("total", in.total());
        return m;
    }

    private static Map<String, Object> latest(SparsityReport r, Map<String, Double> targets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iteration", r.iteration());
        m.put("epoch", r.epoch());
        List<Map<String, Object>> layers = new ArrayList<>();
        for (LayerSparsity l : r.layers()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", l.name());
            row.put("nIn", l.nIn());
            row.put("nOut", l.nOut());
            row.put("targetSparsity", targets.get(l.name()));
            row.put("maskSparsity", l.maskSparsity());
            row.put("weightSparsity", l.weightSparsity());
            row.put("activeConnections", l.activeConnections());
            row.put("connections", l.connections());
            row.put("leaks", l.leaks());
            layers.add(row);
        }
        m.put("layers", layers);
        Map<String, Object> global = new LinkedHashMap<>();
        global.put("maskSparsity", r.maskSparsity());
        global.put("weightSparsity", r.weightSparsity());
        global.put("activeConnections", r.activeConnections());
        global.put("connections", r.connections());
        global.put("leaks", r.leaks());
        global.put("networkWeightSparsity", r.networkWeightSparsity());
        m.put("global", global);
        return m;
    }

    private static Map<String, Object> series(List<SparsityReport> reports) {
        List<Long> iterations = new ArrayList<>();
        List<Double> globalMask = new ArrayList<>();
        List<Double> globalWeight = new ArrayList<>();
        Map<String, List<Double>> perLayer = new LinkedHashMap<>();
        Map<String, List<Double>> perLayerWeight = new LinkedHashMap<>();
        for (SparsityReport r : reports) {
            iterations.add(r.iteration());
            globalMask.add(r.maskSparsity());
            globalWeight.add(r.weightSparsity());
            for (LayerSparsity l : r.layers()) {
                perLayer.computeIfAbsent(l.name(), k -> new ArrayList<>()).add(l.maskSparsity());
                perLayerWeight.computeIfAbsent(l.name(), k -> new ArrayList<>()).add(l.weightSparsity());
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("iterations", iterations);
        s.put("globalMaskSparsity", globalMask);
        s.put("globalWeightSparsity", globalWeight);
        s.put("layerMaskSparsity", perLayer);
        s.put("layerWeightSparsity", perLayerWeight);
        return s;
    }
}
