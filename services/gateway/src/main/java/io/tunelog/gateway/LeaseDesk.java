package io.tunelog.gateway;

import io.tunelog.avro.WorkerReport;
import io.tunelog.codec.EventCodec;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.http.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ask-and-tell: the gateway as the worker of its HTTP clients. A client takes the next queued attempt of an
 * experiment under a lease; the gateway starts it at the gate under the lease's own worker id, heartbeats for it while
 * the lease lives, and passes each report, checkpoint and outcome to the gate as the {@link WorkerReport} a worker
 * would send, so the gate's rules, leases and fencing hold for HTTP clients exactly as for workers.
 */
final class LeaseDesk {
    /** How many refused starts a take tries past before it gives up, even with no time left to wait. */
    private static final int MIN_TRIES = 3;

    private final ExperimentCatalog catalog;
    private final LeaseBook book;
    private final GateClient gate;
    private final LeaseHeartbeats heartbeats;
    private final Clock clock;

    /** A lease on a started attempt, and what the attempt was queued with. */
    record Taken(Lease lease, NextTrial.Offer offer) {}

    /** Where a lease's attempt stands after a call: the trial's status, and why it stopped when it did. */
    record Standing(Lease lease, String status, boolean running, String reason) {}

    LeaseDesk(ExperimentCatalog catalog, LeaseBook book, GateClient gate, LeaseHeartbeats heartbeats, Clock clock) {
        this.catalog = catalog;
        this.book = book;
        this.gate = gate;
        this.heartbeats = heartbeats;
        this.clock = clock;
    }

    /**
     * Takes the next queued attempt of the experiment for a client, waiting up to {@code wait} for one to be queued;
     * empty when none was. {@code host} is who evaluates it, as the attempt's start records it.
     */
    Optional<Taken> take(String experimentId, Duration term, Duration wait, String host) {
        long deadline = System.nanoTime() + wait.toNanos();
        int refused = 0;
        while (true) {
            checkTakesWork(experimentId);
            Optional<NextTrial.Offer> offer = catalog.read(experimentId, e -> NextTrial.pick(e.state(), book::claimed)).orElse(Optional.empty());
            if (offer.isPresent()) {
                Optional<Taken> taken = start(experimentId, offer.get(), term, host);
                if (taken.isPresent()) {
                    return taken;
                }
                // Another client (of this gateway or another) started it first: try the next one, a few times at least,
                // but never past the wait, whatever keeps the gate refusing.
                if (++refused < MIN_TRIES || System.nanoTime() < deadline) {
                    continue;
                }
                return Optional.empty();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            awaitChange(experimentId, Math.min(left, TimeUnit.SECONDS.toNanos(1)));
        }
    }

    /** 409 unless the experiment runs and hands its trials to clients; 404 (or 422, 503) unless it is in the log. */
    private void checkTakesWork(String experimentId) {
        String problem = catalog.require(experimentId, e -> {
            ExperimentState s = e.state();
            if (s.status() != ExperimentStatus.RUNNING) {
                return "experiment " + experimentId + " is " + s.status() + ": it has no more trials to hand out";
            }
            if (!s.spec().trial().askAndTell()) {
                return "experiment " + experimentId + " runs its trials on workers; only one whose spec says "
                        + "trial: {askAndTell: true} hands them to clients over HTTP";
            }
            return "";
        });
        if (problem != null && !problem.isEmpty()) {
            throw new Problem(409, "experimentId", problem);
        }
    }

    private Optional<Taken> start(String experimentId, NextTrial.Offer offer, Duration term, String host) {
        Optional<Lease> claimed = book.claim(experimentId, offer.trialId(), offer.attempt(), term, clock.instant());
        if (claimed.isEmpty()) {
            return Optional.empty();
        }
        Lease lease = claimed.get();
        try {
            heartbeats.beatNow(lease);
            EventPayload.TrialStarted started = new EventPayload.TrialStarted(offer.attempt(), lease.workerId(), host, null);
            GateClient.Verdict verdict = gate.judge(command(lease, started), eventId(lease, "started"));
            boolean ours = verdict.logged() && catalog.read(experimentId, e -> {
                TrialState t = e.state().trial(offer.trialId());
                return t != null && t.attempt() == offer.attempt() && lease.workerId().equals(t.workerId());
            }).orElse(false);
            if (!ours) {
                book.end(lease);
                return Optional.empty();
            }
            return Optional.of(new Taken(book.extend(lease, clock.instant()), offer));
        } catch (RuntimeException e) {
            // Not told whether it started: if it did, its lease lapses unless the client comes back, which it cannot.
            book.end(lease);
            throw e;
        }
    }

    /** The lease, moved on by its term: every call keeps it alive. 404 when this gateway does not know it. */
    Lease touch(String experimentId, String leaseId) {
        Lease lease = book.find(experimentId, leaseId).orElseThrow(() -> new Problem(404, "leaseId", "no lease " + leaseId
                + " of experiment " + experimentId + " at this gateway (leases live in the gateway that gave them, "
                + "for an hour after they lapse)"));
        return book.extend(lease, clock.instant());
    }

    /**
     * Sends one report, checkpoint or outcome of the lease's attempt to the gate and says where the attempt stands
     * once the gate has judged it; a refusal is a 409 in the gate's words. {@code key} is what the gate names the
     * event after ({@code step-3}, {@code checkpoint-<id>}, {@code completed}, {@code failed}).
     */
    Standing send(Lease lease, EventPayload.AttemptReport payload, String key) {
        GateClient.Verdict verdict = gate.judge(command(lease, payload), eventId(lease, key));
        if (!verdict.logged()) {
            throw new Problem(409, "leaseId", "refused by the gate: " + verdict.refusal()
                    + (lease.lapsedAt() != null ? "; lease " + lease.leaseId() + " lapsed at " + lease.lapsedAt() : ""));
        }
        return standing(lease);
    }

    /** Where the lease's attempt stands now; a lease whose attempt no longer runs stops its heartbeats. */
    Standing standing(Lease lease) {
        Standing standing = catalog.read(lease.experimentId(), e -> {
            TrialState t = e.state().trial(lease.trialId());
            if (t == null) {
                return new Standing(lease, "UNKNOWN", false, "no trial " + lease.trialId());
            }
            if (t.attempt() != lease.attempt()) {
                return new Standing(lease, "SUPERSEDED", false, "attempt " + lease.attempt() + " is over: the trial is at attempt "
                        + t.attempt() + (t.lastError() == null ? "" : " after: " + t.lastError()));
            }
            boolean running = t.status() == TrialStatus.RUNNING && e.state().status() == ExperimentStatus.RUNNING;
            String reason = running ? null : t.decisions().isEmpty() || t.decisions().get(t.decisions().size() - 1).attempt() != lease.attempt()
                    ? t.lastError() : t.decisions().get(t.decisions().size() - 1).reason();
            return new Standing(lease, t.status().name(), running, reason);
        }).orElseThrow(() -> new Problem(404, "experimentId", "no experiment " + lease.experimentId() + " in the log"));
        if (!standing.running()) {
            book.end(lease);
        }
        return standing;
    }

    private WorkerReport command(Lease lease, EventPayload.AttemptReport payload) {
        return new WorkerReport(lease.experimentId(), lease.trialId(), lease.attempt(), lease.workerId(), clock.instant(),
                EventCodec.payloadToAvro(payload), false);
    }

    /** The id the gate gives the event it admits for this report (see CommandGate). */
    private static String eventId(Lease lease, String key) {
        return Event.id(lease.experimentId(), lease.trialId() + "/a" + lease.attempt() + "/" + key);
    }

    /** Waits for the experiment's log to grow, or {@code nanos}. */
    private void awaitChange(String experimentId, long nanos) {
        CountDownLatch changed = new CountDownLatch(1);
        Runnable unsubscribe = catalog.subscribe(experimentId, changed::countDown);
        try {
            changed.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Problem(503, null, "interrupted while waiting for a trial of " + experimentId);
        } finally {
            unsubscribe.run();
        }
    }
}
