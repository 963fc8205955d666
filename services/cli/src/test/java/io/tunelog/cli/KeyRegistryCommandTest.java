package io.tunelog.cli;

import static io.tunelog.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.kafka.AccessControl.Role;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.KeyRegistryTopic;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** `tunelog key register`, `revoke` and `list` on a real broker: what they write to tunelog.keys, and bad input in one line. */
class KeyRegistryCommandTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path dir;

    private KeyRegistry registry() {
        return KeyRegistryTopic.read(KafkaClients.of(KAFKA.bootstrapServers()), Duration.ofSeconds(30));
    }

    @Test
    void shouldRegisterANewWorkerKeyAndAPublicKeyMadeElsewhereThenRevokeFromTheLogsEndOffsets() throws Exception {
        Path workerDir = dir.resolve("worker-1");
        CliRun worker = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--out", workerDir.toString(),
                "--role", "worker", "--user", "worker-1", "--worker-id", "w1");
        assertThat(worker.exit()).as(worker.err()).isZero();
        Path privateFile = workerDir.resolve(SigningKeys.PRIVATE_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile))).isEqualTo("rw-------");
        String workerFp = SigningKeys.fingerprint(SigningKeys.readPrivate(privateFile).getPublic());
        assertThat(worker.out()).startsWith("registered " + workerFp + " worker User:worker-1 worker w1 since ")
                .endsWith("; private key " + privateFile + " (mode 0600)\n");

        // The scheduler's host makes its own pair; only the public key reaches the administrator.
        CliRun made = run("key", "new", "--out", dir.resolve("scheduler").toString());
        assertThat(made.exit()).as(made.err()).isZero();
        Path schedulerPublic = dir.resolve("scheduler").resolve(SigningKeys.PUBLIC_FILE);
        CliRun scheduler = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--public-key", schedulerPublic.toString(),
                "--role", "scheduler", "--user", "svc-scheduler");
        assertThat(scheduler.exit()).as(scheduler.err()).isZero();
        String schedulerFp = SigningKeys.fingerprint(SigningKeys.readPublic(schedulerPublic));

        KeyRegistry before = registry();
        assertThat(before.entries()).extracting(KeyEntry::fingerprint).containsExactlyInAnyOrder(workerFp, schedulerFp);
        assertThat(before.entry(schedulerFp).orElseThrow().role()).isEqualTo(Role.SCHEDULER);
        assertThat(before.reportSignerProblem(workerFp, "w1")).isEmpty();

        // Some log records first, so the revocation's offsets are not all zero.
        try (KafkaProducer<String, byte[]> producer = KafkaClients.of(KAFKA.bootstrapServers()).producer("test", null)) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(Topics.EVENTS, "exp-" + i, new byte[] {1})).get();
            }
        }
        List<Long> ends;
        try (Admin admin = KafkaClients.of(KAFKA.bootstrapServers()).admin()) {
            ends = KeyRegistryTopic.logEndOffsets(admin);
        }
        assertThat(ends.stream().mapToLong(Long::longValue).sum()).isEqualTo(5);

        CliRun revoke = run("key", "revoke", "--bootstrap-servers", KAFKA.bootstrapServers(), "--fingerprint", workerFp);
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        assertThat(revoke.out()).contains("revoked " + workerFp).endsWith(" from log offsets " + ends + "\n");
        KeyEntry revoked = registry().entry(workerFp).orElseThrow();
        assertThat(revoked.revocation().logOffsets()).isEqualTo(ends);
        assertThat(registry().reportSignerProblem(workerFp, "w1")).hasValueSatisfying(p -> assertThat(p).contains("was revoked at"));

        CliRun again = run("key", "revoke", "--bootstrap-servers", KAFKA.bootstrapServers(), "--fingerprint", workerFp);
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains(workerFp + " was revoked already, at " + revoked.revocation().at());
        assertThat(registry().entry(workerFp).orElseThrow().revocation()).isEqualTo(revoked.revocation());

        CliRun list = run("key", "list", "--bootstrap-servers", KAFKA.bootstrapServers());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out().lines()).hasSize(2).anySatisfy(l -> assertThat(l).startsWith(workerFp).contains(" REVOKED at "))
                .anySatisfy(l -> assertThat(l).startsWith(schedulerFp + " scheduler User:svc-scheduler since ").doesNotContain("REVOKED"));

        CliRun twice = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--public-key", schedulerPublic.toString(),
                "--role", "scheduler", "--user", "svc-scheduler");
        assertThat(twice.exit()).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(twice.err()).isEqualTo("tunelog key register: " + schedulerFp + " is registered already; a key is registered once\n");
    }

    @Test
    void shouldRefuseBadInputInOneLineBeforeWritingAnything() throws Exception {
        Path out = dir.resolve("never");
        CliRun role = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--out", out.toString(), "--role", "root", "--user", "u");
        assertThat(role.exit()).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(role.err()).isEqualTo("tunelog key register: --role: one of scheduler, suggestion, registry, worker or gateway (the roles that write records), not root\n");

        CliRun noWorkerId = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--out", out.toString(), "--role", "worker", "--user", "u");
        assertThat(noWorkerId.err()).isEqualTo("tunelog key register: --worker-id: a worker key needs the worker id it reports as\n");
        assertThat(noWorkerId.exit()).isEqualTo(Tunelog.BAD_INPUT);

        CliRun auditor = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--out", out.toString(), "--role", "auditor", "--user", "u");
        assertThat(auditor.err()).isEqualTo("tunelog key register: --role: one of scheduler, suggestion, registry, worker or gateway (the roles that write records), not auditor\n");
        assertThat(Files.exists(out)).isFalse();

        Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "hello");
        CliRun bad = run("key", "register", "--bootstrap-servers", KAFKA.bootstrapServers(), "--public-key", notAKey.toString(), "--role", "scheduler", "--user", "u");
        assertThat(bad.err()).isEqualTo("tunelog key register: --public-key: " + notAKey + " holds no PEM PUBLIC KEY block\n");
        assertThat(bad.exit()).isEqualTo(Tunelog.BAD_INPUT);

        CliRun unknown = run("key", "revoke", "--bootstrap-servers", KAFKA.bootstrapServers(), "--fingerprint", "SHA256:nobody");
        assertThat(unknown.exit()).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(unknown.err()).isEqualTo("tunelog key revoke: --fingerprint: no key SHA256:nobody in tunelog.keys (`tunelog key list` lists them)\n");
        assertThat(registry().problems()).isEmpty();
    }
}
