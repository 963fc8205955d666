package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.gateway.GatewayServer;
import io.tunelog.health.HealthServer;
import io.tunelog.http.HttpSecurity;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.platform.testing.PlatformExtension;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Prometheus scrapes {@code /metrics}, served as `tunelog services`, `worker` and `gateway` serve it, while an
 * experiment runs on the real services and workers: the counters move, the text parses as Prometheus's exposition
 * format, no sample carries an {@code instance} label (Prometheus sets that one per scrape target), and every name
 * of ours ends in its unit as Prometheus's naming asks.
 */
class MetricsEndpointTest {
    /** Units our gauges and histograms may end in: time, and the things a gauge counts. */
    static final Pattern UNIT = Pattern.compile("_(seconds|bytes|records|trials|workers|slots|attempts|reports)$");

    /** Every family of ours a run with services, workers and a gateway exposes, as Prometheus names them. */
    private static final Set<String> OURS = Set.of("tunelog_events_folded_total", "tunelog_decisions_total",
            "tunelog_commands_total", "tunelog_decision_latency_seconds", "tunelog_decision_latency_seconds_max",
            "tunelog_consumer_lag_records", "tunelog_trials", "tunelog_workers", "tunelog_worker_held_seconds",
            "tunelog_worker_held_seconds_max", "tunelog_worker_slots", "tunelog_worker_running_attempts",
            "tunelog_worker_in_flight_reports", "tunelog_gateway_requests_seconds", "tunelog_gateway_requests_seconds_max");

    /** The registry the CLI serves, added before the platform starts so that its loops' and workers' meters reach it. */
    static final PrometheusMeterRegistry PROMETHEUS = HealthOptions.prometheusRegistry();

    static {
        Metrics.addRegistry(PROMETHEUS);
    }

    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().instance("metrics-test").workers("metrics-worker-", 2, 1);

    final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    static void removeRegistry() {
        Metrics.removeRegistry(PROMETHEUS);
    }

    @Test
    void shouldShowTheServicesWorkersAndGatewaysMetersMovingDuringARunNamedAsPrometheusAsks() throws Exception {
        KafkaClients clients = PLATFORM.clients();
        Path storage = PLATFORM.storage();
        try (HealthServer server = HealthServer.start("127.0.0.1", 0, List.of(), PROMETHEUS::scrape);
                GatewayServer gateway = GatewayServer.start(clients, "127.0.0.1", 0, new HttpSecurity(null, null))) {
            URI metrics = URI.create("http://127.0.0.1:" + server.port() + HealthServer.METRICS);
            Path spec = Files.writeString(storage.resolve("spec.yaml"), """
                    name: metrics
                    metric: {name: score, mode: max}
                    seed: 3
                    budget: {trials: 60, concurrent: 2}
                    searchSpace:
                      x: {uniform: [-1, 1]}
                      y: {uniform: [-1, 1]}
                    trial:
                      trainable: io.tunelog.cli.QuadraticTrainable
                    """);
            String id = "metrics-" + System.nanoTime();
            ExperimentFollower.submit(clients, id, SpecFile.read(spec));

            Exposition early = scrapeUntil(metrics, m -> m.value("tunelog_trials", "scheduler", "status", "completed") >= 2);
            double completedEarly = early.value("tunelog_trials", "scheduler", "status", "completed");
            Exposition later = scrapeUntil(metrics, m -> m.value("tunelog_trials", "scheduler", "status", "completed") >= completedEarly + 4);

            for (String service : List.of("scheduler", "suggestion", "registry")) {
                assertThat(later.value("tunelog_events_folded_total", service))
                        .as(service + " events folded").isGreaterThan(early.value("tunelog_events_folded_total", service));
            }
            // The registry decides only deletions, and a trial here keeps its one checkpoint.
            for (String service : List.of("scheduler", "suggestion")) {
                assertThat(later.value("tunelog_decisions_total", service))
                        .as(service + " decisions").isGreaterThan(early.value("tunelog_decisions_total", service));
            }
            assertThat(later.value("tunelog_decisions_total", "registry")).as("registry decisions").isZero();
            assertThat(later.value("tunelog_commands_total", "scheduler", "outcome", "admitted"))
                    .as("commands admitted").isGreaterThan(early.value("tunelog_commands_total", "scheduler", "outcome", "admitted"));
            assertThat(later.value("tunelog_decision_latency_seconds_count", "scheduler"))
                    .as("decision latencies recorded").isGreaterThan(early.value("tunelog_decision_latency_seconds_count", "scheduler"));
            assertThat(later.samples()).anyMatch(s -> s.name().equals("tunelog_decision_latency_seconds_bucket"));
            assertThat(later.value("tunelog_workers", "scheduler")).as("workers heard").isEqualTo(2);
            assertThat(later.value("tunelog_consumer_lag_records", "scheduler")).as("lag").isGreaterThanOrEqualTo(0);
            assertThat(later.find("tunelog_worker_slots", Map.of("worker", "metrics-worker-1"))).as("slots").isEqualTo(1);

            awaitCaughtUp(gateway);
            HttpResponse<String> listed = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + "/api/experiments")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).isEqualTo(200);
            Exposition all = Exposition.parse(scrape(metrics));
            assertThat(all.find("tunelog_gateway_requests_seconds_count", Map.of("route", "/api/experiments", "status", "200")))
                    .as("gateway requests timed").isGreaterThanOrEqualTo(1);

            assertThat(all.families().keySet().stream().filter(n -> n.startsWith("tunelog_")).toList())
                    .as("families of ours").containsExactlyInAnyOrderElementsOf(OURS);
            assertThat(namingProblems(all)).isEmpty();

            ExperimentState state = new ExperimentFollower(clients, new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        }
    }

    /**
     * What breaks Prometheus's conventions, one line each: a sample labelled {@code instance}, a counter of ours not
     * ending in {@code _total}, a gauge (Micrometer's {@code _max} aside), histogram or summary of ours not ending in its unit.
     * Samples end in their family's {@code _bucket}, {@code _count} or {@code _sum} only as the parse allows.
     */
    static List<String> namingProblems(Exposition text) {
        List<String> problems = new ArrayList<>();
        text.samples().stream().filter(s -> s.labels().containsKey("instance")).forEach(s -> problems.add(s.name() + ": labelled instance"));
        text.families().forEach((name, type) -> {
            if (!name.startsWith("tunelog_")) {
                return;
            }
            boolean named = switch (type) {
                case "counter" -> name.endsWith("_total");
                case "histogram", "summary" -> UNIT.matcher(name).find();
                case "gauge" -> UNIT.matcher(name.replaceFirst("_max$", "")).find();
                default -> false;
            };
            if (!named) {
                problems.add(name + ": a " + type + (type.equals("counter") ? " not ending in _total" : " not ending in its unit"));
            }
        });
        return problems;
    }

    private static void awaitCaughtUp(GatewayServer gateway) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!gateway.caughtUp()) {
            assertThat(System.nanoTime()).as("gateway caught up within 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    /** Scrapes once a tenth of a second until the text satisfies the condition (the trials gauge moves once a second). */
    private Exposition scrapeUntil(URI uri, java.util.function.Predicate<Exposition> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            String text = scrape(uri);
            Exposition parsed = Exposition.parse(text);
            if (condition.test(parsed)) {
                return parsed;
            }
            assertThat(System.nanoTime()).as("the condition held within 60 s; last scrape:%n%s", text).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private String scrape(URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        return response.body();
    }
}
