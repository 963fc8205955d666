package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.avro.CancelExperiment;
import io.tunelog.avro.WorkerHeartbeat;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.gateway.GatewayServer;
import io.tunelog.http.testing.TestTls;
import io.tunelog.http.testing.TestTokens;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.broker.LocalBroker;
import io.tunelog.platform.Platform;
import io.tunelog.registry.RegistryService;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.FileCheckpointStore;
import io.tunelog.replay.Audit;
import io.tunelog.replay.AuditReport;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.results.Json;
import io.tunelog.scheduler.SchedulingService;
import io.tunelog.service.ServiceLogic;
import io.tunelog.service.ServiceRunner;
import io.tunelog.suggestion.SuggestionService;
import io.tunelog.worker.WorkerAgent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker configured as production should be: one SASL_SSL listener with SCRAM-SHA-512 users, the
 * standard authorizer with no access unless an ACL allows it, certificates from deploy/security/make-certs.sh,
 * and every user's ACLs from {@code tunelog security grant}. Each component runs under its own role, the gateway
 * included, which serves the result over TLS to a token.
 */
class SecureClusterTest {
    private static final String STORE_PASSWORD = "stores-" + UUID.randomUUID();
    private static final String ADMIN_PASSWORD = "admin-" + UUID.randomUUID();
    /** Each user and its role, granted by {@code tunelog security grant}. */
    private static final Map<String, String> ROLES = Map.of("sched", "scheduler", "suggest", "suggestion", "registry", "registry",
            "worker-1", "worker", "alice", "producer", "audit", "auditor", "gateway", "gateway");
    /** A user with a credential and no role: authenticated, and allowed nothing. */
    private static final String NOBODY = "nobody";

    @TempDir
    static Path dir;

    static LocalBroker broker;
    static LocalBroker.Security security;
    static final Map<String, String> passwords = new HashMap<>();

    @BeforeAll
    static void startSecuredBroker() throws Exception {
        Path certs = dir.resolve("certs");
        ProcessBuilder makeCerts = new ProcessBuilder("bash", Path.of("../../deploy/security/make-certs.sh").toAbsolutePath().normalize().toString(),
                certs.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("make-certs.log").toFile());
        makeCerts.environment().put("TUNELOG_STORE_PASSWORD", STORE_PASSWORD);
        makeCerts.environment().put("KEYTOOL", Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        Process make = makeCerts.start();
        assertThat(make.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue()).as(Files.readString(dir.resolve("make-certs.log"))).isZero();
        security = new LocalBroker.Security(certs.resolve("broker.p12"), certs.resolve("truststore.p12"), STORE_PASSWORD,
                "CN=tunelog-broker", ADMIN_PASSWORD);
        broker = LocalBroker.start(dir.resolve("broker"), 0, security);

        Path admin = clientConfig(LocalBroker.Security.ADMIN, ADMIN_PASSWORD);
        assertThat(cli("security", "setup", "-b", broker.bootstrapServers(), "--client-config", admin.toString())).isZero();
        for (Map.Entry<String, String> user : ROLES.entrySet()) {
            Path file = Files.writeString(dir.resolve(user.getKey() + ".password"), password(user.getKey()) + "\n");
            assertThat(cli("security", "grant", "-b", broker.bootstrapServers(), "--client-config", admin.toString(),
                    "--user", user.getKey(), "--password-file", file.toString(), "--role", user.getValue()))
                    .as("grant " + user.getKey()).isZero();
        }
        try (Admin adminClient = clients(LocalBroker.Security.ADMIN, ADMIN_PASSWORD).admin()) {
            adminClient.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(NOBODY,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password(NOBODY)))).all().get();
        }
    }

    private static String password(String user) {
        return passwords.computeIfAbsent(user, u -> "pw-" + u + "-" + UUID.randomUUID());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldRefuseClientsThatDoNotAuthenticate() {
        Map<String, Object> wrongPassword = new HashMap<>(security.clientConfig("alice", "not-her-password"));
        assertThatThrownBy(() -> describeCluster(wrongPassword)).hasRootCauseInstanceOf(SaslAuthenticationException.class);

        Map<String, Object> tlsWithoutSasl = new HashMap<>(security.clientConfig("alice", passwords.get("alice")));
        tlsWithoutSasl.put("security.protocol", "SSL");
        assertThatThrownBy(() -> describeCluster(tlsWithoutSasl)).isInstanceOf(ExecutionException.class);

        assertThatThrownBy(() -> describeCluster(Map.of("security.protocol", "PLAINTEXT"))).isInstanceOf(ExecutionException.class);

        // Authenticated, with no ACL: sees no topic and may read or write nothing.
        KafkaClients nobody = clients(NOBODY, password(NOBODY));
        assertThatThrownBy(() -> send(nobody, Topics.SUBMISSIONS)).hasCauseInstanceOf(AuthorizationException.class);
    }

    @Test
    void shouldKeepEachRoleToWhatItNeeds() throws Exception {
        KafkaClients worker = clients("worker-1", passwords.get("worker-1"));
        assertThatThrownBy(() -> send(worker, Topics.EVENTS)).as("a worker writes the log")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> send(worker, Topics.SUBMISSIONS)).as("a worker submits")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        send(worker, Topics.HEARTBEATS);

        KafkaClients producer = clients("alice", passwords.get("alice"));
        assertThatThrownBy(() -> send(producer, Topics.REPORTS)).as("a producer reports")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> send(producer, Topics.EVENTS)).as("a producer writes the log")
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        send(producer, Topics.SUBMISSIONS);

        KafkaClients auditor = clients("audit", passwords.get("audit"));
        for (String topic : List.of(Topics.EVENTS, Topics.SUBMISSIONS, Topics.REPORTS, Topics.CONTROL, Topics.ASSIGNMENTS, Topics.REJECTIONS)) {
            assertThatThrownBy(() -> send(auditor, topic)).as("the auditor writes " + topic)
                    .hasCauseInstanceOf(AuthorizationException.class);
        }
        try (Admin admin = auditor.admin()) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("tunelog.mine", 1, (short) 1))).all().get())
                    .hasCauseInstanceOf(AuthorizationException.class);
            assertThatThrownBy(() -> admin.createAcls(io.tunelog.kafka.AccessControl.bindings(
                    io.tunelog.kafka.AccessControl.Role.PRODUCER, "audit")).all().get())
                    .as("the auditor grants itself more").hasCauseInstanceOf(AuthorizationException.class);
        }
    }

    @Test
    void shouldRunAnExperimentWithEachComponentUnderItsOwnRole() throws Exception {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        List<ServiceRunner> services = new ArrayList<>();
        WorkerAgent worker = null;
        GatewayServer gateway = null;
        try {
            services.add(service("sched", new SchedulingService()));
            services.add(service("suggest", new SuggestionService()));
            services.add(service("registry", new RegistryService(new CheckpointStores(List.of(new FileCheckpointStore(List.of(storage)))))));
            worker = new WorkerAgent(clients("worker-1", passwords.get("worker-1")),
                    Platform.workerSettings("secure-worker", 2, storage, storage)).start();
            long deadline = System.currentTimeMillis() + 60_000;
            while (!services.stream().allMatch(ServiceRunner::isReady)) {
                assertThat(System.currentTimeMillis()).as("services ready").isLessThan(deadline);
                Thread.sleep(50);
            }
            Path specFile = Files.writeString(dir.resolve("spec.yaml"), """
                    name: secure-asha
                    metric: {name: score, mode: max}
                    seed: 3
                    budget: {trials: 6, concurrent: 2}
                    searchSpace:
                      x: {uniform: [-1, 1]}
                      y: {uniform: [-1, 1]}
                    scheduler: {type: asha, maxT: 5, gracePeriod: 1, reductionFactor: 2}
                    trial:
                      trainable: io.tunelog.cli.QuadraticTrainable
                      checkpoint: {keep: 1, scoreAttribute: score}
                    """);
            String id = "secure-" + System.nanoTime();
            ExperimentFollower.submit(clients("alice", passwords.get("alice")), id, SpecFile.read(specFile));

            KafkaClients auditor = clients("audit", passwords.get("audit"));
            ExperimentState state = new ExperimentFollower(auditor, new PrintWriter(System.err, true)).follow(id, Duration.ofSeconds(120));
            assertThat(state.status()).isEqualTo(ExperimentStatus.COMPLETED);
            assertThat(state.anomalies()).isEmpty();
            assertThat(state.trials()).hasSize(6).allSatisfy(t -> assertThat(t.status()).isIn(TrialStatus.COMPLETED, TrialStatus.STOPPED));
            AuditReport audit = Audit.withAllServices().run(ExperimentLog.fromKafka(auditor, id));
            assertThat(audit.failures()).isEmpty();
            assertThat(audit.passed()).isTrue();

            // The gateway reads the log under its own role, and serves it over TLS to a read token only.
            Path keystore = TestTls.keystore(Files.createDirectories(dir.resolve("https")));
            TestTokens tokens = TestTokens.create();
            gateway = GatewayServer.start(clients("gateway", passwords.get("gateway")), "127.0.0.1", 0,
                    tokens.security(TestTls.tls(keystore)));
            URI summary = URI.create("https://127.0.0.1:" + gateway.port() + "/api/experiments/" + id);
            HttpClient https = TestTls.client(keystore);
            HttpResponse<String> answer = null;
            for (long until = System.currentTimeMillis() + 60_000; System.currentTimeMillis() < until; Thread.sleep(200)) {
                answer = https.send(HttpRequest.newBuilder(summary).header("Authorization", TestTokens.bearer(tokens.read())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() == 200) {
                    break;
                }
            }
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(answer.body()).get("status").asText()).isEqualTo("COMPLETED");
            assertThat(https.send(HttpRequest.newBuilder(summary).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("without a token").isEqualTo(401);
        } finally {
            if (gateway != null) {
                gateway.close();
            }
            if (worker != null) {
                worker.close();
            }
            services.forEach(ServiceRunner::close);
        }
    }

    private static ServiceRunner service(String user, ServiceLogic logic) {
        return new ServiceRunner(clients(user, passwords.get(user)), logic, "secure").start();
    }

    private static KafkaClients clients(String user, String password) {
        return new KafkaClients(broker.bootstrapServers(), security.clientConfig(user, password));
    }

    private static Path clientConfig(String user, String password) throws Exception {
        Properties p = new Properties();
        security.clientConfig(user, password).forEach((k, v) -> p.setProperty(k, v.toString()));
        Path file = dir.resolve(user + ".properties");
        try (var w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        return file;
    }

    private static int cli(String... args) {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err, true)).execute(args);
        if (exit != 0) {
            System.err.println("tunelog " + String.join(" ", args) + ": " + err);
        }
        return exit;
    }

    private static void describeCluster(Map<String, Object> config) throws Exception {
        Map<String, Object> props = new HashMap<>(config);
        props.put("bootstrap.servers", broker.bootstrapServers());
        props.put("default.api.timeout.ms", 5_000);
        props.put("request.timeout.ms", 4_000);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().nodes().get(10, TimeUnit.SECONDS);
        }
    }

    /** Sends one harmless record of the topic's kind (a cancellation of nothing, a heartbeat) and waits for the broker's answer. */
    private static void send(KafkaClients clients, String topic) throws Exception {
        byte[] value = topic.equals(Topics.HEARTBEATS)
                ? AvroBytes.encode(new WorkerHeartbeat("security-test", "localhost", java.time.Instant.now(), 0, List.of(), java.util.Map.of(), List.of()))
                : AvroBytes.encode(new CancelExperiment("no-such-experiment", "security test", "test"));
        Map<String, Object> overrides = new HashMap<>(clients.extra());
        overrides.put("max.block.ms", 10_000);
        overrides.put("delivery.timeout.ms", 10_000);
        overrides.put("request.timeout.ms", 5_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaClients(clients.bootstrapServers(), overrides).producer("security-test", null)) {
            producer.send(new ProducerRecord<>(topic, "no-such-experiment", value)).get(20, TimeUnit.SECONDS);
        }
    }
}
