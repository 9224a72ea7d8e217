package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
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
 * What the Sparsity page shows for one session, read from a {@link StatsStorage}: the static info, the latest
 * report per layer and globally, and the sparsity series over iterations, as plain maps and lists ready for JSON.
 * Needs only {@code deeplearning4j-core}; the UI module serves it.
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
        if (staticInfo instanceof SparsityStaticInfo) {
            SparsityStaticInfo info = (SparsityStaticInfo) staticInfo;
            out.put("modelClass", info.modelClass());
            out.put("seed", info.seed());
            info.layers().forEach(l -> targets.put(l.name(), l.targetSparsity()));
        }
        List<SparsityReport> reports = new ArrayList<>();
        for (Persistable p : storage.getAllUpdatesAfter(sessionId, SparsityRecord.TYPE_ID, worker, 0L)) {
            if (p instanceof SparsityUpdate) {
                reports.add(((SparsityUpdate) p).toReport());
            }
        }
        out.put("updates", reports.size());
        if (!reports.isEmpty()) {
            out.put("latest", latest(reports.get(reports.size() - 1), targets));
        }
        out.put("series", series(reports));
        return out;
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
        for (SparsityReport r : reports) {
            iterations.add(r.iteration());
            globalMask.add(r.maskSparsity());
            globalWeight.add(r.weightSparsity());
            for (LayerSparsity l : r.layers()) {
                perLayer.computeIfAbsent(l.name(), k -> new ArrayList<>()).add(l.maskSparsity());
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("iterations", iterations);
        s.put("globalMaskSparsity", globalMask);
        s.put("globalWeightSparsity", globalWeight);
        s.put("layerMaskSparsity", perLayer);
        return s;
    }
}
