package io.tunelog.security;

import io.tunelog.avro.SigningKeyEntry;
import io.tunelog.codec.AvroBytes;
import io.tunelog.kafka.AccessControl.Role;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One signing key's registration in the key registry ({@code tunelog.keys}, see docs/SIGNING.md): its public key, the
 * role whose records it signs, the principal that holds it, for a worker key the worker id it reports as (for a
 * gateway key, the prefix of its leases' worker ids), and, once revoked, from where in the log it stopped being good.
 */
public record KeyEntry(String fingerprint, PublicKey publicKey, Role role, String principal, String workerId, Instant validFrom,
        Revocation revocation) {

    /** The roles that write records and so sign them. */
    public static final Set<Role> SIGNING_ROLES = Set.of(Role.SCHEDULER, Role.SUGGESTION, Role.REGISTRY, Role.WORKER, Role.GATEWAY);
    /** What a gateway key is registered for when told nothing else: the worker ids of its leases begin so. */
    public static final String GATEWAY_LEASE_PREFIX = "http-";

    /**
     * When the key was revoked and the end offset of each log partition then (index = partition): a signature at or past
     * that offset fails, whatever the record's timestamp claims.
     */
    public record Revocation(Instant at, List<Long> logOffsets) {
        public Revocation {
            Objects.requireNonNull(at, "at");
            logOffsets = List.copyOf(logOffsets);
        }

        /** Whether the record at {@code offset} of log partition {@code partition} is at or past the revocation. */
        public boolean covers(int partition, long offset) {
            // A partition the revocation does not know was added after it: all of it comes later.
            return partition >= logOffsets.size() || offset >= logOffsets.get(partition);
        }
    }

    public KeyEntry {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(validFrom, "validFrom");
        if (!SIGNING_ROLES.contains(role)) {
            throw new IllegalArgumentException("role: " + name(role) + " writes no records to sign; one of scheduler, suggestion, registry, worker or gateway");
        }
        if ((role == Role.WORKER || role == Role.GATEWAY) && (workerId == null || workerId.isBlank())) {
            throw new IllegalArgumentException("workerId: a " + name(role) + " key needs the worker id it reports as");
        }
        if (!(role == Role.WORKER || role == Role.GATEWAY) && workerId != null) {
            throw new IllegalArgumentException("workerId: only a worker or gateway key reports as a worker, not a " + name(role) + " key");
        }
        String actual = SigningKeys.fingerprint(publicKey);
        if (!actual.equals(fingerprint)) {
            throw new IllegalArgumentException("fingerprint: " + fingerprint + " is not its public key's (" + actual + ")");
        }
    }

    private static String name(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /** A new, unrevoked registration of {@code publicKey}. */
    public static KeyEntry register(PublicKey publicKey, Role role, String principal, String workerId, Instant validFrom) {
        String id = role == Role.GATEWAY && workerId == null ? GATEWAY_LEASE_PREFIX : workerId;
        return new KeyEntry(SigningKeys.fingerprint(publicKey), publicKey, role, principal, id, validFrom, null);
    }

    public KeyEntry revoke(Instant at, List<Long> logOffsets) {
        return new KeyEntry(fingerprint, publicKey, role, principal, workerId, validFrom, new Revocation(at, logOffsets));
    }

    public boolean revoked() {
        return revocation != null;
    }

    /** Whether {@code other} registers the same key for the same writer: equal but for the revocation. */
    public boolean sameRegistration(KeyEntry other) {
        return fingerprint.equals(other.fingerprint) && role == other.role && principal.equals(other.principal)
                && Objects.equals(workerId, other.workerId) && validFrom.equals(other.validFrom);
    }

    /** Why this key may not sign a report as {@code reportWorkerId}, if it may not. */
    public Optional<String> reportAsProblem(String reportWorkerId) {
        if (role == Role.WORKER) {
            return workerId.equals(reportWorkerId) ? Optional.empty()
                    : Optional.of("signer " + fingerprint + " reports as " + workerId + ", not " + reportWorkerId);
        }
        if (role == Role.GATEWAY) {
            return reportWorkerId.startsWith(workerId) ? Optional.empty()
                    : Optional.of("signer " + fingerprint + " is a gateway key for worker ids " + workerId + "*, not " + reportWorkerId);
        }
        return Optional.of("signer " + fingerprint + " is a " + name(role) + " key, not a worker's");
    }

    public byte[] encode() {
        return AvroBytes.encode(new SigningKeyEntry(fingerprint, ByteBuffer.wrap(publicKey.getEncoded()), name(role),
                principal, workerId, validFrom, revocation == null ? null : revocation.at(),
                revocation == null ? List.of() : revocation.logOffsets()));
    }

    /**
     * The entry in a registry record's value.
     *
     * @throws IllegalArgumentException naming what is wrong, when the bytes are no entry or an inconsistent one
     */
    public static KeyEntry decode(byte[] value) {
        SigningKeyEntry e;
        try {
            e = AvroBytes.decode(SigningKeyEntry.class, value);
        } catch (AvroBytes.UndecodableRecord ex) {
            throw new IllegalArgumentException(ex.getMessage());
        }
        ByteBuffer encoded = e.getPublicKey().duplicate();
        byte[] x509 = new byte[encoded.remaining()];
        encoded.get(x509);
        PublicKey key;
        try {
            key = SigningKeys.publicKey(x509, "publicKey of " + e.getFingerprint());
        } catch (SigningKeys.KeyFileException ex) {
            throw new IllegalArgumentException(ex.getMessage());
        }
        Revocation revocation = e.getRevokedAt() == null ? null : new Revocation(e.getRevokedAt(), e.getRevokedAtLogOffsets());
        return new KeyEntry(e.getFingerprint(), key, Role.parse(e.getRole()), e.getPrincipal(), e.getWorkerId(), e.getValidFrom(), revocation);
    }
}
