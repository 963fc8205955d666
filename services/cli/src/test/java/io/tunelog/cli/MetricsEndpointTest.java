package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.health.HealthServer;
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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Prometheus scrapes {@code /metrics} while an experiment runs on the real services and workers: the counters move. */
class MetricsEndpointTest {
    static final String INSTANCE = "metrics-test";

    /** Added before the platform starts, so that the meters of its loops and workers reach it. */
    static final PrometheusMeterRegistry PROMETHEUS = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    static {
        Metrics.addRegistry(PROMETHEUS);
    }

    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().instance(INSTANCE).workers("metrics-worker-", 2, 1);

    final HttpClient http = HttpClient.newHttpClient();

    @AfterAll
    static void removeRegistry() {
        Metrics.removeRegistry(PROMETHEUS);
    }

    @Test
    void shouldShowTheServicesAndWorkersCountersMovingDuringARun() throws Exception {
        KafkaClients clients = PLATFORM.clients();
        Path storage = PLATFORM.storage();
        try (HealthServer server = HealthServer.start("127.0.0.1", 0, List.of(), PROMETHEUS::scrape)) {
            URI metrics = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
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

            String early = scrapeUntil(metrics, m -> value(m, "tunelog_trials", "scheduler", "status=\"completed\"") >= 2);
            double completedEarly = value(early, "tunelog_trials", "scheduler", "status=\"completed\"");
            String later = scrapeUntil(metrics, m -> value(m, "tunelog_trials", "scheduler", "status=\"completed\"") >= completedEarly + 4);

            for (String service : List.of("scheduler", "suggestion", "registry")) {
                assertThat(value(later, "tunelog_events_folded_total", service, null))
                        .as(service + " events folded").isGreaterThan(value(early, "tunelog_events_folded_total", service, null));
            }
            // The registry decides only deletions, and a trial here keeps its one checkpoint.
            for (String service : List.of("scheduler", "suggestion")) {
                assertThat(value(later, "tunelog_decisions_total", service, null))
                        .as(service + " decisions").isGreaterThan(value(early, "tunelog_decisions_total", service, null));
            }
            assertThat(value(later, "tunelog_decisions_total", "registry", null)).as("registry decisions").isZero();
            assertThat(value(later, "tunelog_commands_total", "scheduler", "outcome=\"admitted\""))
                    .as("commands admitted").isGreaterThan(value(early, "tunelog_commands_total", "scheduler", "outcome=\"admitted\""));
            assertThat(value(later, "tunelog_decision_latency_seconds_count", "scheduler", null))
                    .as("decision latencies recorded").isGreaterThan(value(early, "tunelog_decision_latency_seconds_count", "scheduler", null));
            assertThat(later).contains("tunelog_decision_latency_seconds_bucket{");
            assertThat(value(later, "tunelog_workers", "scheduler", null)).as("workers heard").isEqualTo(2);
            assertThat(value(later, "tunelog_consumer_lag", "scheduler", null)).as("lag").isGreaterThanOrEqualTo(0);
            assertThat(later).contains("tunelog_worker_slots{worker=\"metrics-worker-1\"} 1.0");

            ExperimentState state = new ExperimentFollower(clients, new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
        }
    }

    /** Scrapes once a tenth of a second until the text satisfies the condition (the trials gauge moves once a second). */
    private String scrapeUntil(URI uri, java.util.function.Predicate<String> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            String text = scrape(uri);
            if (condition.test(text)) {
                return text;
            }
            assertThat(System.nanoTime()).as("the condition held within 60 s; last scrape:%n%s", text).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private String scrape(URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** The value of a sample of this loop's instance and service (and label, if given), or -1 when there is none. */
    private static double value(String text, String name, String service, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("instance=\"" + INSTANCE + "\"") && labels.contains("service=\"" + service + "\"")
                    && (label == null || labels.contains(label))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }
}
