package io.tunelog.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tunelog.kafka.AccessControl.Role;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRegistryTest {
    private static final Instant T0 = Instant.parse("2026-12-08T03:00:00Z");

    private final PublicKey workerKey = SigningKeys.generate().getPublic();
    private final KeyEntry worker = KeyEntry.register(workerKey, Role.WORKER, "User:worker-1", "w1", T0);
    private final String fp = worker.fingerprint();
    private final KeyRegistry registry = new KeyRegistry();
    private long offset;

    private void apply(KeyEntry entry) {
        registry.apply(entry.fingerprint(), entry.encode(), offset++);
    }

    @Test
    void shouldLetAWorkerKeyReportOnlyAsItsOwnWorker() {
        apply(worker);
        KeyEntry scheduler = KeyEntry.register(SigningKeys.generate().getPublic(), Role.SCHEDULER, "User:svc", null, T0);
        apply(scheduler);

        assertThat(registry.size()).isEqualTo(2);
        assertThat(registry.entry(fp)).contains(worker);
        assertThat(registry.reportSignerProblem(fp, "w1")).isEmpty();
        assertThat(registry.reportSignerProblem(fp, "w2")).contains("signer " + fp + " reports as w1, not w2");
        assertThat(registry.reportSignerProblem("SHA256:nobody", "w1")).contains("signer SHA256:nobody is not registered");
        assertThat(registry.reportSignerProblem(scheduler.fingerprint(), "w1"))
                .contains("signer " + scheduler.fingerprint() + " is a scheduler key, not a worker's");
        assertThat(registry.signerProblemAt(scheduler.fingerprint(), 3, 1_000_000)).isEmpty();
        assertThat(registry.problems()).isEmpty();
    }

    @Test
    void shouldLetAGatewayKeyReportOnlyAsItsLeases() {
        KeyEntry gateway = KeyEntry.register(SigningKeys.generate().getPublic(), Role.GATEWAY, "User:gw", null, T0);
        apply(gateway);

        assertThat(gateway.workerId()).isEqualTo(KeyEntry.GATEWAY_LEASE_PREFIX);
        assertThat(registry.reportSignerProblem(gateway.fingerprint(), "http-0123456789ab")).isEmpty();
        assertThat(registry.reportSignerProblem(gateway.fingerprint(), "w1")).isPresent();
    }

    @Test
    void shouldRefuseARevokedKeyFromItsRevocationOffsetsOnAndNeverUndoIt() {
        apply(worker);
        Instant revokedAt = T0.plusSeconds(60);
        apply(worker.revoke(revokedAt, List.of(10L, 20L)));

        assertThat(registry.reportSignerProblem(fp, "w1")).contains("signer " + fp + " was revoked at " + revokedAt);
        assertThat(registry.signerProblemAt(fp, 0, 9)).isEmpty();
        assertThat(registry.signerProblemAt(fp, 0, 10)).contains("signer " + fp + " was revoked at " + revokedAt
                + ", before this record (log partition 0 from offset 10)");
        assertThat(registry.signerProblemAt(fp, 1, 19)).isEmpty();
        assertThat(registry.signerProblemAt(fp, 1, 20)).isPresent();
        assertThat(registry.signerProblemAt(fp, 2, 0)).as("a partition added after the revocation").isPresent();

        // Neither the first registration written again nor a later revocation moves the revocation.
        apply(worker);
        apply(worker.revoke(revokedAt.plusSeconds(60), List.of(100L, 200L)));
        assertThat(registry.signerProblemAt(fp, 0, 10)).isPresent();
        assertThat(registry.entry(fp).orElseThrow().revocation().at()).isEqualTo(revokedAt);
        assertThat(registry.problems()).isEmpty();
    }

    @Test
    void shouldKeepTheFirstRegistrationAndListWhatItIgnores() {
        apply(worker);
        KeyEntry repointed = new KeyEntry(fp, workerKey, Role.WORKER, "User:worker-1", "w2", T0, null);
        registry.apply(fp, repointed.encode(), 1);
        registry.apply(fp, null, 2);
        registry.apply(fp, new byte[] {1, 2, 3}, 3);
        KeyEntry other = KeyEntry.register(SigningKeys.generate().getPublic(), Role.WORKER, "User:worker-2", "w2", T0);
        registry.apply(fp, other.encode(), 4);

        assertThat(registry.reportSignerProblem(fp, "w1")).isEmpty();
        assertThat(registry.size()).isEqualTo(1);
        assertThat(registry.problems()).containsExactly(
                "offset 1: " + fp + " registered again with other fields; the first registration stands",
                "offset 2: a tombstone for " + fp + " ignored; revoke a key, never delete it",
                "offset 3: not a key entry: not a SigningKeyEntry of any known schema: Not enough header bytes",
                "offset 4: the entry of " + other.fingerprint() + " filed under the key " + fp);
    }

    @Test
    void shouldRoundTripAnEntryAndRefuseAnInconsistentOne() {
        KeyEntry revoked = worker.revoke(T0.plusSeconds(5), List.of(1L, 2L, 3L));
        assertThat(KeyEntry.decode(revoked.encode())).isEqualTo(revoked);
        assertThat(KeyEntry.decode(worker.encode())).isEqualTo(worker);

        PublicKey otherKey = SigningKeys.generate().getPublic();
        assertThat(catchThrowable(() -> new KeyEntry(fp, otherKey, Role.WORKER, "User:w", "w1", T0, null)))
                .hasMessage("fingerprint: " + fp + " is not its public key's (" + SigningKeys.fingerprint(otherKey) + ")");
        assertThat(catchThrowable(() -> KeyEntry.register(workerKey, Role.WORKER, "User:w", null, T0)))
                .hasMessage("workerId: a worker key needs the worker id it reports as");
        assertThat(catchThrowable(() -> KeyEntry.register(workerKey, Role.SCHEDULER, "User:s", "w1", T0)))
                .hasMessage("workerId: only a worker or gateway key reports as a worker, not a scheduler key");
        assertThat(catchThrowable(() -> KeyEntry.register(workerKey, Role.AUDITOR, "User:a", null, T0)))
                .hasMessage("role: auditor writes no records to sign; one of scheduler, suggestion, registry, worker or gateway");
    }
}
