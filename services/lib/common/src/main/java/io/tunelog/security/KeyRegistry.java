package io.tunelog.security;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fold of the key registry topic ({@code tunelog.keys}, see docs/SIGNING.md), read in offset order: fingerprint to
 * registration. The first registration of a fingerprint stands; a later record may only revoke it, and the earliest
 * revocation stands (a revocation is never undone); a tombstone is ignored, so a key once registered stays checkable.
 * What it ignores it lists in {@link #problems()}. Not thread-safe: one reader folds and asks.
 */
public final class KeyRegistry {
    private record Registered(KeyEntry entry, RecordSignature.Verifier verifier) {}

    private final Map<String, Registered> byFingerprint = new HashMap<>();
    private final List<String> problems = new ArrayList<>();

    /** Folds one record of the registry topic: its key, value (null for a tombstone) and offset (to name it). */
    public void apply(String recordKey, byte[] value, long offset) {
        if (value == null) {
            problems.add("offset " + offset + ": a tombstone for " + recordKey + " ignored; revoke a key, never delete it");
            return;
        }
        KeyEntry entry;
        try {
            entry = KeyEntry.decode(value);
        } catch (IllegalArgumentException e) {
            problems.add("offset " + offset + ": not a key entry: " + e.getMessage());
            return;
        }
        if (!entry.fingerprint().equals(recordKey)) {
            problems.add("offset " + offset + ": the entry of " + entry.fingerprint() + " filed under the key " + recordKey);
            return;
        }
        Registered known = byFingerprint.get(entry.fingerprint());
        if (known == null) {
            byFingerprint.put(entry.fingerprint(), new Registered(entry, new RecordSignature.Verifier(entry.publicKey())));
        } else if (!known.entry().sameRegistration(entry)) {
            problems.add("offset " + offset + ": " + entry.fingerprint() + " registered again with other fields; the first registration stands");
        } else if (!known.entry().revoked() && entry.revoked()) {
            byFingerprint.put(entry.fingerprint(), new Registered(entry, known.verifier()));
        }
    }

    public Optional<KeyEntry> entry(String fingerprint) {
        return Optional.ofNullable(byFingerprint.get(fingerprint)).map(Registered::entry);
    }

    /** The verifier of a registered key, its public key parsed once. */
    public Optional<RecordSignature.Verifier> verifier(String fingerprint) {
        return Optional.ofNullable(byFingerprint.get(fingerprint)).map(Registered::verifier);
    }

    /** Every registered key, revoked ones too, oldest registration first. */
    public List<KeyEntry> entries() {
        return byFingerprint.values().stream().map(Registered::entry)
                .sorted(Comparator.comparing(KeyEntry::validFrom).thenComparing(KeyEntry::fingerprint)).toList();
    }

    public int size() {
        return byFingerprint.size();
    }

    /** Records the fold ignored, each naming its offset and why. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /**
     * At the gate, now: why a report that {@code fingerprint} signed, carrying {@code workerId}, is not to be admitted on
     * its signer's account; empty when the signer may send it (its signature is checked apart).
     */
    public Optional<String> reportSignerProblem(String fingerprint, String workerId) {
        Registered r = byFingerprint.get(fingerprint);
        if (r == null) {
            return Optional.of("signer " + fingerprint + " is not registered");
        }
        if (r.entry().revoked()) {
            return Optional.of("signer " + fingerprint + " was revoked at " + r.entry().revocation().at());
        }
        return r.entry().reportAsProblem(workerId);
    }

    /**
     * In an audit: why {@code fingerprint}'s signature on the log record at {@code offset} of log partition
     * {@code partition} does not count; empty when the key was registered and not yet revoked there.
     */
    public Optional<String> signerProblemAt(String fingerprint, int partition, long offset) {
        Registered r = byFingerprint.get(fingerprint);
        if (r == null) {
            return Optional.of("signer " + fingerprint + " is not registered");
        }
        KeyEntry.Revocation revocation = r.entry().revocation();
        if (revocation != null && revocation.covers(partition, offset)) {
            return Optional.of("signer " + fingerprint + " was revoked at " + revocation.at() + ", before this record (log partition "
                    + partition + (partition < revocation.logOffsets().size() ? " from offset " + revocation.logOffsets().get(partition) : "") + ")");
        }
        return Optional.empty();
    }
}
