package io.tunelog.loadtests;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.domain.decide.Decider;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.gateway.GatewayServer;
import io.tunelog.http.HttpSecurity;
import io.tunelog.http.Tokens;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.log.Integrity;
import io.tunelog.replay.ServiceCatalog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The HTTP API and the dashboard with a 10,000-trial experiment. The experiment is written to a local broker as
 * the services would write it: ASHA on 10 reports per trial, the three services' real deciders deciding as the
 * trials run 64 at a time, so the log holds rung decisions and stopped trials. Then a gateway folds it, and:
 * <ul>
 *   <li>each endpoint answers {@code requests} sequential requests, p50 and p99;</li>
 *   <li>the dashboard's data load, the four requests one refresh makes at once (summary, trials, curves,
 *       decisions), is timed {@code loads} times;</li>
 *   <li>when Debian's Chromium is installed, the real page is opened in it headless and reports its own load
 *       time (from its first request to the charts and table drawn), {@code loads} times.</li>
 * </ul>
 *
 * <pre>
 * java -cp "load-tests/target/tunelog-load-tests.jar:load-tests/target/lib/*" io.tunelog.loadtests.GatewayBenchmark \
 *     [trials=10000] [requests=100] [loads=10] [report.json=load-tests/target/gateway-benchmark.json]
 * </pre>
 */
public final class GatewayBenchmark {
    private static final int STEPS = 10;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int loads = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path report = args.length > 3 ? Path.of(args[3]) : Path.of("load-tests", "target", "gateway-benchmark.json");
        Map<String, Object> result = new LinkedHashMap<>();
        Path dir = Files.createTempDirectory("tunelog-gateway-benchmark");
        try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"), 0)) {
            KafkaClients clients = KafkaClients.of(broker.bootstrapServers());
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, Topics.Layout.LOCAL);
            }
            String id = "gateway-benchmark";
            long started = System.nanoTime();
            List<LoggedEvent> log = generate(id, trials);
            System.out.printf("generated %,d trials, %,d events in %.1f s%n", trials, log.size(), (System.nanoTime() - started) / 1e9);
            write(clients, log);
            result.put("trials", trials);
            result.put("events", log.size());

            started = System.nanoTime();
            // With a token, as the gateway is served: each request's cost includes checking it.
            String token = Tokens.newToken(new SecureRandom());
            Tokens tokens = Tokens.parse(Tokens.line(Tokens.Scope.READ, token, "benchmark"), "the benchmark's token");
            try (GatewayServer gateway = GatewayServer.start(clients, "127.0.0.1", 0, new HttpSecurity(tokens, null))) {
                String base = "http://127.0.0.1:" + gateway.port();
                HttpClient http = HttpClient.newHttpClient();
                String bearer = "Bearer " + token;
                awaitFolded(http, bearer, base + "/api/experiments/" + id, log.get(log.size() - 1).offset());
                double foldSeconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("the gateway folded the log in %.1f s%n", foldSeconds);
                result.put("gatewayFoldSeconds", foldSeconds);

                String api = base + "/api/experiments/" + id;
                Map<String, String> endpoints = new LinkedHashMap<>();
                endpoints.put("list", base + "/api/experiments");
                endpoints.put("summary", api);
                endpoints.put("trials", api + "/trials");
                endpoints.put("trials sorted by metric", api + "/trials?sort=metric&order=desc");
                endpoints.put("curves", api + "/curves");
                endpoints.put("decisions", api + "/decisions");
                endpoints.put("events page (1,000)", api + "/events?from=" + log.get(log.size() / 2).offset());
                endpoints.put("reports of a trial", api + "/trials/trial-05000/reports");
                Map<String, Object> perEndpoint = new LinkedHashMap<>();
                System.out.printf("%n| endpoint | bytes | p50 ms | p99 ms |%n|---|---:|---:|---:|%n");
                for (Map.Entry<String, String> e : endpoints.entrySet()) {
                    Samples micros = new Samples();
                    long bytes = 0;
                    for (int i = 0; i < requests + 5; i++) {
                        long t = System.nanoTime();
                        bytes = get(http, bearer, e.getValue()).length();
                        if (i >= 5) { // the first few warm the JIT
                            micros.add((System.nanoTime() - t) / 1_000);
                        }
                    }
                    perEndpoint.put(e.getKey(), Map.of("bytes", bytes, "p50Ms", micros.quantile(0.5) / 1000.0, "p99Ms", micros.quantile(0.99) / 1000.0));
                    System.out.printf("| %s | %,d | %.1f | %.1f |%n", e.getKey(), bytes, micros.quantile(0.5) / 1000.0, micros.quantile(0.99) / 1000.0);
                }
                result.put("endpoints", perEndpoint);

                Samples dataLoad = new Samples();
                for (int i = 0; i < loads + 2; i++) {
                    long t = System.nanoTime();
                    CompletableFuture.allOf(List.of(api, api + "/trials", api + "/curves", api + "/decisions").stream()
                            .map(u -> CompletableFuture.runAsync(() -> get(http, bearer, u))).toArray(CompletableFuture[]::new)).join();
                    if (i >= 2) {
                        dataLoad.add((System.nanoTime() - t) / 1_000);
                    }
                }
                System.out.printf("%nthe dashboard's data (4 requests at once): p50 %.0f ms, p99 %.0f ms%n",
                        dataLoad.quantile(0.5) / 1000.0, dataLoad.quantile(0.99) / 1000.0);
                result.put("dashboardDataLoad", Map.of("p50Ms", dataLoad.quantile(0.5) / 1000.0, "p99Ms", dataLoad.quantile(0.99) / 1000.0));
                if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
                    Samples page = pageLoads(base + "/?experiment=" + id, token, trials, loads);
                    System.out.printf("the dashboard in headless Chromium, data and drawing: p50 %d ms, max %d ms%n",
                            page.quantile(0.5), page.quantile(1.0));
                    result.put("dashboardPageLoad", Map.of("p50Ms", page.quantile(0.5), "maxMs", page.quantile(1.0), "loads", page.size()));
                } else {
                    System.out.println("no Chromium: the page itself was not timed");
                }
            }
            Files.createDirectories(report.toAbsolutePath().getParent());
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), result);
            System.out.println("report: " + report);
        } finally {
            ScratchDirectory.delete(dir);
        }
        System.exit(0);
    }

    /** Trials run 64 at a time, each reporting up to 10 results; the three services decide after every worker event. */
    static List<LoggedEvent> generate(String id, int trials) {
        LogBuilder log = LogBuilder.submitted(id, """
                name: gateway-benchmark
                metric: {name: val_accuracy, mode: max}
                seed: 11
                budget: {trials: %d, concurrent: 64}
                searchSpace:
                  lr: {loguniform: [0.0001, 0.1]}
                  depth: {randint: [2, 12]}
                  booster: {choice: [gbtree, dart]}
                scheduler: {type: asha, maxT: %d, gracePeriod: 1, reductionFactor: 3}
                trial: {command: [train]}
                """.formatted(trials, STEPS));
        List<Decider> deciders = new ArrayList<>(ServiceCatalog.deciders().values());
        Random random = new Random(3);
        ExperimentLogGenerator.decideAll(log, deciders);
        int turn = 0;
        while (!log.state().status().isFinished()) {
            List<TrialState> live = log.state().openTrials().stream()
                    .filter(t -> t.status() == TrialStatus.QUEUED || t.status() == TrialStatus.RUNNING).toList();
            TrialState t = live.get(turn++ % live.size());
            if (t.status() == TrialStatus.QUEUED) {
                log.started(t.trialId(), t.attempt());
            } else {
                long step = Math.max(1, t.lastStepOfCurrentAttempt() + 1);
                if (step > STEPS) {
                    log.completed(t.trialId(), t.attempt());
                } else {
                    double quality = (Double) t.config().get("lr") * 10;
                    log.reported(t.trialId(), t.attempt(), step, Map.of("val_accuracy",
                            Math.min(1, quality) * (1 - Math.exp(-step / 3.0)) + 0.01 * random.nextGaussian()));
                }
            }
            ExperimentLogGenerator.decideAll(log, deciders);
        }
        return log.events();
    }

    private static void write(KafkaClients clients, List<LoggedEvent> log) throws Exception {
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        try (KafkaProducer<String, byte[]> producer = clients.producer("gateway-benchmark-writer", null)) {
            for (LoggedEvent e : log) {
                producer.send(writer.next(e));
            }
            producer.flush();
        }
    }

    private static void awaitFolded(HttpClient http, String bearer, String summary, long lastOffset) throws Exception {
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(summary)).header("Authorization", bearer).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && new ObjectMapper().readTree(r.body()).get("lastOffset").asLong() >= lastOffset) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the gateway did not fold the log within 5 minutes");
    }

    private static String get(HttpClient http, String bearer, String url) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", bearer).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (Exception e) {
            throw new IllegalStateException("GET " + url + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens the page {@code loads} times; each time it reports how long its own first refresh took (data-load-millis).
     * The first load hands it the token in the fragment, which it keeps for the tab; the others load the page afresh
     * (a link that differed only by its fragment would not reload it).
     */
    private static Samples pageLoads(String url, String token, int trials, int loads) {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
        Samples millis = new Samples();
        try {
            for (int i = 0; i < loads + 1; i++) {
                browser.get(i == 0 ? url + "#token=" + token : url);
                long deadline = System.nanoTime() + 120_000_000_000L;
                String load = null;
                while (System.nanoTime() < deadline) {
                    String drawn = browser.findElement(By.tagName("body")).getAttribute("data-trials");
                    load = browser.findElement(By.tagName("body")).getAttribute("data-load-millis");
                    if (load != null && String.valueOf(trials).equals(drawn)) {
                        break;
                    }
                    sleep(50);
                }
                if (load == null) {
                    throw new IllegalStateException("the page did not draw " + trials + " trials within 2 minutes");
                }
                if (i > 0) { // the first warms the browser's caches and the gateway
                    millis.add(Long.parseLong(load));
                }
            }
        } finally {
            browser.quit();
        }
        return millis;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
