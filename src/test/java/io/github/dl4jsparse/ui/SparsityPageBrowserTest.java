package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.connectivity.ConnectivityReport;
import io.github.dl4jsparse.connectivity.DegreeSummary;
import io.github.dl4jsparse.connectivity.ImageShape;
import io.github.dl4jsparse.connectivity.LayerConnectivity;
import io.github.dl4jsparse.dynamic.LayerUpdate;
import io.github.dl4jsparse.dynamic.MaskUpdate;
import io.github.dl4jsparse.dynamic.PruneRegrowListener;
import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.StatsFiles;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.VertxUIServer;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.deeplearning4j.ui.model.storage.InMemoryStatsStorage;
import io.github.dl4jsparse.layers.SparseLinear;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Sparsity page end to end: DL4J's UI server on a free port with the module loaded by the service loader, a
 * network trained with a {@link SparsityListener} posting to the attached storage, the page's JSON compared with
 * {@link SparsityReport#of}, and the page rendered by headless Chromium, whose table must show the same figures.
 * The screenshot is kept in {@code target/ui-screenshots/sparsity-page.png}.
 *
 * <p>Chromium: {@code /usr/bin/chromium} (Debian's package, which {@code .ci/run} installs) or
 * {@code -Ddl4jsparse.chromium=PATH}. Without it the browser part is skipped, unless the environment variable
 * {@code DL4JSPARSE_REQUIRE_BROWSER=1} is set (as {@code .ci/run} does), which makes a missing browser a failure.
 */
class SparsityPageBrowserTest {

    private static VertxUIServer server;
    private static InMemoryStatsStorage storage;
    private static MultiLayerNetwork net;
    private static SparsityListener listener;
    private static MultiLayerNetwork riglNet;
    private static String attachLog;
    private static SparsityListener riglSparsity;
    private static PruneRegrowListener rigl;
    private static final ImageShape SHAPE = ImageShape.of(4, 5, 1);

    @BeforeAll
    static void trainWithTheUiAttached() {
        server = VertxUIServer.getInstance(0, false, null); // port 0: any free port
        storage = new InMemoryStatsStorage();
        attachLog = io.github.dl4jsparse.testutil.CapturedOutput.stderr(() -> server.attach(storage));
        net = new MultiLayerNetwork(conf());
        net.init();
        listener = SparsityListener.builder().frequency(5).router(storage).sessionId("browser-test").build();
        net.setListeners(listener);
        DataSet data = TestData.classification(64, 20, 4, 3, DataType.FLOAT);
        for (int i = 0; i < 21; i++) { // iterations 0..20: the last one is reported
            net.fit(data);
        }

        // the same network under RigL, with the input shape given for the heat map
        riglNet = new MultiLayerNetwork(conf());
        riglNet.init();
        rigl = PruneRegrowListener.rigl().deltaT(3).plannedIterations(40).build();
        riglSparsity = SparsityListener.builder().frequency(5).router(storage).sessionId("rigl-test").inputShape(4, 5).build();
        riglNet.setListeners(rigl, riglSparsity);
        for (int i = 0; i < 31; i++) {
            riglNet.fit(data);
        }
    }

    private static MultiLayerConfiguration conf() {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2)).list()
                .layer(new SparseLinear.Builder().name("fc1").nOut(64).sparsity(0.9).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().name("fc2").nOut(32).sparsity(0.75).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(20))
                .build();
    }

    @AfterAll
    static void stopTheServer() throws Exception {
        VertxUIServer.stopInstance();
    }

    private static String url(String path) {
        return "http://localhost:" + server.getPort() + path;
    }

    @Test
    void thePageDataEqualsTheSparsityReportOfTheTrainedModel() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url("/sparsity/data/browser-test"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode data = new ObjectMapper().readTree(response.body());
        SparsityReport expected = SparsityReport.of(net);
        JsonNode latest = data.get("latest");
        assertEquals(net.getIterationCount() - 1, latest.get("iteration").asLong());
        assertEquals(5, data.get("updates").asInt()); // iterations 0, 5, 10, 15, 20
        for (int i = 0; i < expected.layers().size(); i++) {
            LayerSparsity l = expected.layers().get(i);
            JsonNode row = latest.get("layers").get(i);
            assertEquals(l.name(), row.get("name").asText());
            assertEquals(l.maskSparsity(), row.get("maskSparsity").asDouble());
            assertEquals(l.weightSparsity(), row.get("weightSparsity").asDouble());
            assertEquals(l.activeConnections(), row.get("activeConnections").asLong());
            assertEquals(l.leaks(), row.get("leaks").asLong());
        }
        assertEquals(0.9, latest.get("layers").get(0).get("targetSparsity").asDouble());
        assertEquals(expected.maskSparsity(), latest.get("global").get("maskSparsity").asDouble());
        assertEquals(expected.activeConnections(), latest.get("global").get("activeConnections").asLong());
        assertEquals(5, data.get("series").get("iterations").size());

        HttpResponse<String> sessions = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url("/sparsity/sessions"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(java.util.Set.of("browser-test", "rigl-test"),
                java.util.Set.copyOf(List.of(new ObjectMapper().readValue(sessions.body(), String[].class))));
        HttpResponse<String> missing = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url("/sparsity/data/nope"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
    }

    @Test
    void aRealBrowserShowsTheReportInTheTable() throws Exception {
        Path chromium = chromium();
        String page = url("/sparsity?session=browser-test");
        String dom = run(chromium, "--dump-dom", page);
        SparsityReport expected = SparsityReport.of(net);
        for (LayerSparsity l : expected.layers()) {
            String row = row(dom, l.name());
            assertEquals(l.nIn() + "x" + l.nOut(), cell(row, "shape"));
            assertEquals(fixed4(l.maskSparsity()), cell(row, "mask-sparsity"));
            assertEquals(fixed4(l.weightSparsity()), cell(row, "weight-sparsity"));
            assertEquals(l.activeConnections() + " / " + l.connections(), cell(row, "active"));
            assertEquals(String.valueOf(l.leaks()), cell(row, "leaks"));
        }
        assertEquals("0.9000", cell(row(dom, "fc1"), "target"));
        assertEquals("0.7500", cell(row(dom, "fc2"), "target"));
        String global = row(dom, "global");
        assertEquals(fixed4(expected.maskSparsity()), cell(global, "mask-sparsity"));
        assertEquals(expected.activeConnections() + " / " + expected.connections(), cell(global, "active"));
        assertTrue(dom.contains("iteration " + (net.getIterationCount() - 1)), "status line missing");
        assertTrue(dom.contains("<polyline"), "the chart has no lines");

        // one panel for the network and one per layer, each with its own axis around its own lines: fc1 (0.9) and fc2
        // (0.75) never share one, and a panel's mask and weight lines lie inside its axis
        List<String> panels = tags(dom, "svg", "sparsity-panel");
        assertEquals(List.of("global", "fc1", "fc2"), panels.stream().map(t -> attr(t, "data-layer")).toList());
        List<String> maskLines = tags(dom, "polyline", "mask");
        List<String> weightLines = tags(dom, "polyline", "weight");
        assertEquals(3, maskLines.size());
        assertEquals(3, weightLines.size());
        for (int i = 0; i < panels.size(); i++) {
            double lo = Double.parseDouble(attr(panels.get(i), "data-lo"));
            double hi = Double.parseDouble(attr(panels.get(i), "data-hi"));
            assertTrue(hi - lo >= 0.01 - 1e-12 && hi - lo <= 0.1, panels.get(i));
            for (String line : List.of(maskLines.get(i), weightLines.get(i))) {
                double[] values = doubles(attr(line, "data-values"));
                assertEquals(5, values.length);
                for (double v : values) {
                    assertTrue(v >= lo && v <= hi, v + " outside " + panels.get(i));
                }
            }
        }
        assertEquals(0.9, doubles(attr(maskLines.get(1), "data-values"))[4], 1e-3);
        assertEquals(0.75, doubles(attr(maskLines.get(2), "data-values"))[4], 1e-3);
        assertTrue(Double.parseDouble(attr(panels.get(1), "data-lo")) > Double.parseDouble(attr(panels.get(2), "data-hi")),
                "fc1's axis lies above fc2's");

        Path shots = Path.of("target", "ui-screenshots");
        Files.createDirectories(shots);
        Path png = shots.resolve("sparsity-page.png").toAbsolutePath();
        Files.deleteIfExists(png);
        run(chromium, "--screenshot=" + png, "--window-size=960,760", "--hide-scrollbars", page);
        assertTrue(Files.exists(png) && Files.size(png) > 10_000, "no screenshot at " + png);
    }

    @Test
    void aRigLRunsChartsShowTheListenersRecords() throws Exception {
        Path chromium = chromium();
        String page = url("/sparsity?session=rigl-test");
        String dom = run(chromium, "--dump-dom", page);
        assertTrue(Pattern.compile("id=\"rewiring-none\"[^>]*hidden").matcher(dom).find(), "the static note is hidden");
        assertFalse(Pattern.compile("id=\"rewiring-charts\"[^>]*hidden").matcher(dom).find(), "the charts are shown");
        assertTrue(dom.contains("id=\"back-to-train\" href=\"/train\""), "a link back to the DL4J UI");

        // dropped and grown per update: one bar each, the sums over the layers of the listener's own records
        List<MaskUpdate> updates = rigl.updates();
        assertEquals(10, updates.size(), "updates at steps 3, 6, ..., 30");
        List<String> grown = tags(dom, "rect", "bar-grown");
        List<String> dropped = tags(dom, "rect", "bar-dropped");
        assertEquals(updates.size(), grown.size());
        assertEquals(updates.size(), dropped.size());
        for (int u = 0; u < updates.size(); u++) {
            assertEquals(String.valueOf(updates.get(u).iteration()), attr(grown.get(u), "data-iteration"));
            assertEquals(updates.get(u).grown(), Long.parseLong(attr(grown.get(u), "data-value")));
            assertEquals(updates.get(u).dropped(), Long.parseLong(attr(dropped.get(u), "data-value")));
            assertEquals(updates.get(u).dropped(), updates.get(u).grown(), "dropped = grown");
        }
        assertTrue(updates.get(0).grown() > 0);
        double[] fractions = doubles(attr(tags(dom, "polyline", "drop-fraction").get(0), "data-values"));
        for (int u = 0; u < updates.size(); u++) {
            assertEquals(updates.get(u).layers().get(0).dropFraction(), fractions[u], 1e-15);
        }
        assertTrue(fractions[0] > fractions[updates.size() - 1], "the cosine decay shows");

        // explored per layer: the listener's counts, never below the active ones
        List<String> explored = tags(dom, "polyline", "explored");
        assertEquals(2, explored.size());
        for (int i = 0; i < 2; i++) {
            String line = explored.get(i);
            assertEquals(i == 0 ? "fc1" : "fc2", attr(line, "data-layer"));
            double[] e = doubles(attr(line, "data-explored"));
            double[] a = doubles(attr(line, "data-active"));
            for (int u = 0; u < updates.size(); u++) {
                LayerUpdate l = updates.get(u).layers().get(i);
                assertEquals(l.explored(), (long) e[u]);
                assertEquals(l.activeConnections(), (long) a[u]);
                assertTrue(e[u] >= a[u], "explored >= active");
                assertEquals(l.exploredFraction(), doubles(attr(line, "data-values"))[u], 1e-15);
            }
        }

        // the heat maps: the first is the first report's, the latest equals the network's now, cell by cell
        long fc1Active = SparsityReport.of(riglNet).layers().get(0).activeConnections();
        List<Long> first = counts(svg(dom, "heatmap-first"));
        List<Long> latest = counts(svg(dom, "heatmap-latest"));
        assertEquals(20, first.size());
        assertEquals(fc1Active, first.stream().mapToLong(Long::longValue).sum(), "first map total = fc1's active count");
        assertEquals(fc1Active, latest.stream().mapToLong(Long::longValue).sum(), "latest map total = fc1's active count");
        long[] expected = ConnectivityReport.of(riglNet, SHAPE).input().counts();
        assertArrayEquals(expected, latest.stream().mapToLong(Long::longValue).toArray());
        assertArrayEquals(riglSparsity.firstConnectivity().input().counts(), first.stream().mapToLong(Long::longValue).toArray());
        assertFalse(first.equals(latest), "RigL moved fc1's connections between the first and the latest report");

        // degree histograms and dead units, per layer and side, as the listener measured them
        ConnectivityReport c = riglSparsity.latestConnectivity();
        for (LayerConnectivity l : c.layers()) {
            for (String side : List.of("in", "out")) {
                DegreeSummary d = side.equals("in") ? l.inDegree() : l.outDegree();
                String hist = histogram(dom, l.name(), side);
                assertArrayEquals(d.histogram(), counts(hist).stream().mapToLong(Long::longValue).toArray(), l.name() + " " + side);
                Matcher dead = Pattern.compile("<span class=\"dead\" data-layer=\"" + l.name() + "\" data-side=\"" + side
                        + "\">(\\d+)</span>").matcher(dom);
                assertTrue(dead.find(), "dead count of " + l.name() + " " + side);
                assertEquals(d.dead(), Long.parseLong(dead.group(1)));
            }
        }

        Path png = screenshot(chromium, page, "sparsity-rigl.png", "1000,1900");
        assertTrue(Files.size(png) > 30_000, "screenshot " + png);
    }

    @Test
    void anUnreadableRecordIsNamedOnThePageAndTheRestIsShown(@org.junit.jupiter.api.io.TempDir File dir) throws Exception {
        File file = new File(dir, "damaged.dl4j");
        FileStatsStorage written = new FileStatsStorage(file);
        MultiLayerNetwork damaged = new MultiLayerNetwork(conf());
        damaged.init();
        damaged.setListeners(SparsityListener.builder().frequency(5).router(written).sessionId("damaged").build());
        DataSet data = TestData.classification(64, 20, 4, 3, DataType.FLOAT);
        for (int i = 0; i < 16; i++) { // reports at iterations 0, 5, 10, 15
            damaged.fit(data);
        }
        List<org.deeplearning4j.core.storage.Persistable> records = new ArrayList<>(
                written.getAllUpdatesAfter("damaged", io.github.dl4jsparse.stats.SparsityRecord.TYPE_ID, "worker-0", 0L));
        records.sort(java.util.Comparator.comparingLong(org.deeplearning4j.core.storage.Persistable::getTimeStamp));
        written.close();
        byte[] bytes = Files.readAllBytes(file.toPath());
        assertEquals(1, StatsFiles.patch(bytes, StatsFiles.header(records.get(1)), 0, (byte) 9)); // iteration 5's
        Files.write(file.toPath(), bytes);

        FileStatsStorage reopened = new FileStatsStorage(file);
        server.attach(reopened);
        try {
            String dom = run(chromium(), "--dump-dom", url("/sparsity?session=damaged"));
            Matcher error = Pattern.compile("<p class=\"record-error\">(.*?)</p>").matcher(dom);
            assertTrue(error.find(), "the error is shown:\n" + dom);
            assertEquals("Unreadable record: update record 2 of 4 (timestamp " + records.get(1).getTimeStamp() + ", "
                    + java.time.Instant.ofEpochMilli(records.get(1).getTimeStamp()) + "): SparsityUpdate record of "
                    + records.get(1).encode().length + " bytes: unsupported format version 9, this library reads versions "
                    + "1 to 2", error.group(1));
            assertFalse(error.find(), "one error");
            assertTrue(dom.contains("iteration 15, epoch 0 (3 reports)"), "the other three reports are shown");
            assertEquals(fixed4(SparsityReport.of(damaged).layers().get(0).maskSparsity()), cell(row(dom, "fc1"), "mask-sparsity"));
        } finally {
            server.detach(reopened);
            reopened.close();
        }
    }

    /** A stats file of format version 1 (the previous version of this library) shows the page as it did. */
    @Test
    void aFormatVersion1FileShowsThePage(@org.junit.jupiter.api.io.TempDir File dir) throws Exception {
        File file = new File(dir, "v1.dl4j");
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
                getClass().getResourceAsStream("/stats/format-v1-session.dl4j.gz"))) {
            Files.copy(in, file.toPath());
        }
        FileStatsStorage v1 = new FileStatsStorage(file);
        server.attach(v1);
        try {
            String dom = run(chromium(), "--dump-dom", url("/sparsity?session=v1-session"));
            assertEquals("12x16", cell(row(dom, "fc1"), "shape"));
            assertEquals("0.8021", cell(row(dom, "fc1"), "mask-sparsity"), "154 of 192 masked");
            assertEquals("0", cell(row(dom, "fc1"), "leaks"));
            assertTrue(dom.contains("iteration 4, epoch 0 (3 reports)"), "status line");
            assertFalse(dom.contains("<p class=\"record-error\">"), "no unreadable records");
            assertTrue(Pattern.compile("id=\"rewiring-charts\"[^>]*hidden").matcher(dom).find());
            assertTrue(Pattern.compile("id=\"degree-section\"[^>]*hidden").matcher(dom).find(), "no degrees in format 1");
            assertTrue(dom.contains("<polyline"), "the sparsity chart is drawn");
        } finally {
            server.detach(v1);
            v1.close();
        }
    }

    @Test
    void attachingAStorageLogsThePagesAddress() {
        assertTrue(attachLog.contains("Sparsity page: " + server.getAddress() + "/sparsity"), attachLog);
    }

    @Test
    void aStaticSessionShowsNoRewiringCharts() throws Exception {
        String dom = run(chromium(), "--dump-dom", url("/sparsity?session=browser-test"));
        assertFalse(Pattern.compile("id=\"rewiring-none\"[^>]*hidden").matcher(dom).find(), "the static note shows");
        assertTrue(dom.contains("No prune-and-regrow updates recorded in this session yet"), "the note, once data came");
        HttpResponse<String> beforeScript = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url("/sparsity"))).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(beforeScript.body().contains("<p class=\"note\" id=\"rewiring-none\">Loading the session's records...</p>"),
                "until the data arrive the page says it is loading, not that the masks are static");
        assertTrue(Pattern.compile("id=\"rewiring-charts\"[^>]*hidden").matcher(dom).find(), "no rewiring charts");
        assertTrue(Pattern.compile("id=\"input-section\"[^>]*hidden").matcher(dom).find(), "no image: no heat map");
        assertEquals(0, tags(dom, "rect", "bar-grown").size());
        assertEquals(listener.latestConnectivity().layers().get(0).inDegree().dead(),
                Long.parseLong(Pattern.compile("<span class=\"dead\" data-layer=\"fc1\" data-side=\"in\">(\\d+)</span>")
                        .matcher(dom).results().findFirst().orElseThrow().group(1)));
    }

    private static Path screenshot(Path chromium, String page, String name, String size) throws Exception {
        Path shots = Path.of("target", "ui-screenshots");
        Files.createDirectories(shots);
        Path png = shots.resolve(name).toAbsolutePath();
        Files.deleteIfExists(png);
        run(chromium, "--screenshot=" + png, "--window-size=" + size, "--hide-scrollbars", page);
        assertTrue(Files.exists(png), "no screenshot at " + png);
        return png;
    }

    /** The opening tags {@code <tag ... class="cls" ...>} in document order. */
    private static List<String> tags(String dom, String tag, String cls) {
        Matcher m = Pattern.compile("<" + tag + "\\b[^>]*\\bclass=\"" + Pattern.quote(cls) + "\"[^>]*>").matcher(dom);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    private static String attr(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(name) + "=\"([^\"]*)\"").matcher(tag);
        assertTrue(m.find(), "no " + name + " in " + tag);
        return m.group(1);
    }

    private static double[] doubles(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
    }

    /** The content of {@code <svg id="id">...</svg>}. */
    private static String svg(String dom, String id) {
        Matcher m = Pattern.compile("<svg id=\"" + Pattern.quote(id) + "\"[^>]*>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
        assertTrue(m.find(), "no svg " + id);
        return m.group(1);
    }

    private static String histogram(String dom, String layer, String side) {
        Matcher m = Pattern.compile("<svg[^>]*data-layer=\"" + Pattern.quote(layer) + "\" data-side=\"" + side
                + "\"[^>]*>(.*?)</svg>", Pattern.DOTALL).matcher(dom);
        assertTrue(m.find(), "no histogram " + layer + " " + side);
        return m.group(1);
    }

    /** The {@code data-count} of every element, in document order. */
    private static List<Long> counts(String fragment) {
        List<Long> out = new ArrayList<>();
        Matcher m = Pattern.compile("data-count=\"(\\d+)\"").matcher(fragment);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    private static String fixed4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String row(String dom, String layer) {
        Matcher m = Pattern.compile("<tr[^>]*data-layer=\"" + Pattern.quote(layer) + "\"[^>]*>(.*?)</tr>", Pattern.DOTALL).matcher(dom);
        assertTrue(m.find(), "the page shows no row for " + layer + ":\n" + dom);
        return m.group(1);
    }

    private static String cell(String row, String cls) {
        Matcher m = Pattern.compile("<td class=\"" + Pattern.quote(cls) + "[^\"]*\">(.*?)</td>", Pattern.DOTALL).matcher(row);
        assertTrue(m.find(), "no cell " + cls + " in " + row);
        return m.group(1);
    }

    private static Path chromium() {
        String configured = System.getProperty("dl4jsparse.chromium");
        List<Path> candidates = new ArrayList<>();
        if (configured != null) {
            candidates.add(Path.of(configured));
        }
        candidates.add(Path.of("/usr/bin/chromium"));
        candidates.add(Path.of("/usr/bin/chromium-browser"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if ("1".equals(System.getenv("DL4JSPARSE_REQUIRE_BROWSER"))) {
            fail("DL4JSPARSE_REQUIRE_BROWSER=1 but no Chromium at " + candidates + " (apt-get install chromium)");
        }
        assumeTrue(false, "no Chromium at " + candidates + "; install it (apt-get install chromium) to run the browser test");
        return null;
    }

    /** Runs headless Chromium on the page and returns its standard output. */
    private static String run(Path chromium, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--virtual-time-budget=5000"));
        command.addAll(List.of(args));
        File log = File.createTempFile("chromium", ".log");
        Process p = new ProcessBuilder(command).redirectError(log).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("Chromium did not finish within 90 s: " + command);
        }
        assertNotNull(out);
        assertEquals(0, p.exitValue(), () -> "Chromium failed: " + command + "\n" + readQuietly(log));
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String readQuietly(File f) {
        try {
            return Files.readString(f.toPath());
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
