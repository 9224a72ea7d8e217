package io.github.dl4jsparse.ui;

import io.github.dl4jsparse.listeners.SparsityListener;
import io.github.dl4jsparse.sparsity.LayerSparsity;
import io.github.dl4jsparse.sparsity.SparsityReport;
import io.github.dl4jsparse.testutil.TestData;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.VertxUIServer;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @BeforeAll
    static void trainWithTheUiAttached() {
        server = VertxUIServer.getInstance(0, false, null); // port 0: any free port
        storage = new InMemoryStatsStorage();
        server.attach(storage);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2)).list()
                .layer(new SparseLinear.Builder().name("fc1").nOut(64).sparsity(0.9).activation(Activation.RELU).build())
                .layer(new SparseLinear.Builder().name("fc2").nOut(32).sparsity(0.75).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(20))
                .build();
        net = new MultiLayerNetwork(conf);
        net.init();
        listener = SparsityListener.builder().frequency(5).router(storage).sessionId("browser-test").build();
        net.setListeners(listener);
        DataSet data = TestData.classification(64, 20, 4, 3, DataType.FLOAT);
        for (int i = 0; i < 21; i++) { // iterations 0..20: the last one is reported
            net.fit(data);
        }
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
        assertEquals("[\"browser-test\"]", sessions.body());
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

        Path shots = Path.of("target", "ui-screenshots");
        Files.createDirectories(shots);
        Path png = shots.resolve("sparsity-page.png").toAbsolutePath();
        Files.deleteIfExists(png);
        run(chromium, "--screenshot=" + png, "--window-size=960,760", "--hide-scrollbars", page);
        assertTrue(Files.exists(png) && Files.size(png) > 10_000, "no screenshot at " + png);
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
