package io.tunelog.registry.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload.CheckpointDeleted;
import io.tunelog.domain.event.EventPayload.CheckpointRegistered;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.http.testing.TestTls;
import io.tunelog.http.testing.TestTokens;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.log.Integrity;
import io.tunelog.registry.RetentionDecider;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.FileCheckpointStore;
import io.tunelog.results.Json;
import io.tunelog.scheduler.SchedulingDecider;
import io.tunelog.suggestion.SuggestionDecider;
import java.io.ByteArrayInputStream;
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
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint server against a real broker: experiments' events are written to the log as the
 * services would write them, and the server, reading the log on its own, answers over real HTTP, to a read token.
 */
class CheckpointServerTest {
    static final String SPEC = """
            name: checkpoints
            metric: {name: acc, mode: max}
            budget: {trials: 2, concurrent: 2}
            searchSpace:
              x: {uniform: [0, 1]}
            trial:
              command: [x]
              checkpoint: {keep: 1, scoreAttribute: acc}
            """;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    static Path tmp;

    static KafkaClients clients;
    static Path root;
    static Path outside;
    static CheckpointServer server;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final TestTokens TOKENS = TestTokens.create();
    static int experiments;

    @BeforeAll
    static void start() throws Exception {
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(3, (short) 1));
        }
        root = Files.createDirectories(tmp.resolve("storage"));
        outside = Files.createDirectories(tmp.resolve("outside/stolen"));
        Files.writeString(outside.resolve("secret.txt"), "the registry must not serve this");
        server = CheckpointServer.start(clients, stores(), "127.0.0.1", 0, TOKENS.security());
    }

    static CheckpointStores stores() {
        return new CheckpointStores(List.of(new FileCheckpointStore(List.of(root))));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldListEveryCheckpointWithItsMetadataAndFilterByTrial() throws Exception {
        Experiment e = new Experiment();
        Path first = e.directory("trial-00000", "checkpoint_000001", 10);
        e.checkpoint("trial-00000", 1, first.toUri().toString(), 10, Map.of("acc", 0.5, "loss", 1.25));
        e.checkpoint("trial-00001", 1, e.directory("trial-00001", "checkpoint_000001", 20).toUri().toString(), 20, Map.of("acc", 0.7));
        e.checkpoint("trial-00000", 2, e.directory("trial-00000", "checkpoint_000002", 30).toUri().toString(), 30, Map.of("acc", 0.6));
        e.write();

        JsonNode all = e.awaitCheckpoints(3);

        assertThat(all.get("experimentId").asText()).isEqualTo(e.id);
        assertThat(all.get("checkpoints")).extracting(c -> c.get("checkpointId").asText()).containsExactly(
                "trial-00000/a1/checkpoint_000001", "trial-00000/a1/checkpoint_000002", "trial-00001/a1/checkpoint_000001");
        JsonNode c = all.get("checkpoints").get(0);
        assertThat(c.get("trialId").asText()).isEqualTo("trial-00000");
        assertThat(c.get("attempt").asInt()).isEqualTo(1);
        assertThat(c.get("step").asLong()).isEqualTo(1);
        assertThat(c.get("uri").asText()).isEqualTo(first.toUri().toString());
        assertThat(c.get("sizeBytes").asLong()).isEqualTo(10);
        assertThat(Json.MAPPER.treeToValue(c.get("metrics"), Map.class)).isEqualTo(Map.of("acc", 0.5, "loss", 1.25));
        assertThat(c.get("status").asText()).isEqualTo("live");
        assertThat(c.get("archive").asText())
                .isEqualTo("/experiments/" + e.id + "/checkpoints/trial-00000%2Fa1%2Fcheckpoint_000001/archive");

        Reply one = get("/experiments/" + e.id + "/checkpoints?trial=trial-00001");
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("checkpoints")).extracting(n -> n.get("checkpointId").asText())
                .containsExactly("trial-00001/a1/checkpoint_000001");

        Reply single = get("/experiments/" + e.id + "/checkpoints/trial-00000%2Fa1%2Fcheckpoint_000002");
        assertThat(single.status()).isEqualTo(200);
        assertThat(single.json().get("step").asLong()).isEqualTo(2);
        assertThat(single.json().get("metrics").get("acc").asDouble()).isEqualTo(0.6);
    }

    @Test
    void shouldServeACheckpointDirectoryAsATarHoldingExactlyItsFiles() throws Exception {
        Experiment e = new Experiment();
        Path dir = e.directory("trial-00000", "checkpoint_000001", 3_000_000);
        Files.createDirectories(dir.resolve("optimizer/empty"));
        Files.write(dir.resolve("optimizer/state.bin"), new byte[] {0, (byte) 0x80, (byte) 0xff});
        e.checkpoint("trial-00000", 1, dir.toUri().toString(), 3_000_003, Map.of("acc", 0.5));
        e.write();
        JsonNode listed = e.awaitCheckpoints(1).get("checkpoints").get(0);

        HttpResponse<byte[]> archive = HTTP.send(request(listed.get("archive").asText()), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(archive.statusCode()).isEqualTo(200);
        assertThat(archive.headers().firstValue("Content-Type")).hasValue("application/x-tar");
        assertThat(archive.headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"trial-00000_a1_checkpoint_000001.tar\"");
        assertThat(untar(archive.body())).isEqualTo(tree("trial-00000_a1_checkpoint_000001", dir));
    }

    @Test
    void shouldAnswerGoneOnceTheLogDeletesACheckpoint() throws Exception {
        Experiment e = new Experiment();
        Path older = e.directory("trial-00000", "checkpoint_000001", 100);
        e.checkpoint("trial-00000", 1, older.toUri().toString(), 100, Map.of("acc", 0.5));
        e.write();
        e.awaitCheckpoints(1);
        String path = "/experiments/" + e.id + "/checkpoints/trial-00000%2Fa1%2Fcheckpoint_000001";
        assertThat(get(path + "/archive").status()).as("live: served").isEqualTo(200);

        e.checkpoint("trial-00000", 2, e.directory("trial-00000", "checkpoint_000002", 100).toUri().toString(), 100, Map.of("acc", 0.9));
        List<Event> decided = e.log.decide(new RetentionDecider());
        assertThat(decided).extracting(d -> ((CheckpointDeleted) d.payload()).checkpointId())
                .containsExactly("trial-00000/a1/checkpoint_000001");
        e.write();

        Reply gone = await(() -> get(path + "/archive"), r -> r.status() != 200);
        assertThat(gone.status()).isEqualTo(410);
        assertThat(gone.json().get("field").asText()).isEqualTo("checkpointId");
        assertThat(gone.json().get("detail").asText()).contains("trial-00000/a1/checkpoint_000001").contains("deleted");
        assertThat(older).as("nothing here removes files: the answer comes from the log").isDirectory();
        assertThat(get(path).json().get("status").asText()).isEqualTo("deleted");
        assertThat(get(path.replace("000001", "000002") + "/archive").status()).isEqualTo(200);
    }

    @Test
    void shouldRefuseCheckpointsWhoseRealPathLeavesTheStorageRoot() throws Exception {
        Experiment e = new Experiment();
        e.checkpoint("trial-00000", 1, root.toUri() + "../outside/stolen", 10, Map.of());
        Path link = Files.createSymbolicLink(Files.createDirectories(root.resolve(e.id)).resolve("linked"), outside);
        e.checkpoint("trial-00000", 2, link.toUri().toString(), 10, Map.of());
        Path holdsLink = e.directory("trial-00000", "checkpoint_000003", 10);
        Files.createSymbolicLink(holdsLink.resolve("peek.txt"), outside.resolve("secret.txt"));
        e.checkpoint("trial-00000", 3, holdsLink.toUri().toString(), 10, Map.of());
        e.write();
        e.awaitCheckpoints(3);

        for (int step = 1; step <= 3; step++) {
            Reply refused = get("/experiments/" + e.id + "/checkpoints/" + CheckpointServer.segment(e.checkpointId("trial-00000", step)) + "/archive");

            assertThat(refused.status()).as("checkpoint %d", step).isEqualTo(403);
            assertThat(refused.json().get("field").asText()).isEqualTo("uri");
            assertThat(refused.body()).doesNotContain("the registry must not serve this");
        }
    }

    @Test
    void shouldNameWhatIsWrongInEveryError() throws Exception {
        Experiment e = new Experiment();
        e.checkpoint("trial-00000", 1, "s3://bucket/" + e.id + "/checkpoint_000001", 10, Map.of());
        e.checkpoint("trial-00000", 2, root.resolve(e.id).resolve("never-written").toUri().toString(), 10, Map.of());
        // Workers choose ids; nothing stops two trials from registering the same one.
        e.log.command("trial-00000", "trial-00000/a1/checkpoint-shared", new CheckpointRegistered(1, "shared", 3, "file:///x", 1, Map.of()));
        e.log.command("trial-00001", "trial-00001/a1/checkpoint-shared", new CheckpointRegistered(1, "shared", 1, "file:///y", 1, Map.of()));
        e.write();
        e.awaitCheckpoints(4);
        String base = "/experiments/" + e.id + "/checkpoints/";

        assertError(get(base + CheckpointServer.segment(e.checkpointId("trial-00000", 1)) + "/archive"), 501, "uri", "'s3'");
        assertError(get(base + CheckpointServer.segment(e.checkpointId("trial-00000", 2)) + "/archive"), 404, "uri", "never-written");
        assertError(get(base + "trial-00000%2Fa1%2Fcheckpoint_000099"), 404, "checkpointId", "checkpoint_000099");
        assertError(get(base + "trial-00000%2Fa1%2Fcheckpoint_000099/archive"), 404, "checkpointId", "checkpoint_000099");
        assertError(get("/experiments/no-such-experiment/checkpoints"), 404, "experimentId", "no-such-experiment");
        assertError(get(base.replace("checkpoints/", "checkpoints?trial=trial-00042")), 404, "trial", "trial-00042");
        assertError(get("/experiments"), 404, "path", "/experiments");
        assertError(get(base + "shared"), 409, "checkpointId", "[trial-00000, trial-00001]");
        assertThat(get(base + "shared?trial=trial-00001").json().get("uri").asText()).isEqualTo("file:///y");
    }

    @Test
    void shouldReportHealthWithTheReadersProgress() throws Exception {
        new Experiment().write();

        Reply health = await(() -> get("/health"), r -> r.json().get("caughtUp").asBoolean());

        assertThat(health.status()).isEqualTo(200);
        assertThat(health.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(health.json().get("status").asText()).isEqualTo("ok");
        assertThat(health.json().get("experiments").asInt()).isPositive();
    }

    @Test
    void shouldAnswer401WithoutAKnownTokenAndServeHealthToAnyone() throws Exception {
        Experiment e = new Experiment();
        e.checkpoint("trial-00000", 1, e.directory("trial-00000", "checkpoint_000001", 10).toUri().toString(), 10, Map.of());
        e.write();
        String archive = e.awaitCheckpoints(1).get("checkpoints").get(0).get("archive").asText();
        String metadata = archive.substring(0, archive.length() - "/archive".length());

        for (String path : List.of("/experiments/" + e.id + "/checkpoints", metadata, archive, "/experiments/nothing/here")) {
            for (String header : new String[] {null, TestTokens.bearer(TOKENS.read().substring(2)), "Basic " + TOKENS.read()}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
                if (header != null) {
                    request.header("Authorization", header);
                }
                HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                Reply reply = new Reply(r.statusCode(), r.body(), r.headers());
                assertError(reply, 401, "Authorization", "token");
                assertThat(r.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
                // Nothing but the client's own path (the problem's instance) comes back.
                assertThat(r.body().replace(reply.json().get("instance").asText(), "")).doesNotContain("checkpoint_000001");
            }
        }
        // A submit token reads too.
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + archive))
                .header("Authorization", TestTokens.bearer(TOKENS.submit())).build(), HttpResponse.BodyHandlers.ofByteArray()).statusCode())
                .isEqualTo(200);
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("probes carry no token").isEqualTo(200);
    }

    @Test
    void shouldServeOverTlsToAReadToken() throws Exception {
        Experiment e = new Experiment();
        e.checkpoint("trial-00000", 1, e.directory("trial-00000", "checkpoint_000001", 1000).toUri().toString(), 1000, Map.of());
        e.write();
        String archive = e.awaitCheckpoints(1).get("checkpoints").get(0).get("archive").asText();
        Path keystore = TestTls.keystore(Files.createDirectories(tmp.resolve("tls")));
        try (CheckpointServer tls = CheckpointServer.start(clients, stores(), "127.0.0.1", 0, TOKENS.security(TestTls.tls(keystore)))) {
            HttpClient trusting = TestTls.client(keystore);
            URI listing = URI.create("https://127.0.0.1:" + tls.port() + "/experiments/" + e.id + "/checkpoints");

            // A second server reads the log on its own, from the start.
            Reply listed = await(() -> {
                HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(listing).header("Authorization", TestTokens.bearer(TOKENS.read())).build(),
                        HttpResponse.BodyHandlers.ofString());
                return new Reply(r.statusCode(), r.body(), r.headers());
            }, r -> r.status() == 200);
            assertThat(listed.json().get("checkpoints")).hasSize(1);
            HttpResponse<byte[]> tar = trusting.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tls.port() + archive))
                    .header("Authorization", TestTokens.bearer(TOKENS.read())).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(tar.statusCode()).isEqualTo(200);
            assertThat(untar(tar.body())).containsKey("trial-00000_a1_checkpoint_000001/model.bin");
            assertThat(trusting.send(HttpRequest.newBuilder(listing).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);

            URI plain = URI.create("http://127.0.0.1:" + tls.port() + "/experiments/" + e.id + "/checkpoints");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> HTTP.send(HttpRequest.newBuilder(plain)
                    .header("Authorization", TestTokens.bearer(TOKENS.read())).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    private static void assertError(Reply reply, int status, String field, String mentions) throws Exception {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        // RFC 9457 problem details, with the field at fault as an extension member.
        assertThat(reply.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(reply.json().get("type").asText()).isEqualTo("about:blank");
        assertThat(reply.json().get("title").asText()).isEqualTo(io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase());
        assertThat(reply.json().get("status").asInt()).isEqualTo(status);
        assertThat(reply.json().get("instance").asText()).startsWith("/");
        assertThat(reply.json().get("field").asText()).isEqualTo(field);
        assertThat(reply.json().get("detail").asText()).contains(mentions);
    }

    /** An experiment with two running trials, written to the log as the services and the gate would write it. */
    static final class Experiment {
        final String id = "ckpt-" + (++experiments) + "-" + System.nanoTime();
        final LogBuilder log;
        final Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        int written;

        Experiment() throws Exception {
            TopicPartition tp;
            try (Admin admin = clients.admin()) {
                tp = new TopicPartition(Topics.EVENTS, Topics.partitionFor(id, Topics.partitionsOf(admin, Topics.EVENTS)));
            }
            long first;
            try (KafkaConsumer<String, byte[]> consumer = clients.consumer("checkpoint-test-probe", null)) {
                first = consumer.endOffsets(List.of(tp)).get(tp);
            }
            log = LogBuilder.submitted(id, SPEC, first);
            log.decide(new SuggestionDecider());
            log.decide(new SchedulingDecider());
            log.started("trial-00000", 1);
            log.started("trial-00001", 1);
        }

        String checkpointId(String trialId, long step) {
            return trialId + "/a1/checkpoint_" + String.format("%06d", step);
        }

        /** A checkpoint directory in storage, where a worker would put it, with {@code bytes} of random content. */
        Path directory(String trialId, String name, int bytes) throws Exception {
            Path dir = Files.createDirectories(root.resolve(id).resolve(trialId).resolve(name));
            byte[] content = new byte[bytes];
            new Random(bytes).nextBytes(content);
            Files.write(dir.resolve("model.bin"), content);
            return dir;
        }

        void checkpoint(String trialId, long step, String uri, long size, Map<String, Double> metrics) {
            String checkpointId = checkpointId(trialId, step);
            log.command(trialId, trialId + "/a1/checkpoint-" + checkpointId, new CheckpointRegistered(1, checkpointId, step, uri, size, metrics));
        }

        /** Appends what was added to the log since the last write; a lone producer's records land at the offsets the builder gave them. */
        void write() throws Exception {
            List<LoggedEvent> events = log.events();
            try (KafkaProducer<String, byte[]> producer = clients.producer("checkpoint-test-writer", null)) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (LoggedEvent event : events.subList(written, events.size())) {
                    sent.add(producer.send(writer.next(event)));
                }
                for (int i = 0; i < sent.size(); i++) {
                    assertThat(sent.get(i).get().offset()).isEqualTo(events.get(written + i).offset());
                }
            }
            written = events.size();
        }

        JsonNode awaitCheckpoints(int count) throws Exception {
            return await(() -> get("/experiments/" + id + "/checkpoints"),
                    r -> r.status() == 200 && r.json().get("checkpoints").size() == count).json();
        }
    }

    record Reply(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() throws Exception {
            return Json.MAPPER.readTree(body);
        }
    }

    interface Call {
        Reply call() throws Exception;
    }

    interface Check {
        boolean test(Reply r) throws Exception;
    }

    /** Asks until the answer passes {@code done}: the server folds the log in the background. */
    static Reply await(Call call, Check done) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        Reply last = call.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still " + last.status() + " " + last.body() + " after 30 s");
            }
            Thread.sleep(100);
            last = call.call();
        }
        return last;
    }

    static Reply get(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(request(path), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Reply(r.statusCode(), r.body(), r.headers());
    }

    static HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", TestTokens.bearer(TOKENS.read())).GET().build();
    }

    /** Entry name to bytes (null for a directory), as unpacked from a tar. */
    static Map<String, String> untar(byte[] tar) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), e.isDirectory() ? "dir" : digest(in.readAllBytes()));
            }
        }
        return entries;
    }

    /** The same for a directory on disk, under {@code top}. */
    static Map<String, String> tree(String top, Path dir) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String name = top + (p.equals(dir) ? "" : "/" + dir.relativize(p));
                entries.put(Files.isDirectory(p) ? name + "/" : name, Files.isDirectory(p) ? "dir" : digest(Files.readAllBytes(p)));
            }
        }
        return entries;
    }

    /** Content as a hex SHA-256 plus its length, so a mismatch prints readably. */
    static String digest(byte[] bytes) throws Exception {
        return bytes.length + ":" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
