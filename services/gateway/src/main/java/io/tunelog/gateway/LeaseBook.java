package io.tunelog.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The leases this gateway holds for its HTTP clients. Pure: time and ids are passed in. Thread-safe, since every
 * request and the heartbeat thread use it.
 *
 * <p>A lease whose time has passed is kept for {@link #KEPT_AFTER_LAPSE}, so that a client coming back late is
 * answered by the gate (which has declared the attempt lost by then) rather than told the lease never existed.
 */
final class LeaseBook {
    /** How long a lapsed or ended lease is still known here. */
    static final Duration KEPT_AFTER_LAPSE = Duration.ofHours(1);

    private final Map<String, Lease> leases = new HashMap<>();
    private final Supplier<String> newId;

    /** {@code newId} makes lease ids and worker ids: each must be unguessable, since a lease id is a capability. */
    LeaseBook(Supplier<String> newId) {
        this.newId = newId;
    }

    /**
     * A new lease on the attempt, heartbeating from now; empty when a lease of this gateway already keeps that attempt
     * alive (another request of this gateway is taking it).
     */
    synchronized Optional<Lease> claim(String experimentId, String trialId, int attempt, Duration term, Instant now) {
        if (claimed(experimentId, trialId, attempt)) {
            return Optional.empty();
        }
        Lease lease = new Lease(newId.get(), experimentId, trialId, attempt, "http-" + newId.get().substring(0, 12), term,
                now.plus(term), true, null);
        leases.put(lease.leaseId(), lease);
        return Optional.of(lease);
    }

    /** Whether a lease of this gateway keeps the attempt alive. */
    synchronized boolean claimed(String experimentId, String trialId, int attempt) {
        for (Lease l : leases.values()) {
            if (l.heartbeating() && l.attempt() == attempt && l.trialId().equals(trialId) && l.experimentId().equals(experimentId)) {
                return true;
            }
        }
        return false;
    }

    /** The lease, if this gateway knows it and it is of that experiment. */
    synchronized Optional<Lease> find(String experimentId, String leaseId) {
        return Optional.ofNullable(leases.get(leaseId)).filter(l -> l.experimentId().equals(experimentId));
    }

    /**
     * The lease moved on by its term from now: a client that calls keeps it alive. A lease that lapsed beats again; if
     * the gate has meanwhile declared its attempt lost, the gate refuses whatever the client sends.
     */
    synchronized Lease extend(Lease lease, Instant now) {
        Lease current = leases.getOrDefault(lease.leaseId(), lease);
        Lease extended = current.extended(now);
        leases.put(extended.leaseId(), extended);
        return extended;
    }

    /** No more heartbeats for it: its attempt has ended for the client, or never started. */
    synchronized Lease end(Lease lease) {
        Lease ended = leases.getOrDefault(lease.leaseId(), lease).ended();
        leases.put(ended.leaseId(), ended);
        return ended;
    }

    /** The leases to heartbeat for now: not ended and not lapsed. */
    synchronized List<Lease> alive(Instant now) {
        List<Lease> alive = new ArrayList<>();
        for (Lease l : leases.values()) {
            if (l.heartbeating() && !l.lapsed(now)) {
                alive.add(l);
            }
        }
        return alive;
    }

    /** Forgets the leases that lapsed (or were last extended) more than {@link #KEPT_AFTER_LAPSE} ago. */
    synchronized void forgetOld(Instant now) {
        leases.values().removeIf(l -> now.isAfter(l.expiresAt().plus(KEPT_AFTER_LAPSE)));
    }

    synchronized int size() {
        return leases.size();
    }
}
